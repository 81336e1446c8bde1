"""Contracts: constructors for the common kinds, validation, and qualification to a con_id (cached).

``Stock("AAPL")``, ``Option("AAPL", "20250620", 200, "C")``, ``Future("ES", "202503", "CME")`` and
``Forex("EURUSD")`` build the wire ``Contract``. ``qualify_contract`` resolves it with
REQ_CONTRACT_DATA to exactly one contract with its con_id (an unknown contract fails with
``ContractNotFound`` from TWS's error 200; an ambiguous one with ``ContractNotFound`` too, listing
the candidates). Results are cached per description, so repeated orders on a symbol cost no round
trip.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, ClassVar

from ibkr.client.base import ClientBase
from ibkr.errors import ContractNotFound, OrderValidationError
from ibkr.protocol.message import Message
from ibkr.protocol.messages.contracts import ContractData, ContractDataEnd, ContractDetails, ReqContractData
from ibkr.protocol.models import Contract

__all__ = ["Stock", "Option", "Future", "Forex", "ContractsMixin", "validate_symbol"]

_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./&-]{0,31}$")


def validate_symbol(symbol: str) -> str:
    if not isinstance(symbol, str) or not _SYMBOL.match(symbol):
        raise OrderValidationError(f"{symbol!r} is not a valid symbol")
    return symbol.upper()


def Stock(symbol: str, exchange: str = "SMART", currency: str = "USD", primary_exchange: str = "") -> Contract:
    return Contract(
        symbol=validate_symbol(symbol),
        sec_type="STK",
        exchange=exchange,
        currency=currency,
        primary_exchange=primary_exchange,
    )


def Option(
    symbol: str,
    expiry: str,
    strike: float,
    right: str,
    exchange: str = "SMART",
    currency: str = "USD",
    multiplier: str = "100",
) -> Contract:
    r = right.upper()[:1]
    if r not in ("C", "P"):
        raise OrderValidationError(f"option right {right!r} must be C or P")
    if not strike > 0:
        raise OrderValidationError(f"option strike {strike!r} must be positive")
    return Contract(
        symbol=validate_symbol(symbol),
        sec_type="OPT",
        last_trade_date_or_contract_month=expiry,
        strike=float(strike),
        right=r,
        multiplier=multiplier,
        exchange=exchange,
        currency=currency,
    )


def Future(
    symbol: str, expiry: str = "", exchange: str = "CME", currency: str = "USD", local_symbol: str = ""
) -> Contract:
    return Contract(
        symbol=validate_symbol(symbol),
        sec_type="FUT",
        last_trade_date_or_contract_month=expiry,
        exchange=exchange,
        currency=currency,
        local_symbol=local_symbol,
    )


def Forex(pair: str, exchange: str = "IDEALPRO") -> Contract:
    """``Forex("EURUSD")`` or ``Forex("EUR.USD")``: base currency as symbol, quote as currency."""
    p = pair.replace(".", "").replace("/", "").upper()
    if len(p) != 6 or not p.isalpha():
        raise OrderValidationError(f"{pair!r} is not a currency pair like EURUSD")
    return Contract(symbol=p[:3], sec_type="CASH", exchange=exchange, currency=p[3:])


def _key(c: Contract) -> tuple[Any, ...]:
    return (
        c.con_id,
        c.symbol,
        c.sec_type,
        c.last_trade_date_or_contract_month,
        c.strike,
        c.right,
        c.multiplier,
        c.exchange,
        c.primary_exchange,
        c.currency,
        c.local_symbol,
        c.trading_class,
    )


class ContractsMixin(ClientBase):
    HANDLERS: ClassVar[dict[type[Message], str]] = {
        ContractData: "_on_contract_data",
        ContractDataEnd: "_on_contract_data_end",
    }

    _contract_cache: dict[tuple[Any, ...], ContractDetails]

    def _contracts_init(self) -> None:
        self._contract_cache = {}

    def _on_contract_data(self, slot: int, m: ContractData) -> None:
        self._item(m.req_id, m.contract_details)

    def _on_contract_data_end(self, slot: int, m: ContractDataEnd) -> None:
        self._end(m.req_id)

    async def get_contract_details(self, contract: Contract, timeout: float | None = None) -> list[ContractDetails]:
        """Every contract TWS matches to ``contract`` (REQ_CONTRACT_DATA)."""
        details: list[ContractDetails] = await self._request(
            "contract details", lambda rid: ReqContractData(req_id=rid, contract=contract), timeout=timeout
        )
        return details

    async def qualify_contract(self, contract: Contract, timeout: float | None = None) -> Contract:
        """The one contract matching ``contract``, with con_id and every field filled (cached)."""
        key = _key(contract)
        cached = self._contract_cache.get(key)
        if cached is None:
            found = await self.get_contract_details(contract, timeout)
            if not found:
                raise ContractNotFound(200, f"no contract matches {contract.symbol} {contract.sec_type}")
            if len(found) > 1:
                names = ", ".join(
                    f"{d.contract.local_symbol or d.contract.symbol}@{d.contract.primary_exchange}" for d in found[:5]
                )
                raise ContractNotFound(200, f"{contract.symbol} is ambiguous: {names}")
            cached = found[0]
            self._contract_cache[key] = cached
            self._contract_cache[_key(cached.contract)] = cached
        return replace(cached.contract)

    async def contract_details(self, contract: Contract, timeout: float | None = None) -> ContractDetails:
        """The details of the one contract matching ``contract`` (cached)."""
        await self.qualify_contract(contract, timeout)
        return self._contract_cache[_key(contract)]
