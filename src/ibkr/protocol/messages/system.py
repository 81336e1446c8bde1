"""Session-level messages: START_API, order ids, accounts list, server time and ERR_MSG.

Layouts per tws-protocol.md 2.4, 4.3 and 5.3 (checked against the official client's
``client.py`` / ``decoder.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ibkr.protocol.fields import INT, STR, STR_ESC, F, Version
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, ServerMessage, register

__all__ = [
    "StartApi",
    "ReqIds",
    "NextValidId",
    "ReqManagedAccts",
    "ManagedAccts",
    "ReqCurrentTime",
    "CurrentTime",
    "ReqCurrentTimeInMillis",
    "CurrentTimeInMillis",
    "ErrMsg",
]


@register
@dataclass(slots=True)
class StartApi(ClientMessage):
    """START_API (71): the first message after the handshake. There is no acknowledgement; TWS
    answers with MANAGED_ACCTS, NEXT_VALID_ID and the farm notices."""

    ID = Out.START_API
    LAYOUT = (F("_v", Version(2)), F("client_id", INT), F("optional_capabilities", STR))

    client_id: int = 0
    optional_capabilities: str = ""


@register
@dataclass(slots=True)
class ReqIds(ClientMessage):
    """REQ_IDS (8). TWS ignores num_ids; the official client sends it anyway."""

    ID = Out.REQ_IDS
    LAYOUT = (F("_v", Version(1)), F("num_ids", INT))

    num_ids: int = 1


@register
@dataclass(slots=True)
class NextValidId(ServerMessage):
    ID = In.NEXT_VALID_ID
    LAYOUT = (F("_v", Version(1)), F("order_id", INT))

    order_id: int = 0


@register
@dataclass(slots=True)
class ReqManagedAccts(ClientMessage):
    ID = Out.REQ_MANAGED_ACCTS
    LAYOUT = (F("_v", Version(1)),)


@register
@dataclass(slots=True)
class ManagedAccts(ServerMessage):
    """MANAGED_ACCTS (15): a comma-separated account list (a trailing comma is tolerated)."""

    ID = In.MANAGED_ACCTS
    LAYOUT = (F("_v", Version(1)), F("accounts_list", STR))

    accounts_list: str = ""

    @property
    def accounts(self) -> list[str]:
        return [a for a in self.accounts_list.split(",") if a]


@register
@dataclass(slots=True)
class ReqCurrentTime(ClientMessage):
    ID = Out.REQ_CURRENT_TIME
    LAYOUT = (F("_v", Version(1)),)


@register
@dataclass(slots=True)
class CurrentTime(ServerMessage):
    """CURRENT_TIME (49): server time in epoch seconds."""

    ID = In.CURRENT_TIME
    LAYOUT = (F("_v", Version(1)), F("time", INT))

    time: int = 0


@register
@dataclass(slots=True)
class ReqCurrentTimeInMillis(ClientMessage):
    ID = Out.REQ_CURRENT_TIME_IN_MILLIS
    SINCE = SV.CURRENT_TIME_IN_MILLIS


@register
@dataclass(slots=True)
class CurrentTimeInMillis(ServerMessage):
    ID = In.CURRENT_TIME_IN_MILLIS
    SINCE = SV.CURRENT_TIME_IN_MILLIS
    LAYOUT = (F("time_millis", INT),)

    time_millis: int = 0


@register
@dataclass(slots=True)
class ErrMsg(ServerMessage):
    """ERR_MSG (4): errors, warnings and notices. ``id`` is a request id, an order id or -1.

    Before sv 194 the message has a version field (2); from 194 it loses it and gains
    ``error_time`` (epoch milliseconds) at the end. ``advanced_order_reject_json`` exists from 166.
    The text is in unicode-escape form (``STR_ESC``): TWS escapes non-ASCII and the official
    decoder unescapes it from SV.ENCODE_MSG_ASCII7 (153), below our range.
    """

    ID = In.ERR_MSG
    LAYOUT = (
        F("_v", Version(2), until=SV.ERROR_TIME),
        F("id", INT),
        F("error_code", INT),
        F("error_string", STR_ESC),
        F("advanced_order_reject_json", STR, since=SV.ADVANCED_ORDER_REJECT),
        F("error_time", INT, since=SV.ERROR_TIME),
    )

    id: int = -1
    error_code: int = 0
    error_string: str = ""
    advanced_order_reject_json: str = ""
    error_time: int = 0
