"""Field codecs of the TWS text protocol: how one value becomes one NUL-terminated field and back.

A message layout (see ``message.py``) is a tuple of ``F`` entries, each naming an attribute and a
``Kind``. A kind writes a value as text fields and reads it back from a ``Reader`` over the
message's split fields. Conversion failures become ``DecodeError`` naming the message and field.

Unset values ("not set" in TWS terms) are ``None`` in our typed messages. On the wire they take one
of the forms real peers send (tws-protocol.md section 1.4):

* handle-empty ("E") fields write ``""`` (the official client's ``make_field_handle_empty``);
* raw ("R") fields write ``2147483647`` or ``1.7976931348623157e+308``;
* every decoder accepts all of ``""``, ``2147483647``, ``9223372036854775807``,
  ``1.7976931348623157e+308`` and ``1.7976931348623157E308`` as unset.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from ibkr.errors import DecodeError, EncodeError

__all__ = [
    "UNSET_INTEGER",
    "UNSET_DOUBLE",
    "UNSET_LONG",
    "UNSET_NUMERIC",
    "INFINITY_STR",
    "Reader",
    "Kind",
    "F",
    "INT",
    "INT_E",
    "INT_R",
    "INT_SHOW",
    "LONG",
    "FLOAT",
    "FLOAT_E",
    "FLOAT_R",
    "FLOAT_SHOW",
    "DEC",
    "DEC_LONG_MIN",
    "SIZE",
    "STR",
    "STR_ESC",
    "BOOL",
    "WireFloat",
    "Num",
    "NUM",
    "NUM_E",
    "NUM_R",
    "NUM_SHOW",
    "NUM_TWS",
    "NUM_TWS_E",
    "Const",
    "Version",
    "Group",
    "ListOf",
    "decode_text",
    "format_float",
    "format_plain",
    "format_decimal",
]

UNSET_INTEGER = 2**31 - 1
UNSET_LONG = 2**63 - 1
UNSET_DOUBLE = 1.7976931348623157e308
INFINITY_STR = "Infinity"

#: every text a peer writes for "no value" in a numeric field (read as ``None`` by the optional kinds)
UNSET_NUMERIC = frozenset(
    {
        b"",
        b"2147483647",
        b"9223372036854775807",
        b"-9223372036854775808",
        b"1.7976931348623157E308",
        b"1.7976931348623157e+308",
        b"1.7976931348623157e308",
    }
)
_INFINITE = frozenset({b"Infinity", b"Infinite", b"inf"})


def decode_text(raw: bytes) -> str:
    """Bytes of a text field to ``str``; invalid UTF-8 is replaced, never raised."""
    return raw.decode("utf-8", "replace")


class Reader:
    """Sequential access to the fields of one message, with errors that name the field.

    ``fields`` are the NUL-separated fields of the payload without the message id and without the
    empty string after the final NUL.
    """

    __slots__ = ("fields", "msg_id", "msg_name", "pos")

    def __init__(self, fields: Sequence[bytes], msg_name: str, msg_id: int, pos: int = 0) -> None:
        self.fields = fields
        self.pos = pos
        self.msg_name = msg_name
        self.msg_id = msg_id

    def next(self, name: str) -> bytes:
        pos = self.pos
        if pos >= len(self.fields):
            raise self.error(f"message ends before field {name!r}", name)
        self.pos = pos + 1
        return self.fields[pos]

    def remaining(self) -> int:
        return len(self.fields) - self.pos

    def error(self, what: str, name: str, value: bytes | None = None) -> DecodeError:
        return DecodeError(
            f"{self.msg_name}: {what}", msg_name=self.msg_name, msg_id=self.msg_id, field=name, value=value
        )

    def convert(self, name: str, conv: Callable[[bytes], Any]) -> Any:
        raw = self.next(name)
        try:
            return conv(raw)
        except (ValueError, ArithmeticError, InvalidOperation) as exc:
            raise self.error(f"field {name!r} has a bad value {raw!r} ({exc})", name, raw) from None

    def finish(self) -> None:
        """Fail if fields are left over: a layout mismatch, not data to ignore."""
        if self.pos != len(self.fields):
            extra = len(self.fields) - self.pos
            raise self.error(f"{extra} unexpected trailing field(s)", "<end>", self.fields[self.pos])


def format_float(value: float) -> str:
    """A float as the official client writes it (Python ``str``), refusing NaN."""
    if value != value:
        raise ValueError("NaN cannot be sent to TWS")
    if value == math.inf:
        return INFINITY_STR
    return str(value)


def format_decimal(value: Decimal | float | int) -> str:
    """A quantity as the official client writes it (``str`` of a Decimal: ``100``, ``0.5``)."""
    if isinstance(value, float):
        if value != value or value in (math.inf, -math.inf):
            raise ValueError(f"{value} is not a quantity")
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


# --- kinds -------------------------------------------------------------------------------------


class Kind:
    """How one attribute is written to and read from the wire."""

    __slots__ = ()

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        raise NotImplementedError  # pragma: no cover - abstract

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        raise NotImplementedError  # pragma: no cover - abstract


class _Scalar(Kind):
    """A kind that is exactly one field."""

    __slots__ = ()

    def to_text(self, value: Any) -> str:
        raise NotImplementedError  # pragma: no cover - abstract

    def from_raw(self, raw: bytes) -> Any:
        raise NotImplementedError  # pragma: no cover - abstract

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        out.append(self.to_text(value))

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        return r.convert(name, self.from_raw)


class _Int(_Scalar):
    """Required int; ``""`` reads as 0 (as the official decoder does)."""

    __slots__ = ()

    def to_text(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected int, got {type(value).__name__}")
        return str(value)

    def from_raw(self, raw: bytes) -> int:
        return int(raw) if raw else 0


class _IntOpt(_Scalar):
    """Optional int; ``None`` is unset. ``raw_unset`` picks ``2147483647`` over ``""`` for writing."""

    __slots__ = ("unset_text",)

    def __init__(self, unset_text: str) -> None:
        self.unset_text = unset_text

    def to_text(self, value: Any) -> str:
        if value is None:
            return self.unset_text
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected int or None, got {type(value).__name__}")
        return str(value)

    def from_raw(self, raw: bytes) -> int | None:
        if raw in UNSET_NUMERIC:
            return None
        return int(raw)


class _Float(_Scalar):
    """Required float; ``""`` reads as 0.0; ``Infinity`` is +inf."""

    __slots__ = ()

    def to_text(self, value: Any) -> str:
        return format_float(float(value))

    def from_raw(self, raw: bytes) -> float:
        if not raw:
            return 0.0
        if raw in _INFINITE:
            return math.inf
        return float(raw)


class _FloatOpt(_Scalar):
    """Optional float; ``None`` is unset, written as ``unset_text``."""

    __slots__ = ("unset_text",)

    def __init__(self, unset_text: str) -> None:
        self.unset_text = unset_text

    def to_text(self, value: Any) -> str:
        if value is None:
            return self.unset_text
        return format_float(float(value))

    def from_raw(self, raw: bytes) -> float | None:
        if raw in UNSET_NUMERIC:
            return None
        if raw in _INFINITE:
            return math.inf
        return float(raw)


class _Dec(_Scalar):
    """Decimal quantity (sizes, positions); every unset form reads as ``None``, written as
    ``unset_text``."""

    __slots__ = ("unset_text",)

    def __init__(self, unset_text: str) -> None:
        self.unset_text = unset_text

    def to_text(self, value: Any) -> str:
        if value is None:
            return self.unset_text
        return format_decimal(value)

    def from_raw(self, raw: bytes) -> Decimal | None:
        if raw in UNSET_NUMERIC:
            return None
        d = Decimal(raw.decode("ascii"))
        if not d.is_finite():
            raise ValueError("not a finite quantity")
        return d


class _Size(_Scalar):
    """A market-data size (ticks, tick-by-tick, depth, bar volume) as ``float`` for speed; written
    the way TWS writes it (``100``, ``0.5``); every unset form reads as ``None``, written ``""``."""

    __slots__ = ()

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        return format_decimal(float(value))

    def from_raw(self, raw: bytes) -> float | None:
        if raw in UNSET_NUMERIC:
            return None
        value = float(raw)
        if value != value:
            raise ValueError("NaN size")
        return value


class _Str(_Scalar):
    __slots__ = ()

    def to_text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(f"expected str, got {type(value).__name__}")
        if "\0" in value:
            raise ValueError("text contains a NUL byte")
        return value

    def from_raw(self, raw: bytes) -> str:
        return decode_text(raw)


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|\\)")


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code == "\\":
        return "\\"
    try:
        return chr(int(code[1:], 16))
    except (ValueError, OverflowError):  # \U beyond U+10FFFF: keep the text as sent
        return match.group(0)


class _EscapedText(_Str):
    """Text the official decoder reads with Python's ``unicode-escape`` codec (sv >= 153,
    ``SV.ENCODE_MSG_ASCII7``): ERR_MSG's text, ``longName`` and every string of the
    signature-decoded messages (ACCT_VALUE, ACCOUNT_SUMMARY, ...). TWS sends non-ASCII as backslash
    escapes, so we write ``\\uXXXX`` (``\\UXXXXXXXX`` beyond the BMP) and a backslash as ``\\\\``.
    Reading is lenient: raw UTF-8 passes through, ``\\uXXXX``/``\\UXXXXXXXX``/``\\xXX``/``\\\\`` are
    resolved (Java-style surrogate pairs are joined), any other backslash stays literal."""

    __slots__ = ()

    def to_text(self, value: Any) -> str:
        text = _Str.to_text(self, value)
        if text.isascii() and "\\" not in text:
            return text
        parts = []
        for ch in text:
            code = ord(ch)
            if ch == "\\":
                parts.append("\\\\")
            elif code < 0x80:
                parts.append(ch)
            elif code <= 0xFFFF:
                parts.append(f"\\u{code:04x}")
            else:
                parts.append(f"\\U{code:08x}")
        return "".join(parts)

    def from_raw(self, raw: bytes) -> str:
        text = decode_text(raw)
        if "\\" not in text:
            return text
        text = _ESCAPE.sub(_unescape, text)
        try:  # join surrogate pairs (\ud83d\ude00) into one character
            return text.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeError:
            return text


class _Bool(_Scalar):
    """``1``/``0`` on the way out; any non-zero int is true on the way in, ``""`` false."""

    __slots__ = ()

    def to_text(self, value: Any) -> str:
        return "1" if value else "0"

    def from_raw(self, raw: bytes) -> bool:
        return bool(int(raw)) if raw else False


class WireFloat(float):
    """A float together with the exact text a peer wrote for it, when that text is not how ``Num``
    would write the value (TWS writes ``0`` where Python writes ``0.0``, and echoes condition prices
    such as ``2918.10``), so that a decoded TWS frame re-encodes to the very same bytes."""

    text: str

    def __new__(cls, value: float, text: str) -> WireFloat:
        self = super().__new__(cls, value)
        self.text = text
        return self

    def __reduce__(self) -> tuple[type[WireFloat], tuple[float, str]]:
        return (WireFloat, (float(self), self.text))


_UNSET_TEXT = frozenset(raw.decode() for raw in UNSET_NUMERIC)
_INFINITE_TEXT = frozenset(raw.decode() for raw in _INFINITE)


def format_plain(value: float) -> str:
    """A float as TWS writes strikes and min ticks: plain notation, no trailing ``.0`` (``0``,
    ``100``, ``0.00005``) where Python writes ``0.0`` / ``5e-05``."""
    text = format_float(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text


class Num(_Scalar):
    """A float (price, amount, strike) written as TWS writes it, read back byte-exact.

    ``unset_text`` is what ``None`` becomes on the wire; ``None`` for a required field (then
    every unset form reads as the sentinel value, as the official decoder does). ``zero_text``
    overrides how 0 is written (TWS writes ``0`` in ORDER_STATUS); ``plain`` writes every value in
    TWS's contract notation (``format_plain``) instead of Python's. On reading, a text that we would
    write differently comes back as a ``WireFloat`` keeping that text, so re-encoding is exact.
    """

    __slots__ = ("plain", "unset_text", "zero_text")

    def __init__(self, unset_text: str | None, zero_text: str | None = None, plain: bool = False) -> None:
        self.unset_text = unset_text
        self.zero_text = zero_text
        self.plain = plain

    def to_text(self, value: Any) -> str:
        if value is None:
            if self.unset_text is None:
                raise TypeError("a required number is None")
            return self.unset_text
        if isinstance(value, WireFloat):
            return value.text
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise TypeError(f"expected a number, got {type(value).__name__}")
        if isinstance(value, int):
            return str(value)
        if value == 0 and self.zero_text is not None:
            return self.zero_text
        return format_plain(float(value)) if self.plain else format_float(float(value))

    def from_raw(self, raw: bytes) -> float | None:
        text = raw.decode("ascii")
        if self.unset_text is not None and (text in _UNSET_TEXT or text == self.unset_text):
            return None
        if not text:
            value = 0.0
        elif text in _INFINITE_TEXT:
            value = math.inf
        else:
            value = float(text)
            if value != value:
                raise ValueError("NaN")
        if self.to_text(value) != text:
            return WireFloat(value, text)
        return value


INT = _Int()
#: optional int written as "" when unset (handle-empty)
INT_E = _IntOpt("")
#: optional int written as 2147483647 when unset (raw)
INT_R = _IntOpt(str(UNSET_INTEGER))
#: optional int that TWS writes as "" or the sentinel; we write "" (what TWS sends in OPEN_ORDER)
INT_SHOW = INT_E
LONG = INT
FLOAT = _Float()
FLOAT_E = _FloatOpt("")
FLOAT_R = _FloatOpt("1.7976931348623157e+308")
#: optional float as TWS itself writes the unset value (Java form)
FLOAT_SHOW = _FloatOpt("1.7976931348623157E308")
DEC = _Dec("")
#: quantity whose unset value TWS writes as Long.MIN_VALUE (OPEN_ORDER)
DEC_LONG_MIN = _Dec(str(-UNSET_LONG - 1))
SIZE = _Size()
STR = _Str()
#: text in the official client's unicode-escape form (see ``_EscapedText``)
STR_ESC = _EscapedText()
BOOL = _Bool()
#: required float, "" reads as 0.0
NUM = Num(None)
#: optional float written "" when unset (the official client's handle-empty fields)
NUM_E = Num("")
#: optional float written as Python's sentinel (the official client's plain double fields)
NUM_R = Num("1.7976931348623157e+308")
#: optional float written as TWS's (Java's) sentinel
NUM_SHOW = Num("1.7976931348623157E308")
#: required float in TWS's contract notation (``0``, ``0.01``: MARKET_RULE edges, min ticks)
NUM_TWS = Num(None, plain=True)
#: optional float in TWS's contract notation, ``None`` written ``""`` (strikes, coupons)
NUM_TWS_E = Num("", plain=True)


class Const(Kind):
    """A literal the writer always sends and the reader skips (deprecated placeholders)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        out.append(self.text)

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        r.next(name)
        return None


class Version(Const):
    """The per-message "version" field (tws-protocol.md 5.2): written as a constant, read and checked
    to be an integer, otherwise ignored (decoders key off the negotiated server version)."""

    __slots__ = ()

    def __init__(self, version: int) -> None:
        super().__init__(str(version))

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        r.convert(name, int)
        return None


@dataclass(frozen=True, slots=True)
class F:
    """One entry of a layout: attribute ``name`` written as ``kind`` for ``since <= sv < until``.

    A name starting with ``_`` is a wire-only field (a version or placeholder) with no attribute.
    """

    name: str
    kind: Kind
    since: int = 0
    until: int = 1 << 30

    def present(self, sv: int) -> bool:
        return self.since <= sv < self.until


def encode_layout(obj: Any, layout: Sequence[F], sv: int, out: list[str]) -> None:
    for f in layout:
        if f.since <= sv < f.until:
            value = None if f.name[0] == "_" else getattr(obj, f.name)
            try:
                f.kind.encode(value, sv, out)
            except EncodeError as exc:
                if not exc.field.startswith(f.name):
                    exc.field = f"{f.name}.{exc.field}" if exc.field else f.name
                raise
            except (TypeError, ValueError, AttributeError) as exc:
                raise EncodeError(f"field {f.name!r}: {exc}", field=f.name) from None


def decode_layout(r: Reader, layout: Sequence[F], sv: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in layout:
        if f.since <= sv < f.until:
            value = f.kind.decode(r, f.name, sv)
            if f.name[0] != "_":
                values[f.name] = value
    return values


class Group(Kind):
    """A fixed group of fields that builds one model object (e.g. the 12-field contract block)."""

    __slots__ = ("cls", "layout")

    def __init__(self, cls: Callable[..., Any], layout: Sequence[F]) -> None:
        self.cls = cls
        self.layout = tuple(layout)

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        encode_layout(value, self.layout, sv, out)

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        return self.cls(**decode_layout(r, self.layout, sv))


class ListOf(Kind):
    """A count field followed by that many items."""

    __slots__ = ("item", "max_count")

    MAX_COUNT: ClassVar[int] = 100_000

    def __init__(self, item: Kind) -> None:
        self.item = item

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        items = list(value or ())
        out.append(str(len(items)))
        for item in items:
            self.item.encode(item, sv, out)

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        count = r.convert(name, lambda raw: int(raw) if raw else 0)
        if count < 0 or count > self.MAX_COUNT or count > r.remaining():
            raise r.error(f"field {name!r} has an impossible count {count}", name)
        return [self.item.decode(r, f"{name}[{i}]", sv) for i in range(count)]
