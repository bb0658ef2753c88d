"""Serves the sandbox backend: the registry, identification bureau, strong e-ID and
e-signature services as the registry's guide describes them, with seeded demo holders, an
outbox of the emails and SMS it "sends" (/sandbox/outbox) and a controllable clock. For demos,
tests and staff training only; see README.md (demo holders) and docs/api.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import platformdirs
import uvicorn

from sandbox.app import SandboxSettings, create_app
from sandbox.control import register_own_face
from sandbox.errors import ApiError


def _smtp(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="kiosk-sandbox",
        description=__doc__,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8750, help="port (kiosk run's default backend)")
    p.add_argument(
        "--db",
        type=Path,
        default=platformdirs.user_data_path("registry-kiosk") / "sandbox.sqlite",
        help="SQLite file (created and seeded when missing)",
    )
    p.add_argument("--smtp", type=_smtp, help="also send emails to this SMTP server HOST:PORT")
    p.add_argument(
        "--activation-seconds",
        type=float,
        default=3.0,
        help="how long a certificate activation runs in the background (R26)",
    )
    p.add_argument(
        "--face",
        action="append",
        default=[],
        metavar="HOLDER_ID=JPEG",
        help="a tester's own face for a demo holder (in memory only; kept over resets)",
    )
    args = p.parse_args(argv)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    settings = SandboxSettings(
        db_url=f"sqlite:///{args.db}",
        smtp_host=args.smtp[0] if args.smtp else None,
        smtp_port=args.smtp[1] if args.smtp else None,
        activation_seconds=args.activation_seconds,
    )
    app = create_app(settings)
    for item in args.face:
        holder_id, _, path = item.partition("=")
        try:
            register_own_face(
                app.state.sandbox, holder_id, Path(path).read_bytes(), keep_over_reset=True
            )
        except (OSError, ApiError) as exc:
            p.error(f"--face {holder_id}: {exc}")
    print(
        f"sandbox on http://{args.host}:{args.port}  (outbox: /sandbox/outbox, "
        f"holders: /sandbox/v1/holders, API: /openapi.json)",
        file=sys.stderr,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
