"""Test helper: our order models as the official client's objects (for the oracle cross-checks)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import ibapi.contract as icontract
import ibapi.order as iorder
import ibapi.order_condition as icond
from ibapi.const import UNSET_DECIMAL, UNSET_DOUBLE, UNSET_INTEGER
from ibapi.execution import ExecutionFilter as IExecutionFilter
from ibapi.softdollartier import SoftDollarTier as ISoftDollarTier
from ibapi.tag_value import TagValue as ITagValue

from ibkr.protocol.models import Contract, TagValue
from ibkr.protocol.order_models import (
    ExecutionCondition,
    ExecutionFilter,
    MarginCondition,
    Order,
    OrderCondition,
    PercentChangeCondition,
    PriceCondition,
    TimeCondition,
    VolumeCondition,
)

_SPECIAL = {"rule80a": "rule80A"}


def camel(name: str) -> str:
    if name in _SPECIAL:
        return _SPECIAL[name]
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _unset_like(default: Any) -> Any:
    if isinstance(default, Decimal):
        return UNSET_DECIMAL
    if isinstance(default, float):
        return UNSET_DOUBLE
    if isinstance(default, int) and not isinstance(default, bool):
        return UNSET_INTEGER
    return default


def _tag_values(items: list[TagValue]) -> list[ITagValue] | None:
    return [ITagValue(tv.tag, tv.value) for tv in items] or None


def ibapi_condition(c: OrderCondition) -> icond.OrderCondition:
    out: icond.OrderCondition
    if isinstance(c, PriceCondition):
        out = icond.PriceCondition(c.trigger_method, c.con_id, c.exchange, c.is_more, c.price)
    elif isinstance(c, TimeCondition):
        out = icond.TimeCondition(c.is_more, c.time)
    elif isinstance(c, MarginCondition):
        out = icond.MarginCondition(c.is_more, c.percent)
    elif isinstance(c, ExecutionCondition):
        out = icond.ExecutionCondition(c.sec_type, c.exchange, c.symbol)
    elif isinstance(c, VolumeCondition):
        out = icond.VolumeCondition(c.con_id, c.exchange, c.is_more, c.volume)
    elif isinstance(c, PercentChangeCondition):
        out = icond.PercentChangeCondition(c.con_id, c.exchange, c.is_more, c.change_percent)
    else:  # pragma: no cover
        raise TypeError(c)
    out.isConjunctionConnection = c.is_conjunction_connection
    return out


def ibapi_order(o: Order) -> iorder.Order:
    out = iorder.Order()
    for name in Order.__slots__:  # type: ignore[attr-defined]
        value = getattr(o, name)
        attr = camel(name)
        assert hasattr(out, attr), attr
        if name == "soft_dollar_tier":
            out.softDollarTier = ISoftDollarTier(value.name, value.value, value.display_name)
        elif name in ("algo_params", "smart_combo_routing_params", "order_misc_options"):
            setattr(out, attr, _tag_values(value))
        elif name == "order_combo_legs":
            legs = []
            for leg in value:
                il = iorder.OrderComboLeg()
                il.price = UNSET_DOUBLE if leg.price is None else leg.price
                legs.append(il)
            out.orderComboLegs = legs or None
        elif name == "conditions":
            out.conditions = [ibapi_condition(c) for c in value]
        elif value is None:
            setattr(out, attr, _unset_like(getattr(out, attr)))
        else:
            setattr(out, attr, value)
    return out


def ibapi_contract(c: Contract) -> icontract.Contract:
    out = icontract.Contract()
    for name in Contract.__slots__:  # type: ignore[attr-defined]
        value = getattr(c, name)
        attr = camel(name)
        if name == "combo_legs":
            legs = []
            for leg in value:
                il = icontract.ComboLeg()
                for leg_name in type(leg).__slots__:
                    setattr(il, camel(leg_name), getattr(leg, leg_name))
                legs.append(il)
            out.comboLegs = legs or None
        elif name == "delta_neutral_contract":
            if value is not None:
                dn = icontract.DeltaNeutralContract()
                dn.conId, dn.delta, dn.price = value.con_id, value.delta, value.price
                out.deltaNeutralContract = dn
        elif value is None:
            setattr(out, attr, UNSET_DOUBLE if name == "strike" else _unset_like(getattr(out, attr)))
        else:
            setattr(out, attr, value)
    return out


def ibapi_exec_filter(f: ExecutionFilter) -> IExecutionFilter:
    out = IExecutionFilter()
    for name in ExecutionFilter.__slots__:  # type: ignore[attr-defined]
        value = getattr(f, name)
        if name == "specific_dates":
            out.specificDates = list(value) or None
        elif value is None:
            out.lastNDays = UNSET_INTEGER
        else:
            setattr(out, camel(name), value)
    return out
