"""The ``ibkr`` command: one table of subcommands, each a module with ``add_arguments(parser)`` and
``run(args) -> int``. Adding a subcommand is one line in ``SUBCOMMANDS``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["SUBCOMMANDS", "main"]

#: name -> (module with add_arguments / run, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "sim": ("ibkr.sim.cli", "run a TWS / IB Gateway simulator (a paper exchange on the real protocol)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ibkr", description="Interactive Brokers TWS API tools")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(
            name, help=text, description=module.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
