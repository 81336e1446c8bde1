"""The client's account state from real bytes: server messages encoded and decoded by the protocol
core, then dispatched through IBKRClient's handler table (no connection)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ibkr.client import IBKRClient, Position
from ibkr.protocol.message import FAST_DECODERS, SERVER_MESSAGES, Message, decode_payload, encode_payload
from ibkr.protocol.messages.account import AcctDownloadEnd, AcctValue, PortfolioValue, PositionData, PositionEnd
from ibkr.protocol.models import Contract

SV = 200
ACCT = "DU1234567"


def wire(*msgs: Message) -> list[Message]:
    out = []
    for m in msgs:
        decoded = decode_payload(encode_payload(m, SV), SV, SERVER_MESSAGES, FAST_DECODERS)
        assert type(decoded) is type(m)
        out.append(decoded)
    return out


def stock(con_id: int, symbol: str) -> Contract:
    return Contract(con_id=con_id, symbol=symbol, sec_type="STK", exchange="NASDAQ", currency="USD")


def pos(con_id: int, symbol: str, qty: str, cost: float = 10.0) -> PositionData:
    return PositionData(ACCT, stock(con_id, symbol), Decimal(qty), cost)


def test_positions_download_updates_and_reload() -> None:
    client = IBKRClient()
    events: list[Any] = []
    client.events.on("position", events.append)
    client._positions_loading = {}
    client.on_messages(0, wire(pos(1, "AAA", "100"), pos(2, "BBB", "-5.5"), pos(3, "CCC", "0"), PositionEnd()))
    assert [(p.contract.symbol, p.position) for p in client.positions] == [
        ("AAA", Decimal(100)),
        ("BBB", Decimal("-5.5")),
    ]
    assert all(isinstance(e, Position) for e in events) and len(events) == 3
    # a live update, then a close
    client.on_messages(0, wire(pos(1, "AAA", "150", 11.0)))
    client.on_messages(0, wire(pos(2, "BBB", "0")))
    assert [(p.contract.symbol, p.position, p.avg_cost) for p in client.positions] == [("AAA", Decimal(150), 11.0)]
    # after a reconnect the download replaces the list at POSITION_END: AAA was closed meanwhile
    client._positions_loading = {}
    client.on_messages(0, wire(pos(4, "DDD", "1")))
    assert {p.contract.symbol for p in client.positions} == {"AAA", "DDD"}  # until the end marker
    client.on_messages(0, wire(PositionEnd()))
    assert [p.contract.symbol for p in client.positions] == ["DDD"]


def test_account_values_and_portfolio_rows() -> None:
    client = IBKRClient()
    client.on_messages(
        0,
        wire(
            AcctValue("NetLiquidation", "1000.5", "USD", ACCT),
            AcctValue("CashBalance", "20", "EUR", ACCT),
            AcctValue("AccountType", "INDIVIDUAL", "", ACCT),
            PortfolioValue(stock(1, "AAA"), Decimal(10), 5.0, 50.0, 4.0, 10.0, 0.0, ACCT),
            PortfolioValue(stock(2, "BBB"), Decimal(0), 5.0, 0.0, 4.0, 0.0, 3.0, ACCT),
            AcctDownloadEnd(ACCT),
        ),
    )
    values = client.account_values[ACCT]
    assert values["NetLiquidation", "USD"].number == 1000.5
    assert values["CashBalance", "EUR"].value == "20" and values["AccountType", ""].number is None
    assert [(r.contract.symbol, r.position, r.unrealized_pnl) for r in client.portfolio] == [("AAA", Decimal(10), 10.0)]
