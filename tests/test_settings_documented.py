"""Every setting read from the environment is listed, with its default, in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_setting_is_in_env_example():
    source = (ROOT / "greenpin_admin" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', source))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert read - listed == set()
