"""The simulator's tradable universe: ``Instrument`` definitions, trading hours and contract matching.

``build_universe(day)`` returns the built-in universe (US stocks and ETFs with their real IB con_ids,
IDEALPRO FX pairs, and the front ES future for ``day``); ``UNIVERSE`` is that universe for a fixed
day. ``build_universe(day, symbols=N)`` adds synthetic US stocks (``SYN001``, ``SYN002``, ... with
con ids from ``SYNTHETIC_CON_ID``) until the universe has ``N`` instruments, for load tests that
need more symbols than the built-in 32 (``ibkr sim --symbols N``).

``Universe.resolve`` matches a contract description the way TWS answers REQ_CONTRACT_DATA: empty
fields are wildcards, SMART matches anything routable through SMART, an FX pair matches
symbol + currency ("EUR" / "USD" is EUR.USD), and a con_id alone is enough.

Trading and liquid hours are TWS strings (``20250102:0400-20250102:2000;20250104:CLOSED;...``) in
the instrument's time zone, built for any start day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Instrument",
    "ContractQuery",
    "Universe",
    "UNIVERSE",
    "build_universe",
    "synthetic_stock",
    "SYNTHETIC_CON_ID",
    "front_es_expiry",
    "local_date",
    "zone",
]

_Day = dt.date
_Span = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True, slots=True)
class Instrument:
    con_id: int
    symbol: str
    sec_type: str  # STK / CASH / FUT
    exchange: str
    primary_exchange: str
    currency: str
    local_symbol: str
    trading_class: str
    min_tick: float
    multiplier: str  # "" for stocks and FX, as TWS reports it
    long_name: str
    industry: str
    category: str
    subcategory: str
    time_zone_id: str
    valid_exchanges: str = field(repr=False)
    order_types: str = field(repr=False)
    market_rule_ids: str = field(repr=False)
    stock_type: str
    last_trade_date_or_contract_month: str
    sec_id_type: str
    sec_id: str
    min_size: Decimal
    size_increment: Decimal
    suggested_size_increment: Decimal
    initial_price: float
    #: standard deviation of one price step, as a fraction of the price
    volatility: float
    #: key of ``SCHEDULES``: how the trading / liquid hours are built
    schedule: str

    @property
    def factor(self) -> float:
        """The contract multiplier as a number (1 where TWS reports none)."""
        return float(self.multiplier) if self.multiplier else 1.0

    @property
    def description(self) -> str:
        return f"{self.local_symbol} {self.sec_type} {self.exchange} {self.currency}"

    def trading_hours(self, start: _Day, days: int = 7) -> str:
        return _hours_text(SCHEDULES[self.schedule][0], start, days)

    def liquid_hours(self, start: _Day, days: int = 7) -> str:
        return _hours_text(SCHEDULES[self.schedule][1], start, days)


@dataclass(slots=True)
class ContractQuery:
    """The request-contract fields REQ_CONTRACT_DATA and PLACE_ORDER match on (empty = any)."""

    con_id: int = 0
    symbol: str = ""
    sec_type: str = ""
    exchange: str = ""
    primary_exchange: str = ""
    currency: str = ""
    local_symbol: str = ""
    last_trade_date_or_contract_month: str = ""
    trading_class: str = ""
    multiplier: str = ""


# --- trading hours -----------------------------------------------------------------------------


def _at(day: _Day, hhmm: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hhmm // 100, hhmm % 100)


def _weekday_span(open_hhmm: int, close_hhmm: int, overnight: bool) -> Callable[[_Day], _Span | None]:
    """Mon-Fri sessions; ``overnight`` sessions open the evening before and are dated by their close."""

    def span(day: _Day) -> _Span | None:
        if day.weekday() >= 5:
            return None
        start_day = day - dt.timedelta(days=1) if overnight else day
        return _at(start_day, open_hhmm), _at(day, close_hhmm)

    return span


#: schedule -> (trading session of a day, liquid session of a day), in the instrument's zone
SCHEDULES: dict[str, tuple[Callable[[_Day], _Span | None], Callable[[_Day], _Span | None]]] = {
    "us_equity": (_weekday_span(400, 2000, False), _weekday_span(930, 1600, False)),
    "idealpro": (_weekday_span(1715, 1700, True), _weekday_span(1715, 1700, True)),
    "cme_equity": (_weekday_span(1700, 1600, True), _weekday_span(830, 1500, False)),
}


def _hours_text(session: Callable[[_Day], _Span | None], start: _Day, days: int) -> str:
    parts = []
    for n in range(days):
        day = start + dt.timedelta(days=n)
        span = session(day)
        if span is None:
            parts.append(f"{day:%Y%m%d}:CLOSED")
        else:
            parts.append(f"{span[0]:%Y%m%d:%H%M}-{span[1]:%Y%m%d:%H%M}")
    return ";".join(parts)


#: TWS's legacy zone names -> IANA names (some tz databases lack the legacy links)
_IANA = {"US/Eastern": "America/New_York", "US/Central": "America/Chicago", "GMT": "UTC"}


def zone(time_zone_id: str) -> dt.tzinfo:
    try:
        return ZoneInfo(_IANA.get(time_zone_id, time_zone_id))
    except (ZoneInfoNotFoundError, ValueError):
        # No tz database: a fixed US Eastern standard offset keeps dates right on trading days.
        return dt.timezone(dt.timedelta(hours=-5))


def local_date(epoch: float, time_zone_id: str) -> _Day:
    return dt.datetime.fromtimestamp(epoch, zone(time_zone_id)).date()


# --- the built-in universe ---------------------------------------------------------------------

_STK_EXCHANGES = (
    "SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,NASDAQ,DRCTEDGE,BEX,BATS,EDGEA,BYX,IEX,EDGX,FOXRIVER,PEARL,"
    "NYSENAT,LTSE,MEMX,IBEOS,OVERNIGHT,TPLUS0,PSX"
)
_STK_ORDER_TYPES = (
    "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,BENCHPX,CASHQTY,COND,CONDORDER,DARKONLY,DARKPOLL,"
    "DAY,DEACT,DEACTDIS,DEACTEOD,DIS,DUR,GAT,GTC,GTD,GTT,HID,IBKRATS,ICE,IMB,IOC,LIT,LMT,LOC,MIDPX,MIT,MKT,"
    "MOC,MTL,NGCOMB,NODARK,NONALGO,OCA,OPG,OPGREROUT,PEGBENCH,PEGMID,POSTATS,POSTONLY,PREOPGRTH,PRICECHK,"
    "REL,REL2MID,RELPCTOFS,RPI,RTH,SCALE,SCALEODD,SCALERST,SIZECHK,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,SWEEP,"
    "TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF"
)
_FX_ORDER_TYPES = (
    "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,CASHQTY,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,"
    "GAT,GTC,GTD,GTT,HID,IOC,LIT,LMT,MIT,MKT,NONALGO,OCA,REL,RELPCTOFS,SCALE,SCALERST,STP,STPLMT,TRAIL,"
    "TRAILLIT,TRAILLMT,TRAILMIT,WHATIF"
)
_FUT_ORDER_TYPES = (
    "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,BENCHPX,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,"
    "GAT,GTC,GTD,GTT,HID,ICE,IOC,LIT,LMT,LTH,MIT,MKT,MTL,NGCOMB,NONALGO,OCA,PEGBENCH,SCALE,SCALERST,SNAPMID,"
    "SNAPMKT,SNAPREL,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF"
)

# symbol, con_id, primary exchange, long name, industry, category, subcategory, ISIN, price, step vol, type
_STOCKS: tuple[tuple[str, int, str, str, str, str, str, str, float, float, str], ...] = (
    (
        "AAPL",
        265598,
        "NASDAQ",
        "APPLE INC",
        "Technology",
        "Computers",
        "Computers",
        "US0378331005",
        230.0,
        4e-4,
        "COMMON",
    ),
    (
        "MSFT",
        272093,
        "NASDAQ",
        "MICROSOFT CORP",
        "Technology",
        "Software",
        "Applications Software",
        "US5949181045",
        420.0,
        4e-4,
        "COMMON",
    ),
    (
        "SPY",
        756733,
        "ARCA",
        "SPDR S&P 500 ETF TRUST",
        "Funds",
        "Equity Fund",
        "Large Cap",
        "US78462F1030",
        580.0,
        2e-4,
        "ETF",
    ),
    (
        "TSLA",
        76792991,
        "NASDAQ",
        "TESLA INC",
        "Consumer, Cyclical",
        "Auto Manufacturers",
        "Auto-Cars/Light Trucks",
        "US88160R1014",
        250.0,
        9e-4,
        "COMMON",
    ),
    (
        "AMZN",
        3691937,
        "NASDAQ",
        "AMAZON.COM INC",
        "Communications",
        "Internet",
        "E-Commerce/Products",
        "US0231351067",
        190.0,
        5e-4,
        "COMMON",
    ),
    (
        "NVDA",
        4815747,
        "NASDAQ",
        "NVIDIA CORP",
        "Technology",
        "Semiconductors",
        "Electronic Compo-Semicon",
        "US67066G1040",
        130.0,
        8e-4,
        "COMMON",
    ),
    (
        "GOOGL",
        208813719,
        "NASDAQ",
        "ALPHABET INC-CL A",
        "Communications",
        "Internet",
        "Web Portals/ISP",
        "US02079K3059",
        170.0,
        5e-4,
        "COMMON",
    ),
    (
        "META",
        107113386,
        "NASDAQ",
        "META PLATFORMS INC-CLASS A",
        "Communications",
        "Internet",
        "Internet Content-Entmnt",
        "US30303M1027",
        580.0,
        6e-4,
        "COMMON",
    ),
    (
        "IBM",
        8314,
        "NYSE",
        "INTL BUSINESS MACHINES CORP",
        "Technology",
        "Computers",
        "Computer Services",
        "US4592001014",
        220.0,
        3e-4,
        "COMMON",
    ),
    (
        "INTC",
        270639,
        "NASDAQ",
        "INTEL CORP",
        "Technology",
        "Semiconductors",
        "Electronic Compo-Semicon",
        "US4581401001",
        22.0,
        6e-4,
        "COMMON",
    ),
    (
        "QQQ",
        320227571,
        "NASDAQ",
        "INVESCO QQQ TRUST SERIES 1",
        "Funds",
        "Equity Fund",
        "Large Cap",
        "US46090E1038",
        500.0,
        3e-4,
        "ETF",
    ),
    (
        "AMD",
        4391,
        "NASDAQ",
        "ADVANCED MICRO DEVICES",
        "Technology",
        "Semiconductors",
        "Electronic Compo-Semicon",
        "US0079031078",
        140.0,
        7e-4,
        "COMMON",
    ),
    (
        "NFLX",
        15124833,
        "NASDAQ",
        "NETFLIX INC",
        "Communications",
        "Internet",
        "Internet Content-Entmnt",
        "US64110L1061",
        700.0,
        6e-4,
        "COMMON",
    ),
    (
        "JPM",
        1520593,
        "NYSE",
        "JPMORGAN CHASE & CO",
        "Financial",
        "Banks",
        "Money Center Banks",
        "US46625H1005",
        220.0,
        3e-4,
        "COMMON",
    ),
    (
        "BAC",
        10098,
        "NYSE",
        "BANK OF AMERICA CORP",
        "Financial",
        "Banks",
        "Super-Regional Banks-US",
        "US0605051046",
        42.0,
        4e-4,
        "COMMON",
    ),
    (
        "XOM",
        13977,
        "NYSE",
        "EXXON MOBIL CORP",
        "Energy",
        "Oil&Gas",
        "Oil Comp-Integrated",
        "US30231G1022",
        115.0,
        3e-4,
        "COMMON",
    ),
    (
        "KO",
        8894,
        "NYSE",
        "COCA-COLA CO/THE",
        "Consumer, Non-cyclical",
        "Beverages",
        "Beverages-Non-alcoholic",
        "US1912161007",
        62.0,
        2e-4,
        "COMMON",
    ),
    (
        "DIS",
        6459,
        "NYSE",
        "WALT DISNEY CO/THE",
        "Communications",
        "Media",
        "Multimedia",
        "US2546871060",
        95.0,
        4e-4,
        "COMMON",
    ),
    (
        "WMT",
        13824,
        "NYSE",
        "WALMART INC",
        "Consumer, Cyclical",
        "Retail",
        "Retail-Discount",
        "US9311421039",
        85.0,
        3e-4,
        "COMMON",
    ),
    (
        "CSCO",
        268084,
        "NASDAQ",
        "CISCO SYSTEMS INC",
        "Communications",
        "Telecommunications",
        "Networking Products",
        "US17275R1023",
        55.0,
        3e-4,
        "COMMON",
    ),
    (
        "ORCL",
        272800,
        "NYSE",
        "ORACLE CORP",
        "Technology",
        "Software",
        "Enterprise Software/Serv",
        "US68389X1054",
        170.0,
        5e-4,
        "COMMON",
    ),
    (
        "V",
        49462172,
        "NYSE",
        "VISA INC-CLASS A SHARES",
        "Financial",
        "Diversified Finan Serv",
        "Finance-Credit Card",
        "US92826C8394",
        290.0,
        3e-4,
        "COMMON",
    ),
    (
        "JNJ",
        8719,
        "NYSE",
        "JOHNSON & JOHNSON",
        "Consumer, Non-cyclical",
        "Pharmaceuticals",
        "Medical-Drugs",
        "US4781601046",
        155.0,
        2e-4,
        "COMMON",
    ),
    (
        "IWM",
        9579970,
        "ARCA",
        "ISHARES RUSSELL 2000 ETF",
        "Funds",
        "Equity Fund",
        "Small Cap",
        "US4642876555",
        220.0,
        3e-4,
        "ETF",
    ),
    (
        "F",
        9599491,
        "NYSE",
        "FORD MOTOR CO",
        "Consumer, Cyclical",
        "Auto Manufacturers",
        "Auto-Cars/Light Trucks",
        "US3453708600",
        10.5,
        5e-4,
        "COMMON",
    ),
)

# pair, con_id, long name of the base currency, price
_FX: tuple[tuple[str, int, str, float], ...] = (
    ("EUR.USD", 12087792, "European Monetary Union Euro", 1.08),
    ("GBP.USD", 12087797, "British pound", 1.27),
    ("USD.JPY", 15016059, "US dollar", 150.0),
    ("AUD.USD", 14433401, "Australian dollar", 0.66),
    ("USD.CHF", 12087820, "US dollar", 0.88),
    ("USD.CAD", 15016062, "US dollar", 1.36),
)

_MONTH_CODES = "FGHJKMNQUVXZ"


def _stock(row: tuple[str, int, str, str, str, str, str, str, float, float, str]) -> Instrument:
    symbol, con_id, primary, long_name, industry, category, subcategory, isin, price, vol, stock_type = row
    n_exchanges = _STK_EXCHANGES.count(",") + 1
    return Instrument(
        con_id=con_id, symbol=symbol, sec_type="STK", exchange="SMART", primary_exchange=primary, currency="USD",
        local_symbol=symbol, trading_class="NMS" if primary == "NASDAQ" else symbol, min_tick=0.01, multiplier="",
        long_name=long_name, industry=industry, category=category, subcategory=subcategory,
        time_zone_id="US/Eastern", valid_exchanges=_STK_EXCHANGES, order_types=_STK_ORDER_TYPES,
        market_rule_ids=",".join(["26"] * n_exchanges), stock_type=stock_type,
        last_trade_date_or_contract_month="", sec_id_type="ISIN" if isin else "", sec_id=isin,
        min_size=Decimal("0.0001"), size_increment=Decimal("0.0001"), suggested_size_increment=Decimal(100),
        initial_price=price, volatility=vol, schedule="us_equity",
    )  # fmt: skip


def _fx(row: tuple[str, int, str, float]) -> Instrument:
    pair, con_id, long_name, price = row
    base, quote = pair.split(".")
    return Instrument(
        con_id=con_id, symbol=base, sec_type="CASH", exchange="IDEALPRO", primary_exchange="", currency=quote,
        local_symbol=pair, trading_class=pair, min_tick=0.005 if quote == "JPY" else 0.00005, multiplier="",
        long_name=long_name, industry="", category="", subcategory="", time_zone_id="US/Eastern",
        valid_exchanges="IDEALPRO", order_types=_FX_ORDER_TYPES, market_rule_ids="239", stock_type="",
        last_trade_date_or_contract_month="", sec_id_type="", sec_id="", min_size=Decimal(1),
        size_increment=Decimal(1), suggested_size_increment=Decimal(1), initial_price=price, volatility=5e-5,
        schedule="idealpro",
    )  # fmt: skip


#: con id of the synthetic stock number 0 (``SYN000`` would be; numbering starts at 1)
SYNTHETIC_CON_ID = 900_000_000


def synthetic_stock(n: int) -> Instrument:
    """Synthetic US stock number ``n`` (>= 1): ``SYN001`` on NASDAQ, a price between 10 and 500
    and a step volatility between 2e-4 and 6e-4, both fixed by ``n``."""
    if not 1 <= n <= 999_999:
        raise ValueError(f"synthetic stock number must be in 1..999999, got {n}")
    symbol = f"SYN{n:03d}"
    price = 10.0 + (n * 7919 % 4900) / 10  # 10.0 .. 499.9, spread over the range by a prime step
    vol = (2 + n % 5) * 1e-4
    return _stock(
        (symbol, SYNTHETIC_CON_ID + n, "NASDAQ", f"SYNTHETIC STOCK {n}", "Technology", "Software",
         "Applications Software", "", price, vol, "COMMON")
    )  # fmt: skip


def front_es_expiry(day: _Day) -> _Day:
    """The last trading day (third Friday of Mar/Jun/Sep/Dec) of the front quarterly ES on ``day``."""
    year, month = day.year, day.month
    while True:
        if month % 3 == 0:
            first = dt.date(year, month, 1)
            expiry = first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)
            if expiry >= day:
                return expiry
        month += 1
        if month > 12:
            year, month = year + 1, 1


def _es(day: _Day) -> Instrument:
    expiry = front_es_expiry(day)
    local = f"ES{_MONTH_CODES[expiry.month - 1]}{expiry.year % 10}"
    return Instrument(
        # IB gives each expiry its own con_id; ours is synthetic but stable per expiry.
        con_id=600_000_000 + expiry.year * 100 + expiry.month, symbol="ES", sec_type="FUT", exchange="CME",
        primary_exchange="", currency="USD", local_symbol=local, trading_class="ES", min_tick=0.25, multiplier="50",
        long_name="E-mini S&P 500", industry="Indices", category="Broad Range Equity Index",
        subcategory="*", time_zone_id="US/Central", valid_exchanges="CME,QBALGO", order_types=_FUT_ORDER_TYPES,
        market_rule_ids="67,67", stock_type="", last_trade_date_or_contract_month=f"{expiry:%Y%m%d}",
        sec_id_type="", sec_id="", min_size=Decimal(1), size_increment=Decimal(1),
        suggested_size_increment=Decimal(1), initial_price=5800.0, volatility=2e-4, schedule="cme_equity",
    )  # fmt: skip


class Universe:
    """An immutable set of instruments with TWS-style lookup."""

    __slots__ = ("_by_con_id", "instruments")

    def __init__(self, instruments: tuple[Instrument, ...]) -> None:
        self.instruments = instruments
        self._by_con_id = {i.con_id: i for i in instruments}
        if len(self._by_con_id) != len(instruments):
            raise ValueError("duplicate con_id in universe")

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self.instruments)

    def __len__(self) -> int:
        return len(self.instruments)

    def get(self, con_id: int) -> Instrument | None:
        return self._by_con_id.get(con_id)

    def resolve(
        self,
        *,
        con_id: int = 0,
        symbol: str = "",
        sec_type: str = "",
        exchange: str = "",
        primary_exchange: str = "",
        currency: str = "",
        local_symbol: str = "",
        last_trade_date_or_contract_month: str = "",
        trading_class: str = "",
        multiplier: str = "",
    ) -> list[Instrument]:
        """Every instrument matching the given fields (empty fields match anything)."""
        q = ContractQuery(
            con_id, symbol, sec_type, exchange, primary_exchange, currency, local_symbol,
            last_trade_date_or_contract_month, trading_class, multiplier,
        )  # fmt: skip
        return self.resolve_query(q)

    def resolve_query(self, q: ContractQuery) -> list[Instrument]:
        if q.con_id:
            inst = self._by_con_id.get(q.con_id)
            return [inst] if inst is not None and _matches(inst, q) else []
        if not (q.symbol or q.local_symbol):
            return []
        return [i for i in self.instruments if _matches(i, q)]


def _matches(inst: Instrument, q: ContractQuery) -> bool:
    up = str.upper
    if q.symbol and up(q.symbol) not in (inst.symbol, inst.local_symbol):
        return False
    if q.sec_type and up(q.sec_type) != inst.sec_type:
        return False
    if q.exchange and up(q.exchange) not in (inst.exchange, inst.primary_exchange, *inst.valid_exchanges.split(",")):
        return False
    if q.primary_exchange and up(q.primary_exchange) != inst.primary_exchange:
        return False
    if q.currency and up(q.currency) != inst.currency:
        return False
    if q.local_symbol and up(q.local_symbol) != inst.local_symbol:
        return False
    expiry = q.last_trade_date_or_contract_month
    if expiry and not inst.last_trade_date_or_contract_month.startswith(expiry):
        return False
    if q.trading_class and up(q.trading_class) != inst.trading_class:
        return False
    return not (q.multiplier and float(q.multiplier) != inst.factor)


def build_universe(day: _Day, symbols: int = 0) -> Universe:
    """The built-in instruments as of ``day`` (the day picks the front ES contract), plus synthetic
    stocks up to ``symbols`` instruments in total (none if ``symbols`` <= the built-in count)."""
    built_in = (*(_stock(r) for r in _STOCKS), *(_fx(r) for r in _FX), _es(day))
    extra = tuple(synthetic_stock(n) for n in range(1, symbols - len(built_in) + 1))
    return Universe((*built_in, *extra))


#: the built-in universe as of 2025-01-02 (front future ESH5); the exchange builds its own from its clock
UNIVERSE = build_universe(dt.date(2025, 1, 2))
