"""What the ``ibkr`` subcommands share: connection flags (with the IB_* variables as defaults),
the live guard, exit codes, one-line error messages, tables, JSON output and in-place redraws.

Exit codes (``Exit``), the same for every subcommand:

    0    ok
    1    runtime failure (a TWS error, a timeout, anything unexpected)
    2    usage error (bad arguments, an invalid setting, an order that fails the local checks)
    3    cannot connect (nothing listening, not TWS, handshake failed, client id in use)
    4    the live guard refused (a live port or a non-paper account without --allow-live)
    5    refused by TWS (unknown symbol, order rejected, cancel rejected, no such order)
    130  interrupted (Ctrl-C during a command that does not end on it)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import enum
import json
import re
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from decimal import Decimal
from typing import IO, Any, TextIO

from ibkr.client import IBKRClient, Stock
from ibkr.config import LIVE_PORTS, ConnectionConfig
from ibkr.errors import (
    CancelRejected,
    ClientIdInUse,
    ConfigError,
    ConnectError,
    ContractNotFound,
    HandshakeError,
    IBKRError,
    LiveTradingNotAllowed,
    NotTWSError,
    OrderRejected,
    OrderValidationError,
    RequestTimeout,
    TWSError,
)
from ibkr.metrics import LatencySnapshot
from ibkr.protocol.models import Contract

__all__ = [
    "Exit",
    "CommandError",
    "exit_code_for",
    "error_line",
    "add_connection_arguments",
    "add_json_argument",
    "connection_config",
    "check_live_guard",
    "probe",
    "connected",
    "parse_symbol",
    "qualify",
    "table",
    "fmt",
    "to_jsonable",
    "print_json",
    "Screen",
    "latency_rows",
    "LATENCY_HEADERS",
    "DEFAULT_SYMBOLS",
]

#: what the demo, the live view and the latency report subscribe to when given no symbols
DEFAULT_SYMBOLS = ("AAPL", "MSFT", "SPY")


class Exit(enum.IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    CONNECT = 3
    LIVE_GUARD = 4
    REFUSED = 5
    INTERRUPTED = 130


class CommandError(Exception):
    """A failure the command has already put into words; ``code`` is the exit code."""

    def __init__(self, message: str, code: Exit = Exit.FAILURE) -> None:
        super().__init__(message)
        self.code = code


#: exception class -> exit code; the first match in this order wins (subclasses before bases)
_EXIT_CODES: tuple[tuple[type[BaseException], Exit], ...] = (
    (LiveTradingNotAllowed, Exit.LIVE_GUARD),
    (ConfigError, Exit.USAGE),
    (OrderValidationError, Exit.USAGE),
    (ConnectError, Exit.CONNECT),
    (NotTWSError, Exit.CONNECT),
    (HandshakeError, Exit.CONNECT),
    (ClientIdInUse, Exit.CONNECT),
    (ContractNotFound, Exit.REFUSED),
    (OrderRejected, Exit.REFUSED),
    (CancelRejected, Exit.REFUSED),
    (RequestTimeout, Exit.FAILURE),
    (IBKRError, Exit.FAILURE),
)


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, CommandError):
        return int(exc.code)
    for cls, code in _EXIT_CODES:
        if isinstance(exc, cls):
            return int(code)
    return int(Exit.FAILURE)


def error_line(exc: BaseException) -> str:
    """The exception as one line for stderr (no traceback)."""
    if isinstance(exc, ConnectError):
        where = f"{exc.host}:{exc.port}" if exc.host else "TWS"
        text = str(exc).removeprefix(f"cannot connect to {where}: ")
        return f"cannot connect to {where}: {text} (is TWS / IB Gateway running with the API enabled?)"
    if isinstance(exc, TWSError):
        return f"{exc.message} (TWS error {exc.code})"
    text = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, IBKRError | CommandError):
        text = f"{type(exc).__name__}: {text}"
    return " ".join(text.split())


# --- connection --------------------------------------------------------------------------------


def add_connection_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("connection (defaults: IB_HOST, IB_PORT, IB_CLIENT_ID, IB_ALLOW_LIVE)")
    g.add_argument("--host", help="TWS / IB Gateway address (IB_HOST, default 127.0.0.1)")
    g.add_argument("--port", type=int, help="API port (IB_PORT, default 7497: TWS paper)")
    g.add_argument("--client-id", type=int, help="API client id (IB_CLIENT_ID, default 1)")
    g.add_argument(
        "--allow-live",
        action="store_true",
        help="allow a live port (7496, 4001) or a non-paper account (or IB_ALLOW_LIVE=1)",
    )
    g.add_argument(
        "--timeout", type=float, default=10.0, help="seconds for the connection and each request (default 10)"
    )


def add_json_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON (for scripts) instead of a table")


def connection_config(args: argparse.Namespace, **overrides: Any) -> ConnectionConfig:
    """A ConnectionConfig from the flags; a flag left out falls back to its IB_* variable."""
    values: dict[str, Any] = {}
    for flag, name in (("host", "host"), ("port", "port"), ("client_id", "client_id")):
        value = getattr(args, flag, None)
        if value is not None:
            values[name] = value
    if getattr(args, "allow_live", False):
        values["allow_live"] = True
    timeout = getattr(args, "timeout", None)
    if timeout is not None:
        if timeout <= 0:
            raise ConfigError(f"--timeout must be positive, got {timeout}")
        values["connect_timeout"] = timeout
        values["request_timeout"] = timeout
    values.update(overrides)
    return ConnectionConfig(**values)


def check_live_guard(config: ConnectionConfig) -> None:
    if config.port in LIVE_PORTS and not config.allow_live:
        raise LiveTradingNotAllowed(
            f"port {config.port} is a live-trading port (7496 TWS, 4001 IB Gateway); "
            "pass --allow-live or set IB_ALLOW_LIVE=1 to use it"
        )


async def probe(host: str, port: int, timeout: float) -> None:
    """Fail fast with ConnectError when nothing listens (the client would keep retrying until its
    connect timeout, as a reconnecting client should)."""
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        raise ConnectError(f"no answer within {timeout:g}s", host=host, port=port) from None
    except ConnectionRefusedError:
        raise ConnectError("connection refused, nothing listens there", host=host, port=port) from None
    except OSError as exc:
        raise ConnectError((exc.strerror or str(exc)).lower(), host=host, port=port) from None
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


@contextlib.asynccontextmanager
async def connected(args: argparse.Namespace, **overrides: Any) -> AsyncIterator[IBKRClient]:
    """An IBKRClient connected with the command's flags (live guard first, then a fast probe)."""
    config = connection_config(args, **overrides)
    check_live_guard(config)
    await probe(config.host, config.port, config.connect_timeout)
    client = IBKRClient(config)
    await client.connect()
    try:
        yield client
    finally:
        await client.aclose()


# --- symbols -----------------------------------------------------------------------------------

#: a US stock symbol as IB writes it: letters, digits, and "." or " " for classes ("BRK B")
_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9. /-]{0,15}")


def parse_symbol(text: str) -> str:
    """argparse type of a symbol argument: uppercased and checked for shape."""
    symbol = text.strip().upper()
    if not _SYMBOL.fullmatch(symbol):
        raise argparse.ArgumentTypeError(f"invalid symbol {text!r}")
    return symbol


async def qualify(client: IBKRClient, symbol: str) -> Contract:
    """The qualified US stock on SMART; an unknown symbol is a one-line CommandError."""
    try:
        return await client.qualify_contract(Stock(symbol))
    except ContractNotFound as exc:
        raise CommandError(f"unknown symbol {symbol!r}: {exc.message} (TWS error {exc.code})", Exit.REFUSED) from None


# --- output ------------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 2) -> str:
    """One table cell: None is "-", floats get ``digits`` decimals, Decimals lose trailing zeros."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral_value() else str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def _numeric(cell: str) -> bool:
    return bool(cell) and cell != "-" and re.fullmatch(r"[-+]?[\d,]*\.?\d+(e[-+]?\d+)?[x%]?", cell) is not None


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str = "(none)") -> str:
    """A plain-text table: a header, a rule, the rows; numbers right-aligned."""
    cells = [[c if isinstance(c, str) else fmt(c) for c in row] for row in rows]
    if not cells:
        return "  ".join(headers) + "\n" + empty
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    right = [all(_numeric(r[i]) or r[i] == "-" for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, Decimals (as numbers), enums, tuples: into what json.dumps takes."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any, *, stream: TextIO | None = None, indent: int | None = 2) -> None:
    print(json.dumps(to_jsonable(value), indent=indent), file=stream or sys.stdout, flush=True)


LATENCY_HEADERS = ("operation", "count", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us")


def latency_rows(report: dict[str, LatencySnapshot], *, skip_empty: bool = False) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for name, s in report.items():
        if skip_empty and not s.count:
            continue
        values = (s.p50, s.p90, s.p99, s.p999, s.max) if s.count else (None,) * 5
        rows.append([name, s.count, *(fmt(v, 1) for v in values)])
    return rows


class Screen:
    """Redraws a block of text in place on a terminal (ANSI: cursor up, clear to end of screen);
    on a pipe or file each frame is printed after the last, separated by a blank line."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self._lines = 0

    def show(self, text: str) -> None:
        if self.tty:
            up = f"\x1b[{self._lines}F" if self._lines else "\r"
            self.stream.write(up + "\x1b[J" + text + "\n")
            self._lines = text.count("\n") + 1
        else:
            self.stream.write(("\n" if self._lines else "") + text + "\n")
            self._lines = 1
        self.stream.flush()
