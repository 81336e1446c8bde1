"""validate_order: the shape checks every order passes before a byte is sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ibkr.client.order_handle import validate_order
from ibkr.errors import OrderValidationError
from ibkr.protocol.order_models import Order


def test_int_and_float_quantities_become_decimal() -> None:
    o = Order(action="BUY", total_quantity=100, order_type="MKT")  # type: ignore[arg-type]
    validate_order(o)
    assert o.total_quantity == Decimal(100) and isinstance(o.total_quantity, Decimal)
    o = Order(action="SELL", total_quantity=0.5, order_type="MKT")  # type: ignore[arg-type]
    validate_order(o)
    assert o.total_quantity == Decimal("0.5")


def test_prices_the_type_does_not_use_may_be_zero() -> None:
    # an LMT order as OPEN_ORDER reports it: aux price 0 (unused)
    validate_order(Order(action="BUY", total_quantity=Decimal(1), order_type="LMT", lmt_price=10.0, aux_price=0.0))
    # a STP order with limit 0 (unused)
    validate_order(Order(action="SELL", total_quantity=Decimal(1), order_type="STP", lmt_price=0.0, aux_price=9.0))


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (Order(action="BUY", total_quantity=Decimal(1), order_type="LMT", lmt_price=0.0), "limit price 0.0"),
        (Order(action="BUY", total_quantity=Decimal(1), order_type="STP", aux_price=-1.0), "stop price -1.0"),
        (Order(action="BUY", total_quantity=None, order_type="MKT"), "missing"),
        (Order(action="BUY", total_quantity="abc", order_type="MKT"), "not a number"),  # type: ignore[arg-type]
        (Order(action="BUY", total_quantity=Decimal("NaN"), order_type="MKT"), "not finite"),
        (Order(action="BUY", total_quantity=Decimal(1), order_type="LMT", lmt_price=float("nan")), "finite"),
        (Order(action="BUY", total_quantity=Decimal(1), order_type="MKT", tif="SOMETIME"), "time in force"),
    ],
)
def test_bad_orders(order: Order, message: str) -> None:
    with pytest.raises(OrderValidationError, match=message):
        validate_order(order)
