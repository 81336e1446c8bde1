"""Account requests: positions, account updates (REQ_ACCT_DATA), account summary, the *_MULTI
variants ib_async sends at connect, and PnL. Every answer comes from the engine's accounts, so it
is consistent with the fills. ``push`` sends the periodic updates (changed values only, PnL every
time); ``position_changed`` the immediate ones after a fill."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ibkr.protocol.message import Message
from ibkr.protocol.messages.account import (
    AccountSummary,
    AccountSummaryEnd,
    AccountUpdateMulti,
    AccountUpdateMultiEnd,
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    CancelAccountSummary,
    CancelAccountUpdatesMulti,
    CancelPnl,
    CancelPnlSingle,
    CancelPositions,
    CancelPositionsMulti,
    Pnl,
    PnlSingle,
    PositionEnd,
    PositionMultiEnd,
    ReqAccountSummary,
    ReqAccountUpdatesMulti,
    ReqAcctData,
    ReqPnl,
    ReqPnlSingle,
    ReqPositions,
    ReqPositionsMulti,
)
from ibkr.sim import translate
from ibkr.sim.account import AccountValue
from ibkr.sim.events import PositionUpdate
from ibkr.sim.instruments import zone
from ibkr.sim.session import SimSession

if TYPE_CHECKING:
    from ibkr.sim.server import Handler, Simulator

__all__ = ["HANDLERS", "push", "position_changed", "summary_rows"]

#: keys that belong to the ledger ($LEDGER tags of REQ_ACCOUNT_SUMMARY) rather than to the summary
_LEDGER_KEYS = frozenset({"CashBalance", "ExchangeRate", "NetLiquidationByCurrency"})


def _accounts(sim: Simulator, name: str) -> list[str]:
    """An account name, or every account for "" / "All" / a group name."""
    return [name] if name in sim.exchange.accounts else list(sim.exchange.accounts)


def summary_rows(sim: Simulator, account: str, tags: str) -> list[AccountValue]:
    """The rows of REQ_ACCOUNT_SUMMARY for ``tags`` (comma separated; ``All`` = every summary tag;
    ``$LEDGER`` base currency, ``$LEDGER:ALL`` every currency, ``$LEDGER:CCY`` one)."""
    rows = sim.exchange.account_values(account)
    wanted = {t.strip() for t in tags.split(",") if t.strip()}
    out: list[AccountValue] = []
    for row in rows:
        if row.key in _LEDGER_KEYS:
            ledger = {"$LEDGER": row.currency == "BASE", "$LEDGER:ALL": True}
            if any(ledger.get(t, t == f"$LEDGER:{row.currency}") for t in wanted if t.startswith("$LEDGER")):
                out.append(row)
        elif row.key in wanted or "All" in wanted:
            out.append(row)
    return out


# --- positions ------------------------------------------------------------------------------------


def req_positions(sim: Simulator, session: SimSession, msg: ReqPositions) -> None:
    session.account.positions = True
    session.send_many(translate.position_data(p) for p in sim.exchange.positions())
    session.send(PositionEnd())


def cancel_positions(sim: Simulator, session: SimSession, msg: CancelPositions) -> None:
    session.account.positions = False


def req_positions_multi(sim: Simulator, session: SimSession, msg: ReqPositionsMulti) -> None:
    account = msg.account if msg.account in sim.exchange.accounts else ""
    session.account.positions_multi[msg.req_id] = account
    session.send_many(translate.position_multi(msg.req_id, p) for p in sim.exchange.positions(account or None))
    session.send(PositionMultiEnd(msg.req_id))


def cancel_positions_multi(sim: Simulator, session: SimSession, msg: CancelPositionsMulti) -> None:
    session.account.positions_multi.pop(msg.req_id, None)


def position_changed(sim: Simulator, e: PositionUpdate) -> None:
    """After a fill: POSITION_DATA / POSITION_MULTI to position subscribers, PORTFOLIO_VALUE to the
    account's REQ_ACCT_DATA subscribers."""
    row = next((r for r in sim.exchange.portfolio(e.account) if r.instrument.con_id == e.instrument.con_id), None)
    for s in sim.sessions:
        subs = s.account
        if subs.positions:
            s.send(translate.position_data(e))
        for req_id, account in subs.positions_multi.items():
            if account in ("", e.account):
                s.send(translate.position_multi(req_id, e))
        if subs.acct_data == e.account and row is not None:
            s.send(translate.portfolio_value(row))


# --- account updates ------------------------------------------------------------------------------


def _update_time(sim: Simulator) -> str:
    return dt.datetime.fromtimestamp(sim.clock.time(), zone(sim.exchange.time_zone)).strftime("%H:%M")


def _push_acct_data(sim: Simulator, session: SimSession) -> None:
    account = session.account.acct_data
    if account is None:
        return
    sent = session.account.acct_sent
    for row in sim.exchange.account_values(account):
        key = (row.key, row.currency)
        if sent.get(key) != row.value:
            sent[key] = row.value
            session.send(AcctValue(row.key, row.value, row.currency, account))
    session.send_many(translate.portfolio_value(r) for r in sim.exchange.portfolio(account))
    session.send(AcctUpdateTime(_update_time(sim)))


def req_acct_data(sim: Simulator, session: SimSession, msg: ReqAcctData) -> None:
    """REQ_ACCT_DATA: one account subscription per session; subscribing sends the whole account,
    then ACCT_DOWNLOAD_END."""
    if not msg.subscribe:
        session.account.acct_data = None
        return
    account = msg.acct_code if msg.acct_code in sim.exchange.accounts else sim.exchange.default_account
    session.account.acct_data = account
    session.account.acct_sent.clear()
    _push_acct_data(sim, session)
    session.send(AcctDownloadEnd(account))


def _push_updates_multi(sim: Simulator, session: SimSession, req_id: int) -> None:
    account, sent = session.account.updates_multi[req_id]
    for name in _accounts(sim, account):
        for row in sim.exchange.account_values(name):
            key = (name, f"{row.key}/{row.currency}")
            if sent.get(key) != row.value:
                sent[key] = row.value
                session.send(AccountUpdateMulti(req_id, name, "", row.key, row.value, row.currency))
    session.send(AccountUpdateMultiEnd(req_id))


def req_account_updates_multi(sim: Simulator, session: SimSession, msg: ReqAccountUpdatesMulti) -> None:
    session.account.updates_multi[msg.req_id] = (msg.account, {})
    _push_updates_multi(sim, session, msg.req_id)


def cancel_account_updates_multi(sim: Simulator, session: SimSession, msg: CancelAccountUpdatesMulti) -> None:
    session.account.updates_multi.pop(msg.req_id, None)


# --- account summary ------------------------------------------------------------------------------


def _push_summary(sim: Simulator, session: SimSession, req_id: int, end: bool) -> None:
    tags, sent = session.account.summaries[req_id]
    for account in sim.exchange.accounts:
        for row in summary_rows(sim, account, tags):
            key = (account, row.key, row.currency)
            if sent.get(key) != row.value:
                sent[key] = row.value
                session.send(AccountSummary(req_id, account, row.key, row.value, row.currency))
    if end:
        session.send(AccountSummaryEnd(req_id))


def req_account_summary(sim: Simulator, session: SimSession, msg: ReqAccountSummary) -> None:
    session.account.summaries[msg.req_id] = (msg.tags, {})
    _push_summary(sim, session, msg.req_id, end=True)


def cancel_account_summary(sim: Simulator, session: SimSession, msg: CancelAccountSummary) -> None:
    session.account.summaries.pop(msg.req_id, None)


# --- PnL ------------------------------------------------------------------------------------------


def _send_pnl(sim: Simulator, session: SimSession, req_id: int, account: str) -> None:
    s = sim.exchange.summary(account)
    session.send(Pnl(req_id, s.daily_pnl, s.unrealized_pnl, s.realized_pnl))


def _send_pnl_single(sim: Simulator, session: SimSession, req_id: int, account: str, con_id: int) -> None:
    p = sim.exchange.pnl_single(con_id, account)
    if p is not None:  # TWS stays silent for a contract the account never held
        session.send(PnlSingle(req_id, p.position, p.daily_pnl, p.unrealized_pnl, p.realized_pnl, p.value))


def req_pnl(sim: Simulator, session: SimSession, msg: ReqPnl) -> None:
    account = msg.account if msg.account in sim.exchange.accounts else sim.exchange.default_account
    session.account.pnl[msg.req_id] = account
    _send_pnl(sim, session, msg.req_id, account)


def cancel_pnl(sim: Simulator, session: SimSession, msg: CancelPnl) -> None:
    session.account.pnl.pop(msg.req_id, None)


def req_pnl_single(sim: Simulator, session: SimSession, msg: ReqPnlSingle) -> None:
    account = msg.account if msg.account in sim.exchange.accounts else sim.exchange.default_account
    session.account.pnl_single[msg.req_id] = (account, msg.con_id)
    _send_pnl_single(sim, session, msg.req_id, account, msg.con_id)


def cancel_pnl_single(sim: Simulator, session: SimSession, msg: CancelPnlSingle) -> None:
    session.account.pnl_single.pop(msg.req_id, None)


# --- periodic -------------------------------------------------------------------------------------


def push(sim: Simulator) -> None:
    """The periodic account push (every ``account_push_interval``)."""
    for session in sim.sessions:
        subs = session.account
        _push_acct_data(sim, session)
        for req_id in subs.summaries:
            _push_summary(sim, session, req_id, end=False)
        for req_id in subs.updates_multi:
            _push_updates_multi(sim, session, req_id)
        for req_id, account in subs.pnl.items():
            _send_pnl(sim, session, req_id, account)
        for req_id, (account, con_id) in subs.pnl_single.items():
            _send_pnl_single(sim, session, req_id, account, con_id)


HANDLERS: dict[type[Message], Handler] = {
    ReqPositions: req_positions,
    CancelPositions: cancel_positions,
    ReqPositionsMulti: req_positions_multi,
    CancelPositionsMulti: cancel_positions_multi,
    ReqAcctData: req_acct_data,
    ReqAccountUpdatesMulti: req_account_updates_multi,
    CancelAccountUpdatesMulti: cancel_account_updates_multi,
    ReqAccountSummary: req_account_summary,
    CancelAccountSummary: cancel_account_summary,
    ReqPnl: req_pnl,
    CancelPnl: cancel_pnl,
    ReqPnlSingle: req_pnl_single,
    CancelPnlSingle: cancel_pnl_single,
}
