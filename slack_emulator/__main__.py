"""`python -m slack_emulator [--port 0] [--socket-port 0] [--config users.json]`: run the
emulator until interrupted and print the SLACK_API_URL to give the app."""

from __future__ import annotations

import argparse
import contextlib
import threading
from pathlib import Path

from slack_emulator import config
from slack_emulator.emulator import Emulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m slack_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="Web API port (0: any free port)")
    parser.add_argument("--socket-port", type=int, default=0, help="Socket Mode port")
    parser.add_argument("--config", type=Path, help="workspace file (JSON or YAML)")
    parser.add_argument("--request-url", help="deliver over signed HTTP to this URL")
    args = parser.parse_args(argv)
    kwargs = config.load(args.config) if args.config else {}
    with Emulator(port=args.port, socket_port=args.socket_port, **kwargs) as emu:
        emu.request_url = args.request_url
        print(f"SLACK_API_URL={emu.api_url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
