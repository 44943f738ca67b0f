"""``python -m bessemer.ingest --config tagmap.toml --store PATH_OR_URL --buffer DIR``."""

from __future__ import annotations

import argparse
import logging
import sys

from ..core import BessemerError
from ._buffer import DEFAULT_MAX_READINGS


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run :func:`~bessemer.ingest.run_ingest`, return the exit code."""
    p = argparse.ArgumentParser(prog="python -m bessemer.ingest",
                                description="Ingest plant data (MQTT, OPC UA) into a Bessemer store.")
    p.add_argument("--config", required=True, help="tag map (TOML)")
    p.add_argument("--store", required=True, help="DuckDB file or postgresql:// URL")
    p.add_argument("--buffer", required=True, help="folder of the store-and-forward buffer")
    p.add_argument("--broker", default=None, help="MQTT broker URL, overrides [broker] url")
    p.add_argument("--client-id", default=None, help="MQTT client id, overrides [broker] client_id")
    p.add_argument("--stats-every", type=float, default=5.0, help="seconds between progress lines")
    p.add_argument("--buffer-max-readings", type=int, default=DEFAULT_MAX_READINGS,
                   help="cap of the disk buffer; beyond it MQTT messages stay unacknowledged in the broker")
    p.add_argument("--log-level", default="INFO")
    args = p.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from ._runner import run_ingest

    try:
        run_ingest(args.config, args.store, args.buffer, broker_url=args.broker, client_id=args.client_id,
                   stats_every=args.stats_every, buffer_max_readings=args.buffer_max_readings)
    except BessemerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
