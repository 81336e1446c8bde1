"""Orders as the exchange keeps them, and the rules that accept, price and charge them.

``OrderSpec`` is what a PLACE_ORDER asks for (the engine's subset of the TWS order); ``Order`` is the
working order with everything the protocol layer reports about it (OPEN_ORDER, ORDER_STATUS,
COMPLETED_ORDER). ``check_order`` returns the TWS rejection (code, text) of a spec, or None;
``commission_to_date`` is the IBKR Pro fixed-like schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from operator import attrgetter

from ibkr.sim.instruments import Instrument

__all__ = [
    "OrderSpec",
    "Order",
    "Reject",
    "ORDER_TYPES",
    "TIFS",
    "FINAL_STATUSES",
    "MAX_QUANTITY",
    "PRICE_BAND",
    "check_order",
    "on_tick",
    "commission_to_date",
]

#: order types the engine works; others get 387 like an unsupported type at a real venue
ORDER_TYPES = frozenset({"MKT", "LMT", "STP", "STP LMT"})
TIFS = frozenset({"DAY", "GTC", "IOC"})
FINAL_STATUSES = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})
#: largest order size accepted per sec type (the precautionary "size limit" of a paper account)
MAX_QUANTITY: dict[str, Decimal] = {"STK": Decimal(500_000), "CASH": Decimal(100_000_000), "FUT": Decimal(5_000)}
#: a limit or stop price more than this fraction away from the mid is rejected
PRICE_BAND = 0.5

Reject = tuple[int, str]

_REJECTED = "Order rejected - reason:"


@dataclass(slots=True)
class OrderSpec:
    action: str = "BUY"
    total_quantity: Decimal = Decimal(0)
    order_type: str = "LMT"
    lmt_price: float | None = None
    aux_price: float | None = None
    tif: str = "DAY"
    #: "" places for the exchange's default account
    account: str = ""
    oca_group: str = ""
    #: 1 cancel the others on a fill, 2 / 3 reduce the others by the filled quantity
    oca_type: int = 0
    parent_id: int = 0
    transmit: bool = True
    outside_rth: bool = False
    order_ref: str = ""
    what_if: bool = False


@dataclass(slots=True)
class Order:
    order_id: int
    client_id: int
    perm_id: int
    account: str
    instrument: Instrument
    action: str
    total_quantity: Decimal
    order_type: str
    lmt_price: float | None
    aux_price: float | None
    tif: str
    oca_group: str
    oca_type: int
    parent_id: int
    transmit: bool
    outside_rth: bool
    order_ref: str
    placed_at: float
    status: str = "PendingSubmit"
    filled: Decimal = Decimal(0)
    remaining: Decimal = Decimal(0)
    avg_fill_price: float = 0.0
    last_fill_price: float = 0.0
    why_held: str = ""
    #: a stop order whose stop price was reached (it now works as MKT / LMT)
    triggered: bool = False
    #: it stayed on the book after its first match, so a crossing market fills it at its limit
    rested: bool = False
    #: sum of fill quantity x price, and commission charged so far (for per-order minimums)
    fill_value: float = 0.0
    commission: float = 0.0
    completed_at: float = 0.0

    @property
    def sign(self) -> int:
        return 1 if self.action == "BUY" else -1

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_stop(self) -> bool:
        return self.order_type in ("STP", "STP LMT")

    @property
    def limit(self) -> float | None:
        """The price bound it fills within (None: any price)."""
        return self.lmt_price if self.order_type in ("LMT", "STP LMT") else None

    def snapshot(self) -> Order:
        """A copy of the order as it is now (what an ``OrderUpdate`` carries): ``dataclasses.replace``
        without its per-field bookkeeping (1 us instead of 6 on the order path)."""
        return Order(*_ORDER_VALUES(self))

    def apply_spec(self, spec: OrderSpec) -> None:
        """Take the modifiable fields of a re-sent order (TWS modify: same id, new values)."""
        self.total_quantity = spec.total_quantity
        self.remaining = spec.total_quantity - self.filled
        self.order_type, self.lmt_price, self.aux_price = spec.order_type, spec.lmt_price, spec.aux_price
        self.tif, self.outside_rth, self.order_ref = spec.tif, spec.outside_rth, spec.order_ref
        self.oca_group, self.oca_type, self.transmit = spec.oca_group, spec.oca_type, spec.transmit


#: every field of an Order, in constructor order
_ORDER_VALUES = attrgetter(*(f.name for f in fields(Order)))


def on_tick(price: float, tick: float) -> bool:
    return abs(price / tick - round(price / tick)) < 1e-6


def check_order(spec: OrderSpec, inst: Instrument, mid: float) -> Reject | None:
    """The rejection TWS would give this order on this instrument at this market, if any."""
    if spec.action not in ("BUY", "SELL"):
        return 201, f"{_REJECTED}Invalid action {spec.action!r}"
    if spec.order_type not in ORDER_TYPES:
        return 387, "Unsupported order type for this exchange and security type."
    if spec.tif not in TIFS:
        return 201, f"{_REJECTED}Invalid time in force {spec.tif!r}"
    qty = spec.total_quantity
    if qty <= 0:
        return 201, f"{_REJECTED}The order quantity must be greater than zero"
    if qty % inst.size_increment:
        return 201, f"{_REJECTED}The order size is not a multiple of the size increment {inst.size_increment}"
    if qty > MAX_QUANTITY[inst.sec_type]:
        return 201, f"{_REJECTED}The order size {qty} exceeds the size limit {MAX_QUANTITY[inst.sec_type]}"
    needs = {"LMT": ("lmt_price",), "STP": ("aux_price",), "STP LMT": ("lmt_price", "aux_price")}
    for name in needs.get(spec.order_type, ()):
        price = getattr(spec, name)
        what = "limit" if name == "lmt_price" else "stop"
        if price is None or price <= 0:
            return 201, f"{_REJECTED}Missing or invalid {what} price"
        if not on_tick(price, inst.min_tick):
            return 110, "The price does not conform to the minimum price variation for this contract."
        if abs(price - mid) > PRICE_BAND * mid:
            return 201, f"{_REJECTED}The {what} price {price} is too far from the market price {mid:.{_digits(inst)}f}"
    return None


def _digits(inst: Instrument) -> int:
    return max(2, len(repr(inst.min_tick).split(".")[-1]))


def commission_to_date(inst: Instrument, quantity: Decimal, value_usd: float) -> float:
    """Total USD commission of an order that has filled ``quantity`` worth ``value_usd`` so far
    (IBKR Pro fixed: stocks 0.005/share, min 1.00, max 1% of value; FX 0.2 bp, min 2.00;
    futures 0.85/contract). Each execution is charged the increase of this total."""
    q = float(quantity)
    if inst.sec_type == "STK":
        return round(min(max(0.005 * q, 1.0), 0.01 * value_usd), 6)
    if inst.sec_type == "CASH":
        return round(max(0.00002 * value_usd, 2.0), 6)
    return round(0.85 * q, 6)
