"""The order lifecycle and matching: fills, limits, stops, IOC, brackets, OCA, modify / cancel,
rejections, what-if, determinism and restarts."""

from __future__ import annotations

from decimal import Decimal

from ibkr.sim import (
    Commission,
    ContractQuery,
    Execution,
    OrderError,
    OrderSpec,
    OrderUpdate,
    PositionUpdate,
    WhatIf,
)

from .helpers import AAPL, EURUSD, SPY, Mirror, es, make, of, spec, statuses


def _errors(events: object) -> list[tuple[int, int]]:
    return [(e.order_id, e.code) for e in of(events, OrderError)]  # type: ignore[arg-type]


def test_limit_away_from_market_rests_presubmitted_then_submitted() -> None:
    ex = make()
    bid = ex.quote(AAPL).bid
    events = ex.place_order(1, 1, AAPL, spec("BUY", 100, lmt_price=round(bid - 1, 2)))
    assert statuses(events) == ["PreSubmitted", "Submitted"]
    (order,) = ex.open_orders()
    assert order.perm_id > 0 and order.remaining == 100 and order.filled == 0 and order.account == "DU1234567"
    assert not of(events, Execution)
    cancelled = ex.cancel_order(1, 1)
    assert statuses(cancelled) == ["Cancelled"] and _errors(cancelled) == [(1, 202)]
    assert ex.open_orders() == [] and [o.status for o in ex.completed_orders()] == ["Cancelled"]


def test_market_order_larger_than_the_book_fills_in_pieces_across_steps() -> None:
    ex = make(seed=3, initial_cash=20_000_000.0)
    mirror = Mirror(ex, AAPL)
    displayed = sum(lv.size for lv in ex.book(AAPL).asks)
    qty = displayed * 3
    events = ex.place_order(1, 1, AAPL, spec("BUY", qty, "MKT"))
    mirror.feed(events)
    first = of(events, Execution)
    assert sum(e.shares for e in first) == displayed  # the whole displayed side, level by level
    assert [e.price for e in first] == sorted(e.price for e in first) and len(first) >= 10
    steps = 0
    while ex.order(1, 1).status != "Filled":  # type: ignore[union-attr]
        mirror.feed(ex.step(AAPL))
        assert mirror.matches(ex)
        steps += 1
        assert steps < 50
    fills = ex.executions(client_id=1)
    assert sum(e.shares for e in fills) == qty and steps >= 2
    assert [e.cum_qty for e in fills] == [sum(f.shares for f in fills[: n + 1]) for n in range(len(fills))]
    assert fills[-1].avg_price == ex.order(1, 1).avg_fill_price  # type: ignore[union-attr]
    assert all(e.last_liquidity == 2 for e in first)


def test_buy_limit_never_above_and_sell_limit_never_below() -> None:
    ex = make(seed=5, initial_cash=50_000_000.0)
    mirror = Mirror(ex, AAPL)
    q = ex.quote(AAPL)
    buy_limit, sell_limit = round(q.ask + 0.02, 2), round(q.bid - 0.02, 2)
    mirror.feed(ex.place_order(1, 1, AAPL, spec("BUY", 40_000, lmt_price=buy_limit)))
    mirror.feed(ex.place_order(1, 2, AAPL, spec("SELL", 40_000, lmt_price=sell_limit)))
    for _ in range(300):
        mirror.feed(ex.step(AAPL))
    buys, sells = ex.executions(side="BUY"), ex.executions(side="SELL")
    assert buys and sells
    assert all(e.price <= buy_limit for e in buys) and all(e.price >= sell_limit for e in sells)
    assert any(e.last_liquidity == 1 for e in buys + sells)  # resting fills add liquidity


def test_ioc_cancels_what_it_could_not_fill() -> None:
    ex = make()
    touch = ex.book(AAPL).asks[0]
    events = ex.place_order(1, 1, AAPL, spec("BUY", touch.size + 1000, lmt_price=touch.price, tif="IOC"))
    assert sum(e.shares for e in of(events, Execution)) == touch.size
    assert statuses(events)[-1] == "Cancelled"
    order = ex.order(1, 1)
    assert order is not None and order.filled == touch.size and order.remaining == 1000
    nothing = ex.place_order(1, 2, AAPL, spec("BUY", 100, lmt_price=round(ex.quote(AAPL).bid - 1, 2), tif="IOC"))
    assert statuses(nothing) == ["PreSubmitted", "Submitted", "Cancelled"] and not of(nothing, Execution)


def test_sell_stop_triggers_when_last_crosses() -> None:
    ex = make(seed=9)
    stop = round(ex.quote(AAPL).last - 0.10, 2)
    events = ex.place_order(1, 1, AAPL, spec("SELL", 100, "STP", aux_price=stop))
    assert statuses(events) == ["PreSubmitted"]
    for _ in range(2000):
        events = ex.step(AAPL)
        order = ex.order(1, 1)
        assert order is not None
        if order.triggered:
            break
        assert order.status == "PreSubmitted" and ex.quote(AAPL).last > stop
    else:
        raise AssertionError("the stop never triggered")
    assert "Submitted" in statuses(events, 1)
    fills = of(events, Execution)
    assert fills and ex.order(1, 1).status == "Filled"  # type: ignore[union-attr]


def test_buy_stop_already_crossed_triggers_at_once_and_stop_limit_respects_its_limit() -> None:
    ex = make()
    q = ex.quote(AAPL)
    events = ex.place_order(1, 1, AAPL, spec("BUY", 100, "STP", aux_price=round(q.last - 0.05, 2)))
    assert statuses(events)[:2] == ["PreSubmitted", "Submitted"] and of(events, Execution)
    last = ex.quote(AAPL).last
    limit = round(ex.quote(AAPL).ask - 0.50, 2)
    events = ex.place_order(1, 2, AAPL, spec("BUY", 100, "STP LMT", aux_price=round(last - 0.05, 2), lmt_price=limit))
    assert statuses(events) == ["PreSubmitted", "Submitted"] and not of(events, Execution)


def test_fx_stop_triggers_on_the_quote() -> None:
    ex = make(seed=2)
    stop = round(ex.quote(EURUSD).bid - 0.0001, 5)
    ex.place_order(1, 1, EURUSD, spec("SELL", 25_000, "STP", aux_price=stop))
    for _ in range(5000):
        ex.step(EURUSD)
        order = ex.order(1, 1)
        assert order is not None
        if order.triggered:
            assert ex.executions()[0].price <= ex.quote(EURUSD).ask
            return
        assert ex.quote(EURUSD).bid > stop
    raise AssertionError("the FX stop never triggered")


def _bracket(ex: object, parent_limit: float, take: float, stop: float, transmit_last: bool = True) -> list[object]:
    events: list[object] = []
    events += ex.place_order(1, 10, AAPL, spec("BUY", 100, lmt_price=parent_limit, transmit=False))  # type: ignore[attr-defined]
    events += ex.place_order(  # type: ignore[attr-defined]
        1, 11, AAPL, spec("SELL", 100, lmt_price=take, parent_id=10, oca_group="B1", oca_type=1, transmit=False)
    )
    events += ex.place_order(  # type: ignore[attr-defined]
        1, 12, AAPL, spec("SELL", 100, "STP", aux_price=stop, parent_id=10, oca_group="B1", transmit=transmit_last)
    )
    return events


def test_transmit_false_holds_the_family_until_the_last_child() -> None:
    ex = make()
    q = ex.quote(AAPL)
    held = _bracket(ex, round(q.bid - 1, 2), round(q.ask + 1, 2), round(q.bid - 2, 2), transmit_last=False)
    assert held == []
    assert [(o.order_id, o.status) for o in ex.open_orders(client_id=1)] == [
        (10, "PendingSubmit"),
        (11, "PendingSubmit"),
        (12, "PendingSubmit"),
    ]
    events = ex.place_order(1, 12, AAPL, spec("SELL", 100, "STP", aux_price=round(q.bid - 2, 2), parent_id=10))
    assert statuses(events, 10) == ["PreSubmitted", "Submitted"]
    assert statuses(events, 11) == ["PreSubmitted"] and statuses(events, 12) == ["PreSubmitted"]


def test_bracket_children_wait_for_the_parent_and_oca_cancels_the_sibling() -> None:
    ex = make()
    q = ex.quote(AAPL)
    events = _bracket(ex, round(q.bid - 1, 2), round(q.ask + 1, 2), round(q.bid - 3, 2))
    assert statuses(events, 10) == ["PreSubmitted", "Submitted"]
    assert statuses(events, 11) == ["PreSubmitted"] and statuses(events, 12) == ["PreSubmitted"]
    for _ in range(5):
        ex.step(AAPL)
    assert ex.order(1, 11).status == "PreSubmitted"  # type: ignore[union-attr]
    # the parent becomes marketable: it fills, the take-profit goes live, the stop stays armed
    events = ex.place_order(1, 10, AAPL, spec("BUY", 100, "LMT", lmt_price=round(ex.quote(AAPL).ask + 0.05, 2)))
    assert ex.order(1, 10).status == "Filled"  # type: ignore[union-attr]
    assert statuses(events, 11)[-1] == "Submitted" and ex.order(1, 12).status == "PreSubmitted"  # type: ignore[union-attr]
    # the take-profit fills: its OCA sibling (the stop) is cancelled
    take = round(ex.quote(AAPL).bid - 0.05, 2)
    events = ex.place_order(1, 11, AAPL, spec("SELL", 100, lmt_price=take, parent_id=10, oca_group="B1", oca_type=1))
    assert ex.order(1, 11).status == "Filled" and ex.order(1, 12).status == "Cancelled"  # type: ignore[union-attr]
    assert statuses(events, 12) == ["Cancelled"]
    assert ex.account().positions[AAPL].quantity == 0


def test_cancelling_a_parent_cancels_its_children() -> None:
    ex = make()
    q = ex.quote(AAPL)
    _bracket(ex, round(q.bid - 1, 2), round(q.ask + 1, 2), round(q.bid - 3, 2))
    events = ex.cancel_order(1, 10)
    assert [(e.order.order_id, e.order.status) for e in of(events, OrderUpdate)] == [
        (10, "Cancelled"),
        (11, "Cancelled"),
        (12, "Cancelled"),
    ]
    child = ex.place_order(1, 13, AAPL, spec("SELL", 100, lmt_price=round(q.ask + 1, 2), parent_id=10))
    assert _errors(child) == [(13, 201)] and statuses(child) == ["Inactive"]


def test_oca_reduce_type_shrinks_the_siblings() -> None:
    ex = make()
    q = ex.quote(AAPL)
    ex.place_order(1, 1, AAPL, spec("BUY", 300, lmt_price=round(q.bid - 1, 2), oca_group="G", oca_type=2))
    take = ex.book(AAPL).asks[0]
    events = ex.place_order(1, 2, AAPL, spec("BUY", 100, lmt_price=take.price, oca_group="G", oca_type=2))
    assert ex.order(1, 2).status == "Filled"  # type: ignore[union-attr]
    other = ex.order(1, 1)
    assert other is not None and other.total_quantity == 200 and other.remaining == 200 and other.status == "Submitted"
    assert statuses(events, 1) == ["Submitted"]


def test_modify_price_and_quantity() -> None:
    ex = make()
    q = ex.quote(AAPL)
    ex.place_order(1, 1, AAPL, spec("BUY", 100, lmt_price=round(q.bid - 1, 2)))
    perm = ex.order(1, 1).perm_id  # type: ignore[union-attr]
    events = ex.place_order(1, 1, AAPL, spec("BUY", 300, lmt_price=round(q.bid - 0.5, 2)))
    assert statuses(events) == ["Submitted"]
    order = ex.order(1, 1)
    assert order is not None and order.perm_id == perm and order.total_quantity == 300
    assert order.lmt_price == round(q.bid - 0.5, 2)
    # now marketable: fills against the book
    touch = ex.book(AAPL).asks[0]
    events = ex.place_order(1, 1, AAPL, spec("BUY", 300, lmt_price=touch.price))
    filled = sum(e.shares for e in of(events, Execution))
    assert filled == min(300, touch.size)
    if filled < 300:
        assert _errors(ex.place_order(1, 1, AAPL, spec("BUY", int(filled) - 1, lmt_price=touch.price))) == [(1, 201)]
        assert ex.order(1, 1).total_quantity == 300  # type: ignore[union-attr]
    assert _errors(ex.place_order(1, 1, AAPL, spec("SELL", 300, lmt_price=touch.price))) in ([(1, 201)], [(1, 104)])


def test_cancel_error_codes() -> None:
    ex = make()
    assert _errors(ex.cancel_order(1, 99)) == [(99, 10147)]
    ex.place_order(1, 1, AAPL, spec("BUY", 100, "MKT"))
    assert ex.order(1, 1).status == "Filled"  # type: ignore[union-attr]
    (err,) = of(ex.cancel_order(1, 1), OrderError)
    assert err.code == 10148 and "Filled" in err.text
    ex.place_order(1, 2, AAPL, spec("BUY", 100, lmt_price=round(ex.quote(AAPL).bid - 1, 2)))
    ex.cancel_order(1, 2)
    assert _errors(ex.cancel_order(1, 2)) == [(2, 10148)]
    assert _errors(ex.cancel_order(2, 2)) == [(2, 10147)]  # ids belong to their client


def test_duplicate_order_ids() -> None:
    ex = make()
    ex.place_order(1, 1, AAPL, spec("BUY", 100, "MKT"))
    assert _errors(ex.place_order(1, 1, AAPL, spec("BUY", 100, "MKT"))) == [(1, 104)]
    ex.place_order(1, 2, AAPL, spec("BUY", 100, lmt_price=round(ex.quote(AAPL).bid - 1, 2)))
    ex.cancel_order(1, 2)
    assert _errors(ex.place_order(1, 2, AAPL, spec("BUY", 100, "MKT"))) == [(2, 103)]
    ex.place_order(1, 3, AAPL, spec("BUY", 0, "MKT"))
    assert _errors(ex.place_order(1, 3, AAPL, spec("BUY", 100, "MKT"))) == [(3, 103)]
    # the same id from another client is another order
    assert ex.order(2, 1) is None
    assert statuses(ex.place_order(2, 1, AAPL, spec("BUY", 100, "MKT")))[-1] == "Filled"


def test_rejections() -> None:
    ex = make()
    mid = ex.quote(AAPL).mid
    cases = [
        (spec("BUY", 0, "MKT"), 201),
        (spec("BUY", -5, "MKT"), 201),
        (spec("BUY", 600_000, "MKT"), 201),
        (spec("BUY", 100, lmt_price=round(mid, 2) + 0.005), 110),
        (spec("BUY", 100, lmt_price=round(mid * 2, 2)), 201),
        (spec("BUY", 100, lmt_price=None), 201),
        (spec("BUY", 100, "STP"), 201),
        (spec("BUY", 100, "TRAIL"), 387),
        (spec("BUY", 100, "MKT", tif="GTD"), 201),
        (spec("BUY", 100, "MKT", account="U999"), 201),
        (spec("BUY", 100, "MKT", parent_id=77), 201),
        (spec("BUY", 400_000, "MKT"), 201),  # 92M of stock on 1M of equity: margin
    ]
    for n, (s, code) in enumerate(cases, start=1):
        events = ex.place_order(1, n, AAPL, s)
        assert _errors(events) == [(n, code)], (s, events)
        assert statuses(events) == ["Inactive"]
    assert _errors(ex.place_order(1, 50, ContractQuery(symbol="NOPE"), spec("BUY", 1, "MKT"))) == [(50, 200)]
    assert _errors(ex.place_order(1, 51, ContractQuery(symbol="USD", sec_type="CASH"), spec("BUY", 1, "MKT"))) == [
        (51, 200)
    ]
    assert ex.executions() == [] and ex.open_orders() == []
    ex.reject_next_order()
    assert _errors(ex.place_order(1, 60, AAPL, spec("BUY", 100, "MKT"))) == [(60, 201)]
    assert statuses(ex.place_order(1, 61, AAPL, spec("BUY", 100, "MKT")))[-1] == "Filled"


def test_place_by_contract_description() -> None:
    ex = make()
    q = ContractQuery(symbol="EUR", sec_type="CASH", exchange="IDEALPRO", currency="USD")
    events = ex.place_order(3, 1, q, spec("BUY", 20_000, "MKT"))
    (fill,) = of(events, Execution)
    assert fill.instrument.con_id == EURUSD and fill.side == "BOT" and fill.shares == 20_000
    (report,) = of(events, Commission)
    assert report.commission == 2.0 and report.currency == "USD" and report.realized_pnl is None
    (pos,) = of(events, PositionUpdate)
    assert pos.position == 20_000


def test_commissions_follow_the_schedule() -> None:
    ex = make()
    ex.place_order(1, 1, AAPL, spec("BUY", 100, "MKT"))
    ex.place_order(1, 2, AAPL, spec("BUY", 1000, "MKT"))
    ex.place_order(1, 3, es(ex), spec("BUY", 2, "MKT"))
    ex.place_order(1, 4, EURUSD, spec("BUY", 2_000_000, "MKT"))
    fees = {}
    for e in ex.executions():
        report = ex.commission_report(e.exec_id)
        assert report is not None
        fees[e.order_id] = fees.get(e.order_id, 0.0) + report.commission
    assert fees[1] == 1.0  # the minimum
    assert round(fees[2], 6) == 5.0
    assert round(fees[3], 6) == 1.7
    eur_value = sum(float(e.shares) * e.price for e in ex.executions() if e.order_id == 4)
    assert abs(fees[4] - 0.00002 * eur_value) < 1e-6


def test_what_if_changes_nothing() -> None:
    ex = make()
    ex.place_order(1, 1, AAPL, spec("BUY", 100, "MKT"))
    before = (ex.open_orders(), ex.executions(), ex.summary(), ex.quote(AAPL), list(ex.book(AAPL).asks))
    events = ex.place_order(1, 2, AAPL, spec("BUY", 1000, lmt_price=round(ex.quote(AAPL).ask, 2), what_if=True))
    (w,) = events
    assert isinstance(w, WhatIf)
    assert w.init_margin_after > w.init_margin_before and w.commission == 5.0 and w.warning_text == ""
    assert abs(w.init_margin_change - (w.init_margin_after - w.init_margin_before)) < 1e-6
    after = (ex.open_orders(), ex.executions(), ex.summary(), ex.quote(AAPL), list(ex.book(AAPL).asks))
    assert before == after and ex.order(1, 2) is None
    big = ex.place_order(1, 3, AAPL, spec("BUY", 400_000, "MKT", what_if=True))
    assert isinstance(big[0], WhatIf) and big[0].warning_text
    assert _errors(ex.place_order(1, 4, AAPL, spec("BUY", 0, "MKT", what_if=True))) == [(4, 201)]


def _script(ex: object) -> list[str]:
    out: list[str] = []
    e = ex
    q = e.quote(AAPL)  # type: ignore[attr-defined]
    out += map(repr, e.place_order(1, 1, AAPL, spec("BUY", 5000, lmt_price=round(q.ask + 0.03, 2))))  # type: ignore[attr-defined]
    out += map(repr, e.place_order(1, 2, SPY, spec("SELL", 300, "STP", aux_price=round(e.quote(SPY).last - 0.1, 2))))  # type: ignore[attr-defined]
    for n in range(200):
        e.clock.advance(0.25)  # type: ignore[attr-defined]
        out += map(repr, e.step())  # type: ignore[attr-defined]
        if n == 100:
            out += map(repr, e.place_order(1, 3, EURUSD, spec("SELL", 3_000_000, "MKT")))  # type: ignore[attr-defined]
    return out


def test_same_seed_same_calls_same_ticks_and_fills() -> None:
    a, b = _script(make(seed=42)), _script(make(seed=42))
    assert a == b and any("Execution(" in line for line in a)
    assert _script(make(seed=43)) != a


def test_open_orders_and_execution_filters() -> None:
    ex = make(accounts=["DU1", "DU2"])
    low = round(ex.quote(AAPL).bid - 1, 2)
    ex.place_order(1, 1, AAPL, spec("BUY", 100, lmt_price=low))
    ex.place_order(2, 1, AAPL, spec("BUY", 100, lmt_price=low, account="DU2"))
    ex.place_order(1, 2, AAPL, spec("BUY", 100, "MKT"))
    ex.clock.advance(60)  # type: ignore[attr-defined]
    t = ex.clock.time()
    ex.place_order(2, 2, EURUSD, spec("SELL", 50_000, "MKT", account="DU2"))
    assert [(o.client_id, o.order_id) for o in ex.open_orders()] == [(1, 1), (2, 1)]
    assert [(o.client_id, o.order_id) for o in ex.open_orders(client_id=2)] == [(2, 1)]
    assert [o.account for o in ex.open_orders(account="DU1")] == ["DU1"]
    assert {e.instrument.symbol for e in ex.executions(client_id=1)} == {"AAPL"}
    assert {e.side for e in ex.executions(account="DU2")} == {"SLD"}
    assert ex.executions(symbol="EUR") == ex.executions(sec_type="CASH") == ex.executions(since=t)
    assert ex.executions(side="SELL") == ex.executions(side="SLD")
    assert ex.executions(symbol="MSFT") == []
    ids = [e.exec_id for e in ex.executions()]
    assert len(set(ids)) == len(ids) and all(len(i.split(".")) == 4 for i in ids)
    perms = [o.perm_id for o in ex.open_orders() + ex.completed_orders()]
    assert len(set(perms)) == len(perms)
    (first, *_) = ex.executions()
    assert first.time_str == "20250102  10:00:00"
    assert [p.account for p in ex.positions()] == ["DU1", "DU2"]


def test_global_cancel_and_end_of_day() -> None:
    ex = make()
    low = round(ex.quote(AAPL).bid - 1, 2)
    ex.place_order(1, 1, AAPL, spec("BUY", 100, lmt_price=low))
    ex.place_order(2, 1, AAPL, spec("BUY", 100, lmt_price=low, tif="GTC"))
    events = ex.global_cancel()
    assert statuses(events) == ["Cancelled", "Cancelled"] and ex.open_orders() == []
    ex.place_order(1, 2, AAPL, spec("BUY", 100, lmt_price=low))
    ex.place_order(1, 3, AAPL, spec("BUY", 100, lmt_price=low, tif="GTC"))
    events = ex.end_of_day()
    assert [(e.order.order_id, e.order.status) for e in of(events, OrderUpdate)] == [(2, "Cancelled")]
    assert [o.order_id for o in ex.open_orders()] == [3]


def test_next_valid_ids_and_restart() -> None:
    ex = make()
    assert ex.next_order_id(1) == 1
    ex.place_order(1, 5, AAPL, spec("BUY", 100, "MKT"))
    ex.place_order(1, 6, AAPL, spec("BUY", 100, lmt_price=round(ex.quote(AAPL).bid - 1, 2)))
    assert ex.next_order_id(1) == 7 and ex.next_order_id(2) == 1
    ex.restart(rollback_ids=False)
    assert ex.next_order_id(1) == 7
    ex.restart()
    assert ex.next_order_id(1) == 1
    # state survived the restart; the rolled-back ids collide with the old ones
    assert [o.order_id for o in ex.open_orders()] == [6] and len(ex.executions()) >= 1
    assert ex.account().positions[AAPL].quantity == 100
    assert _errors(ex.place_order(1, 5, AAPL, spec("BUY", 100, "MKT"))) == [(5, 104)]
    assert ex.next_order_id(1) == 6


def test_ack_delay_holds_orders_pending() -> None:
    ex = make()
    ex.ack_delay = 2.0
    assert ex.place_order(1, 1, AAPL, spec("BUY", 100, "MKT")) == []
    assert ex.order(1, 1).status == "PendingSubmit"  # type: ignore[union-attr]
    ex.clock.advance(1.0)  # type: ignore[attr-defined]
    assert ex.poll() == []
    ex.clock.advance(1.0)  # type: ignore[attr-defined]
    events = ex.poll()
    assert statuses(events)[:2] == ["PreSubmitted", "Submitted"] and statuses(events)[-1] == "Filled"


def test_spec_defaults() -> None:
    s = OrderSpec()
    assert (s.action, s.order_type, s.tif, s.transmit, s.total_quantity) == ("BUY", "LMT", "DAY", True, Decimal(0))
