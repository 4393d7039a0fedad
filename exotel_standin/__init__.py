"""A stand-in for Exotel's GreenPin and Call Details APIs, for tests and the demo.

Standard library only, never imported by production code. Run it with
`python -m exotel_standin --port 8081 --demo`, or in-process:

    from exotel_standin import StandIn
    with StandIn(account_sid="ACtest").start() as s:
        s.add_allocation(greenpin_id="gp_abc123xyz")
"""

from .control import Control
from .formats import ABSENT
from .server import StandIn

__all__ = ["ABSENT", "Control", "StandIn"]
