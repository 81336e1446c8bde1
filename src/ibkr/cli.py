"""The ``ibkr`` command: one table of subcommands, each a module with ``add_arguments(parser)`` and
``run(args) -> int``. Adding a subcommand is one line in ``SUBCOMMANDS``.

Every failure ends in one line on stderr and a non-zero exit code (``ibkr.commands.common.Exit``:
0 ok, 1 failure, 2 usage, 3 cannot connect, 4 live guard, 5 refused by TWS, 130 interrupted);
``ibkr --debug COMMAND`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["SUBCOMMANDS", "main", "build_parser"]

#: name -> (module with add_arguments / run, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("ibkr.commands.demo", "a trading session against the embedded simulator (quotes, orders, fills, latency)"),
    "quote": ("ibkr.commands.quote", "live quotes of US stocks as a table"),
    "order": ("ibkr.commands.order", "place, modify or cancel an order"),
    "orders": ("ibkr.commands.orders", "open orders"),
    "positions": ("ibkr.commands.positions", "positions of every account"),
    "account": ("ibkr.commands.account", "account values or the account summary"),
    "latency": ("ibkr.commands.latency", "measure round trips and order acks of a live session"),
    "live": ("ibkr.commands.live", "a live terminal view: connections, quotes, orders, latency"),
    "bench": ("ibkr.commands.bench", "run the benchmark suite (ratios against ib_async and ibapi)"),
    "sim": ("ibkr.sim.cli", "run a TWS / IB Gateway simulator (a paper exchange on the real protocol)"),
}  # fmt: skip

_USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2) instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(_USAGE_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ibkr", description="Interactive Brokers TWS API tools")
    parser.add_argument("--debug", action="store_true", help="show the traceback of a failure")
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
    debug = args.debug or os.environ.get("IBKR_DEBUG", "") not in ("", "0")
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print(f"ibkr {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``ibkr quote ... | head``): nothing more to say to it
        sys.stderr.close()
        return 1
    except Exception as exc:
        if debug:
            raise
        from ibkr.commands.common import error_line, exit_code_for

        print(f"ibkr {args.command}: error: {error_line(exc)}", file=sys.stderr)
        return exit_code_for(exc)


if __name__ == "__main__":
    sys.exit(main())
