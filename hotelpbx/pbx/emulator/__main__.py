"""`python -m hotelpbx.pbx.emulator`: run the Yeastar S-Series emulator as a standalone server.

Every option has an EMULATOR_* environment variable (e.g. EMULATOR_PORT, EMULATOR_PASSWORD) that
replaces the built-in default; an option given on the command line wins over both.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from typing import Any

from .config import EmulatorConfig, parse_extensions_argument
from .emulator import Emulator
from .traffic import TrafficGenerator


def _env(name: str, default: Any) -> Any:
    return os.environ.get(f"EMULATOR_{name}", default)


def _flag(name: str) -> bool:
    return str(_env(name, "")).strip().lower() in ("1", "true", "yes", "on")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hotelpbx.pbx.emulator",
        description="Yeastar S-Series PBX API emulator (v1.1.0 and v2.0.0)",
    )
    parser.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(_env("PORT", 8088)))
    parser.add_argument(
        "--api-version-default",
        default=_env("API_VERSION_DEFAULT", "v2.0.0"),
        help="ignored: both /api/v1.1.0 and /api/v2.0.0 are always served",
    )
    parser.add_argument("--username", default=_env("USERNAME", "api"))
    parser.add_argument("--password", default=_env("PASSWORD", "Secret123"))
    parser.add_argument("--sn", default=_env("SN", "369364835218"))
    parser.add_argument(
        "--extensions",
        default=_env("EXTENSIONS", "2101-2120,3101-3120"),
        help='ranges like "2101-2120,3101-3120" or a JSON state file',
    )
    parser.add_argument("--trunks", default=_env("TRUNKS", "SIP-Carrier"), help="comma-separated trunk names")
    parser.add_argument(
        "--v1-route-update",
        choices=("on", "off"),
        default=str(_env("V1_ROUTE_UPDATE", "off")).lower(),
        help="whether v1.1.0 has outroute/update (off: errno 10003, as firmware without it)",
    )
    parser.add_argument(
        "--v2-create-wakeup-shape",
        choices=("object", "array"),
        default=str(_env("V2_CREATE_WAKEUP_SHAPE", "object")).lower(),
        help="the `wakeup` shape v2 wakeupcall/create takes (the other answers 10004)",
    )
    parser.add_argument("--time-zone", default=_env("TIME_ZONE", "UTC"))
    parser.add_argument(
        "--traffic",
        action="store_true",
        default=_flag("TRAFFIC"),
        help="place plausible guest calls in the background",
    )
    parser.add_argument("--traffic-interval", type=float, default=float(_env("TRAFFIC_INTERVAL", 5.0)))
    parser.add_argument(
        "--report-retry-interval",
        type=float,
        default=float(_env("REPORT_RETRY_INTERVAL", 1.0)),
        help="seconds between tries of a report the app did not answer with 200",
    )
    parser.add_argument(
        "--report-max-attempts",
        type=int,
        default=int(_env("REPORT_MAX_ATTEMPTS", 30)),
        help="tries per report before it is given up; later reports to that app wait meanwhile",
    )
    parser.add_argument(
        "--report-transport",
        choices=["HTTP", "TCP"],
        type=str.upper,
        default=str(_env("REPORT_TRANSPORT", "HTTP")).upper(),
        help="the API page's Report Method, echoed as v2 login `transport`; TCP: no HTTP reports on v2",
    )
    parser.add_argument(
        "--login-replaces-token",
        action="store_true",
        default=_flag("LOGIN_REPLACES_TOKEN"),
        help="a newer login deletes older tokens (they answer errno 20004)",
    )
    parser.add_argument("--certfile", default=_env("CERTFILE", None))
    parser.add_argument("--keyfile", default=_env("KEYFILE", None))
    parser.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    values: dict[str, Any] = {
        "username": args.username,
        "password": args.password,
        "sn": args.sn,
        "time_zone": args.time_zone,
        "trunks": [t.strip() for t in args.trunks.split(",") if t.strip()],
        "report_retry_interval": args.report_retry_interval,
        "report_max_attempts": args.report_max_attempts,
        "report_transport": args.report_transport,
        "login_replaces_token": args.login_replaces_token,
        "v1_route_update": args.v1_route_update == "on",
        "v2_create_wakeup_shape": args.v2_create_wakeup_shape,
    }
    values.update(parse_extensions_argument(args.extensions))
    return EmulatorConfig(**values)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    emu = Emulator(config_from_args(args)).start(
        host=args.host, port=args.port, certfile=args.certfile, keyfile=args.keyfile
    )
    if args.traffic:
        emu.traffic = TrafficGenerator(emu, interval=args.traffic_interval).start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
