"""Contract lookup: REQ_CONTRACT_DATA through the engine's resolve (CONTRACT_DATA per match, then
CONTRACT_DATA_END; no match: ERR_MSG 200 with the request id and no end), REQ_MATCHING_SYMBOLS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ibkr.protocol.message import Message
from ibkr.protocol.messages.contracts import (
    ContractData,
    ContractDataEnd,
    ReqContractData,
    ReqMatchingSymbols,
    SymbolSamples,
)
from ibkr.protocol.models import Contract
from ibkr.sim import translate
from ibkr.sim.instruments import Instrument
from ibkr.sim.session import SimSession

if TYPE_CHECKING:
    from ibkr.sim.server import Handler, Simulator

__all__ = ["HANDLERS", "NO_SECURITY", "resolve_one"]

NO_SECURITY = "No security definition has been found for the request"
_MAX_SAMPLES = 16


def resolve_one(sim: Simulator, session: SimSession, req_id: int, contract: Contract) -> Instrument | None:
    """The one instrument a market-data / historical request names, or ERR_MSG 200 and None."""
    found = sim.exchange.resolve(translate.query_of(contract))
    if len(found) == 1:
        return found[0]
    text = NO_SECURITY if not found else f"The contract description specified for {contract.symbol} is ambiguous."
    session.send_error(req_id, 200, text)
    return None


def req_contract_data(sim: Simulator, session: SimSession, msg: ReqContractData) -> None:
    found = sim.exchange.resolve(translate.query_of(msg.contract))
    if not found:
        session.send_error(msg.req_id, 200, NO_SECURITY)
        return
    for inst in found:
        details = translate.details_of(inst, sim.exchange.hours(inst.con_id), msg.contract.exchange)
        session.send(ContractData(msg.req_id, details))
    session.send(ContractDataEnd(msg.req_id))


def req_matching_symbols(sim: Simulator, session: SimSession, msg: ReqMatchingSymbols) -> None:
    pattern = msg.pattern.upper()
    hits = [
        i
        for i in sim.exchange.universe
        if pattern and (i.symbol.startswith(pattern) or i.local_symbol.startswith(pattern) or pattern in i.long_name)
    ]
    session.send(SymbolSamples(msg.req_id, [translate.description_of(i) for i in hits[:_MAX_SAMPLES]]))


HANDLERS: dict[type[Message], Handler] = {
    ReqContractData: req_contract_data,
    ReqMatchingSymbols: req_matching_symbols,
}
