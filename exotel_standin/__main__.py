"""`python -m exotel_standin`: run the stand-in as a server, optionally with demo data."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from .demo import run_traffic, seed_demo, seed_recording_and_linking_cases, seed_showcase
from .server import StandIn


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; credential defaults come from STANDIN_* env vars."""
    env = os.environ.get
    p = argparse.ArgumentParser(prog="python -m exotel_standin", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081)
    p.add_argument("--account-sid", default=env("STANDIN_ACCOUNT_SID", "ACdemo"))
    p.add_argument("--tenant-id", default=env("STANDIN_TENANT_ID"), help="default: account SID")
    p.add_argument("--exobridge-token", default=env("STANDIN_EXOBRIDGE_TOKEN", "xb-demo"))
    p.add_argument("--api-key", default=env("STANDIN_API_KEY"), help="default: account SID")
    p.add_argument("--api-token", default=env("STANDIN_API_TOKEN", "tok-demo"))
    p.add_argument("--shape", choices=["seed", "classic"], default="seed")
    p.add_argument("--rate-limit", type=int, default=None, metavar="N", help="requests/minute")
    p.add_argument("--demo", action="store_true", help="seed a realistic day of orders")
    p.add_argument("--demo-ids-file", type=Path, help="write the demo greenpin_ids here")
    p.add_argument("--webhook-url", help="with --demo: push simulated calls' events here")
    p.add_argument("--traffic-every", type=float, default=20.0, metavar="SECONDS")
    p.add_argument("--quiet", action="store_true", help="no per-request log lines")
    return p.parse_args(argv)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temp file in the same directory and rename, so readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; other processes read this file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_request(method: str, path: str, status: int, ms: float) -> None:
    # Only method, path and status: credentials travel in headers, which are never logged.
    print(f"{method} {path} {status} {ms:.1f}ms", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT/SIGTERM."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    standin = StandIn(
        account_sid=args.account_sid,
        exobridge_token=args.exobridge_token,
        api_key=args.api_key or args.account_sid,
        api_token=args.api_token,
        tenant_id=args.tenant_id,
        shape=args.shape,
        rate_limit_per_minute=args.rate_limit,
        on_request=None if args.quiet else _print_request,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        standin.start(args.host, args.port)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"Exotel stand-in on {standin.url} (account {args.account_sid})", flush=True)
    traffic = None
    if args.demo:
        ids = seed_demo(standin) + seed_showcase(standin)
        ids += seed_recording_and_linking_cases(standin)
        print(f"seeded {len(ids)} demo allocations", flush=True)
        if args.demo_ids_file:
            write_atomically(args.demo_ids_file, "".join(f"{gid}\n" for gid in ids))
        if args.webhook_url:
            traffic = threading.Thread(
                target=run_traffic,
                args=(standin, args.webhook_url, args.traffic_every, stop),
                name="demo-traffic",
                daemon=True,
            )
            traffic.start()
    while not stop.wait(0.5):
        pass
    print("stopping", flush=True)
    standin.stop()
    if traffic is not None:
        traffic.join(timeout=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
