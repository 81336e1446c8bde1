"""The client's market-data state from real bytes: TWS payloads decoded by the protocol core and
dispatched through IBKRClient's handler table (no connection, no mocks of the protocol)."""

from __future__ import annotations

from typing import Any

import pytest

from ibkr.client import IBKRClient
from ibkr.client.market import DepthBook, DepthLevel, Ticker
from ibkr.protocol.message import FAST_DECODERS, SERVER_MESSAGES, Message, decode_payload
from ibkr.protocol.models import Contract

SV = 200
RID = 1_000_000_001
AAPL = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")


def decode(*payloads: str) -> list[Message]:
    msgs = []
    for text in payloads:
        m = decode_payload(text.replace("␀", "\0").encode(), SV, SERVER_MESSAGES, FAST_DECODERS)
        assert m is not None, text
        msgs.append(m)
    return msgs


def client_with_ticker() -> tuple[IBKRClient, Ticker]:
    client = IBKRClient()
    ticker = Ticker(AAPL, RID)
    client._tickers[RID] = ticker
    return client, ticker


def test_tick_price_sets_price_and_matching_size_in_one_batch() -> None:
    client, t = client_with_ticker()
    seen: list[tuple[Any, ...]] = []
    t.on_update.append(lambda tk: seen.append((tk.bid, tk.bid_size, tk.ask, tk.ask_size)))
    client.on_messages(
        0,
        decode(
            f"81␀{RID}␀0.01␀9c0001␀3␀",  # TICK_REQ_PARAMS
            f"58␀1␀{RID}␀1␀",  # MARKET_DATA_TYPE live
            f"1␀6␀{RID}␀1␀230.5␀300␀1␀",  # bid 300 @ 230.5
            f"1␀6␀{RID}␀2␀230.52␀400␀0␀",  # ask 400 @ 230.52
            f"1␀6␀{RID}␀4␀230.51␀7␀0␀",  # last 7 @ 230.51
            f"2␀6␀{RID}␀8␀123456␀",  # volume
            f"1␀6␀{RID}␀6␀232␀0␀0␀",  # high
            f"1␀6␀{RID}␀7␀229␀0␀0␀",  # low
            f"1␀6␀{RID}␀9␀228.75␀0␀0␀",  # close
            f"1␀6␀{RID}␀14␀229.5␀0␀0␀",  # open
            f"46␀6␀{RID}␀45␀1700000000␀",  # LAST_TIMESTAMP
            f"45␀6␀{RID}␀49␀0␀",  # HALTED: no
        ),
    )
    assert (t.bid, t.bid_size, t.ask, t.ask_size) == (230.5, 300.0, 230.52, 400.0)
    assert (t.last, t.last_size, t.volume) == (230.51, 7.0, 123456.0)
    assert (t.high, t.low, t.close, t.open) == (232.0, 229.0, 228.75, 229.5)
    assert t.last_timestamp == 1700000000 and t.halted == 0
    assert t.min_tick == 0.01 and t.bbo_exchange == "9c0001" and t.snapshot_permissions == 3
    assert t.market_data_type == 1
    assert t.mid == pytest.approx(230.51) and t.spread == pytest.approx(0.02)
    # one notification for the whole batch, with the batch's final state
    assert seen == [(230.5, 300.0, 230.52, 400.0)]
    assert t.updates == 1 and t.updated_ns == client.batch_ns
    assert client.latency.histogram("tick_to_callback").count == 1


def test_tick_size_then_delayed_types_share_the_slots() -> None:
    client, t = client_with_ticker()
    client.on_messages(0, decode(f"2␀6␀{RID}␀0␀500␀", f"2␀6␀{RID}␀3␀0.5␀"))
    assert (t.bid_size, t.ask_size) == (500.0, 0.5)
    client.on_messages(
        0,
        decode(
            f"58␀1␀{RID}␀3␀",
            f"1␀6␀{RID}␀66␀99.5␀10␀0␀",  # DELAYED_BID
            f"1␀6␀{RID}␀67␀99.75␀20␀0␀",  # DELAYED_ASK
            f"1␀6␀{RID}␀68␀99.6␀5␀0␀",  # DELAYED_LAST
            f"2␀6␀{RID}␀74␀1000␀",  # DELAYED_VOLUME
            f"1␀6␀{RID}␀75␀98␀0␀0␀",  # DELAYED_CLOSE
            f"46␀6␀{RID}␀88␀1700000100␀",  # DELAYED_LAST_TIMESTAMP
            f"45␀6␀{RID}␀90␀1␀",  # DELAYED_HALTED
        ),
    )
    assert t.market_data_type == 3
    assert (t.bid, t.bid_size, t.ask, t.ask_size, t.last, t.last_size) == (99.5, 10.0, 99.75, 20.0, 99.6, 5.0)
    assert (t.volume, t.close, t.last_timestamp, t.halted) == (1000.0, 98.0, 1700000100, 1)
    assert t.extra == {}
    assert t.updates == 2


def test_no_price_and_unmapped_ticks() -> None:
    client, t = client_with_ticker()
    client.on_messages(
        0,
        decode(
            f"1␀6␀{RID}␀1␀-1␀0␀0␀",  # no bid
            f"1␀6␀{RID}␀2␀10.5␀100␀0␀",
            f"1␀6␀{RID}␀20␀250␀0␀0␀",  # HIGH_52_WEEK: no slot of its own
            f"2␀6␀{RID}␀21␀4500␀",  # AVG_VOLUME
            f"46␀6␀{RID}␀48␀230.5;100;1700000000000;1000;230.4;false␀",  # RT_VOLUME
            f"46␀6␀{RID}␀45␀not-a-number␀",
        ),
    )
    assert t.bid is None and t.bid_size == 0.0 and t.ask == 10.5
    assert t.mid is None and t.spread is None and t.market_price is None
    assert t.avg_volume == 4500.0
    assert t.extra == {20: 250.0, 48: "230.5;100;1700000000000;1000;230.4;false", 45: "not-a-number"}


def test_ticks_for_unknown_ids_are_ignored_and_callbacks_errors_are_reported() -> None:
    client, t = client_with_ticker()
    errors: list[BaseException] = []
    client.events.on("callback_error", errors.append)

    def boom(_: Ticker) -> None:
        raise ValueError("user bug")

    t.on_update.append(boom)
    client.on_messages(0, decode(f"1␀6␀{RID + 1}␀1␀5␀5␀0␀", f"1␀6␀{RID}␀1␀5␀5␀0␀"))
    assert t.bid == 5.0 and t.updates == 1
    assert len(errors) == 1 and isinstance(errors[0], ValueError)


def test_snapshot_end_closes_the_ticker() -> None:
    client, t = client_with_ticker()
    t.snapshot = True
    client.on_messages(0, decode(f"1␀6␀{RID}␀1␀5␀5␀0␀", f"57␀1␀{RID}␀"))
    assert not t.active and t.error is None and t.bid == 5.0
    assert RID not in client._tickers


def test_reference_price_uses_last_then_mid() -> None:
    client, _ = client_with_ticker()
    assert client._reference_price(AAPL) is None
    client.on_messages(0, decode(f"1␀6␀{RID}␀1␀100␀5␀0␀", f"1␀6␀{RID}␀2␀102␀5␀0␀"))
    assert client._reference_price(AAPL) == 101.0
    client.on_messages(0, decode(f"1␀6␀{RID}␀4␀101.5␀5␀0␀"))
    assert client._reference_price(AAPL) == 101.5
    assert client._reference_price(Contract(con_id=1)) is None


# --- depth ---------------------------------------------------------------------------------------


def levels(rows: list[DepthLevel]) -> list[tuple[float, float, str]]:
    return [(lv.price, lv.size, lv.market_maker) for lv in rows]


def client_with_book(rows: int = 5) -> tuple[IBKRClient, DepthBook]:
    client = IBKRClient()
    book = DepthBook(AAPL, RID, rows, smart=False)
    client._books[RID] = book
    return client, book


def test_depth_book_from_market_depth_rows() -> None:
    client, book = client_with_book()
    client.on_messages(
        0,
        decode(
            # MARKET_DEPTH: version, id, position, operation (0 insert 1 update 2 delete), side (0 ask 1 bid)
            f"12␀1␀{RID}␀0␀0␀0␀10.02␀100␀",
            f"12␀1␀{RID}␀1␀0␀0␀10.03␀200␀",
            f"12␀1␀{RID}␀0␀0␀1␀10.01␀300␀",
            f"12␀1␀{RID}␀1␀0␀1␀10.0␀400␀",
        ),
    )
    assert levels(book.asks) == [(10.02, 100.0, ""), (10.03, 200.0, "")]
    assert levels(book.bids) == [(10.01, 300.0, ""), (10.0, 400.0, "")]
    assert book.updates == 1
    client.on_messages(
        0,
        decode(
            f"12␀1␀{RID}␀0␀0␀0␀10.015␀50␀",  # new best ask: the rest shift down
            f"12␀1␀{RID}␀2␀2␀0␀10.03␀0␀",  # delete the old second level, now third
            f"12␀1␀{RID}␀1␀1␀1␀10.0␀450␀",  # size change
            f"12␀1␀{RID}␀0␀2␀1␀10.01␀0␀",  # best bid gone
        ),
    )
    assert levels(book.asks) == [(10.015, 50.0, ""), (10.02, 100.0, "")]
    assert levels(book.bids) == [(10.0, 450.0, "")]
    assert book.best_bid == DepthLevel(10.0, 450.0) and book.best_ask == DepthLevel(10.015, 50.0)
    assert book.updates == 2


def test_depth_l2_rows_keep_the_market_maker_and_rows_limit() -> None:
    client, book = client_with_book(rows=2)
    client.on_messages(
        0,
        decode(
            f"13␀1␀{RID}␀0␀NSDQ␀0␀1␀10.01␀300␀1␀",
            f"13␀1␀{RID}␀0␀ARCA␀0␀1␀10.02␀100␀1␀",
            f"13␀1␀{RID}␀0␀BATS␀0␀1␀10.03␀100␀1␀",  # beyond 2 rows: the worst falls off
        ),
    )
    assert levels(book.bids) == [(10.03, 100.0, "BATS"), (10.02, 100.0, "ARCA")]


def test_depth_rows_past_the_end_and_reset_on_317() -> None:
    client, book = client_with_book()
    client.on_messages(
        0,
        decode(
            f"12␀1␀{RID}␀3␀1␀0␀10.5␀10␀",  # update past the end: appended
            f"12␀1␀{RID}␀7␀2␀0␀10.5␀0␀",  # delete past the end: ignored
        ),
    )
    assert levels(book.asks) == [(10.5, 10.0, "")]
    warnings: list[Any] = []
    client.events.on("warning", warnings.append)
    reset = f"4␀{RID}␀317␀Market depth data has been RESET. Please empty deep book.␀␀1700000000000␀"
    client.on_messages(0, decode(reset))
    assert book.asks == [] and book.bids == [] and book.resets == 1
    assert [w.code for w in warnings] == [317]


async def test_iterators_conflate_and_end_on_close() -> None:
    client, t = client_with_ticker()
    it = t.__aiter__()
    client.on_messages(0, decode(f"1␀6␀{RID}␀1␀5␀5␀0␀"))
    client.on_messages(0, decode(f"1␀6␀{RID}␀1␀6␀5␀0␀"))
    first = await it.__anext__()
    assert first is t and t.bid == 6.0  # two batches, one wake-up with the latest state
    t._close()
    with pytest.raises(StopAsyncIteration):
        await it.__anext__()
