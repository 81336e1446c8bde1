"""ibkr.protocol: a sans-I/O codec of the TWS socket protocol, in both roles.

Bytes in, typed messages out; typed messages in, bytes out. Nothing here touches sockets,
asyncio, clocks or logging, and nothing here imports from the layers above (transport, client,
stream, sim). See ``connection.py`` for the state machine and ``messages/`` for the message types.
"""

from __future__ import annotations

from ibkr.protocol import messages
from ibkr.protocol.connection import (
    NEED_DATA,
    ClientConnection,
    ClientHello,
    ConnectionReady,
    Role,
    ServerConnection,
    ServerHello,
    State,
)
from ibkr.protocol.framing import MAX_FRAME_SIZE, FrameBuffer, frame
from ibkr.protocol.ids import MAX_SUPPORTED_VERSION, MIN_SUPPORTED_VERSION, SV, In, Out
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    SERVER_MESSAGES,
    ClientMessage,
    Message,
    ServerMessage,
    decode_payload,
    encode_payload,
)
from ibkr.protocol.models import ComboLeg, Contract, DeltaNeutralContract, TagValue

__all__ = [
    "messages",
    "NEED_DATA",
    "ClientConnection",
    "ClientHello",
    "ConnectionReady",
    "Role",
    "ServerConnection",
    "ServerHello",
    "State",
    "MAX_FRAME_SIZE",
    "FrameBuffer",
    "frame",
    "MAX_SUPPORTED_VERSION",
    "MIN_SUPPORTED_VERSION",
    "SV",
    "In",
    "Out",
    "CLIENT_MESSAGES",
    "SERVER_MESSAGES",
    "ClientMessage",
    "Message",
    "ServerMessage",
    "decode_payload",
    "encode_payload",
    "Contract",
    "ComboLeg",
    "DeltaNeutralContract",
    "TagValue",
]
