"""Historical bars, generated deterministically, and the bar being formed from live data.

``history`` draws the bars of a REQ_HISTORICAL_DATA from a random walk seeded by (seed, con_id,
bar size, end bucket) that ends at the current price, so the same seed, request and clock give
the same bars. Intraday bars run around the clock; daily and longer bars skip weekends. ``Forming``
accumulates prices and sizes into one bar (REAL_TIME_BARS, HISTORICAL_DATA_UPDATE).

Request strings follow the TWS API: durations ``"N S|D|W|M|Y"``, bar sizes ``"1 secs"`` ..
``"1 month"``, end times ``"yyyymmdd hh:mm:ss[ zone]"``, ``"yyyymmdd-hh:mm:ss"`` (UTC) or ``""`` (now).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from ibkr.protocol.messages.historical import Bar
from ibkr.sim.instruments import Instrument, zone
from ibkr.sim.prices import LOT, price_digits

__all__ = ["BAR_SIZES", "parse_bar_size", "parse_duration", "parse_end", "history", "bar_date", "Forming", "MAX_BARS"]

#: bar size setting -> seconds
BAR_SIZES: dict[str, int] = {
    "1 secs": 1, "5 secs": 5, "10 secs": 10, "15 secs": 15, "30 secs": 30,
    "1 min": 60, "2 mins": 120, "3 mins": 180, "5 mins": 300, "10 mins": 600, "15 mins": 900, "20 mins": 1200,
    "30 mins": 1800, "1 hour": 3600, "2 hours": 7200, "3 hours": 10800, "4 hours": 14400, "8 hours": 28800,
    "1 day": 86400, "1 week": 604800, "1 month": 2592000,
}  # fmt: skip
_DURATION_UNITS = {"S": 1, "D": 86400, "W": 604800, "M": 2592000, "Y": 31536000}
#: the most bars one request returns (more: error 162, as TWS refuses oversized queries)
MAX_BARS = 10_000
_DAY = 86400


def parse_bar_size(text: str) -> int | None:
    key = " ".join(text.split()).lower()
    return BAR_SIZES.get(key) or BAR_SIZES.get(key + "s") or BAR_SIZES.get(key.removesuffix("s"))


def parse_duration(text: str) -> int | None:
    parts = text.split()
    if len(parts) != 2 or not parts[0].isdigit() or parts[1].upper() not in _DURATION_UNITS:
        return None
    return int(parts[0]) * _DURATION_UNITS[parts[1].upper()]


def parse_end(text: str, now: float, default_zone: str) -> float | None:
    text = text.strip()
    if not text:
        return now
    try:
        if len(text) > 8 and text[8] == "-":
            return dt.datetime.strptime(text[:17], "%Y%m%d-%H:%M:%S").replace(tzinfo=dt.UTC).timestamp()
        date, _, rest = text.partition(" ")
        clock, _, tz = rest.strip().partition(" ")
        stamp = dt.datetime.strptime(f"{date} {clock or '23:59:59'}", "%Y%m%d %H:%M:%S")
        return stamp.replace(tzinfo=zone(tz or default_zone)).timestamp()
    except ValueError:
        return None


def bar_date(start: float, bar_secs: int, format_date: int, time_zone: str) -> str:
    """The date field of a bar: ``yyyymmdd`` for daily and longer bars, else
    ``yyyymmdd hh:mm:ss <zone>`` (formatDate 1) or epoch seconds (formatDate 2)."""
    local = dt.datetime.fromtimestamp(start, zone(time_zone))
    if bar_secs >= _DAY:
        return local.strftime("%Y%m%d")
    if format_date == 2:
        return str(int(start))
    return local.strftime("%Y%m%d %H:%M:%S") + f" {time_zone}"


def _starts(end: float, bar_secs: int, count: int, time_zone: str) -> list[float]:
    """Start times of ``count`` bars ending at ``end`` (daily+ bars skip weekends)."""
    if bar_secs < _DAY:
        last = math.floor(end / bar_secs) * bar_secs
        return [float(last - i * bar_secs) for i in range(count)][::-1]
    tz = zone(time_zone)
    day = dt.datetime.fromtimestamp(end, tz).date()
    step = dt.timedelta(days=max(1, bar_secs // _DAY))
    out: list[float] = []
    while len(out) < count:
        if day.weekday() < 5:
            out.append(dt.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
        day -= step
    return out[::-1]


def history(
    inst: Instrument, price: float, seed: int, end: float, bar_secs: int, count: int, what: str, time_zone: str
) -> list[tuple[float, Bar]]:
    """``count`` bars (start time, bar) ending at ``end``, the last close near ``price``."""
    starts = _starts(end, bar_secs, count, time_zone)
    rng = random.Random(f"bars:{seed}:{inst.con_id}:{bar_secs}:{int(end) // bar_secs}:{what}")
    tick, digits = inst.min_tick, price_digits(inst.min_tick)
    sigma = inst.volatility * math.sqrt(max(1.0, bar_secs / 5.0))
    trades = what.upper() in ("TRADES", "ADJUSTED_LAST")
    lot = LOT[inst.sec_type]
    closes = [price]
    for _ in range(len(starts) - 1):
        closes.append(max(tick, closes[-1] * math.exp(-rng.gauss(0.0, sigma))))
    closes.reverse()
    out: list[tuple[float, Bar]] = []
    prev = closes[0]
    for start, close in zip(starts, closes, strict=True):
        o = prev
        hi = max(o, close) * (1 + abs(rng.gauss(0.0, sigma / 2)))
        lo = min(o, close) * (1 - abs(rng.gauss(0.0, sigma / 2)))
        o, hi, lo, c = (max(tick, round(round(x / tick) * tick, digits)) for x in (o, hi, lo, close))
        if trades:
            n = rng.randint(1, 50)
            volume: float = float(lot * n * rng.randint(1, 5))
            wap: float = round((o + hi + lo + c) / 4, digits + 2)
        else:
            n, volume, wap = -1, -1.0, -1.0
        out.append((start, Bar(date="", open=o, high=hi, low=lo, close=c, volume=volume, wap=wap, bar_count=n)))
        prev = close
    return out


@dataclass(slots=True)
class Forming:
    """One bar being built from live prices (real-time bars, keepUpToDate updates)."""

    start: float
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0
    value: float = 0.0
    count: int = 0

    @classmethod
    def at(cls, start: float, price: float) -> Forming:
        return cls(start, price, price, price, price)

    def add(self, price: float, size: float = 0.0) -> None:
        if self.count == 0 and self.volume == 0:
            self.open = self.high = self.low = price
        self.high, self.low, self.close = max(self.high, price), min(self.low, price), price
        self.volume += size
        self.value += price * size
        self.count += 1

    @property
    def wap(self) -> float:
        return self.value / self.volume if self.volume else self.close

    def bar(self, date: str, trades: bool) -> Bar:
        if not trades:
            return Bar(date, self.open, self.high, self.low, self.close, -1.0, -1.0, -1)
        return Bar(date, self.open, self.high, self.low, self.close, self.volume, round(self.wap, 6), self.count)
