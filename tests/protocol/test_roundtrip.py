"""Generic properties over every sample message of every domain (tests/protocol/samples_*.py):

* encode -> decode is the identity at every supported version that can carry the message;
* decoding does not depend on how the bytes are chunked (whole, byte by byte, random splits);
* two protocol cores back to back complete the handshake and exchange every message.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr.protocol import NEED_DATA, ClientConnection, ConnectionReady, ServerConnection, State
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    SERVER_MESSAGES,
    ClientMessage,
    Message,
    decode_payload,
    encode_payload,
    refused_fields,
)
from ibkr.protocol.messages.system import ManagedAccts, NextValidId
from tests.protocol.samples import SAMPLES

pytestmark = pytest.mark.usefixtures("decoders")

VERSIONS = [176, 177, 178, 187, 190, 192, 194, 196, 199, 200]


def registry_for(msg: Message) -> dict[int, type[Message]]:
    return CLIENT_MESSAGES if isinstance(msg, ClientMessage) else SERVER_MESSAGES  # type: ignore[return-value]


def carried(msg: Message, sv: int) -> bool:
    """``sv`` can carry the message, and every value in it (else encoding raises VersionError)."""
    return sv >= type(msg).SINCE and not refused_fields(msg, sv)


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_encode_decode_identity(msg: Message, sv: int) -> None:
    if not carried(msg, sv):
        pytest.skip("not carried at this version")
    payload = encode_payload(msg, sv)
    again = decode_payload(payload, sv, registry_for(msg))
    assert again == normalise(msg, sv)
    assert encode_payload(again, sv) == payload  # type: ignore[arg-type]


def normalise(msg: Message, sv: int) -> Message:
    """What survives a trip at ``sv``: fields the version cannot carry come back as defaults."""
    return decode_payload(encode_payload(msg, sv), sv, registry_for(msg))  # type: ignore[return-value]


def ready_pair(sv: int = 200) -> tuple[ClientConnection, ServerConnection]:
    client = ClientConnection(max_version=sv)
    server = ServerConnection()
    server.receive_data(client.initiate())
    assert server.next_event() is not NEED_DATA
    client.receive_data(server.accept("20250323 22:21:01 EST"))
    client.next_event()
    server.receive_data(client.start_api(7))
    server.next_event()
    client.receive_data(server.send(ManagedAccts("DU1234567")) + server.send(NextValidId(1)))
    events = [client.next_event() for _ in range(3)]
    assert isinstance(events[2], ConnectionReady)
    assert client.state is State.READY and server.state is State.READY
    return client, server


@pytest.mark.parametrize("sv", [176, 187, 200])
def test_back_to_back_exchange_every_message(sv: int) -> None:
    client, server = ready_pair(sv)
    to_server = [m for m in SAMPLES if isinstance(m, ClientMessage) and carried(m, sv)]
    to_client = [m for m in SAMPLES if not isinstance(m, ClientMessage) and carried(m, sv)]
    server.receive_data(b"".join(client.send(m) for m in to_server))
    got = drain(server)
    assert got == [normalise(m, sv) for m in to_server]
    data = b"".join(server.send(m) for m in to_client)
    assert client.receive_messages(data) == [normalise(m, sv) for m in to_client]


def drain(conn: ClientConnection | ServerConnection) -> list[object]:
    out = []
    while (ev := conn.next_event()) is not NEED_DATA:
        out.append(ev)
    return out


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=100_000), max_size=40), sv=st.sampled_from([176, 187, 200]))
def test_chunking_does_not_matter(cuts: list[int], sv: int) -> None:
    client, server = ready_pair(sv)
    to_client = [m for m in SAMPLES if not isinstance(m, ClientMessage) and carried(m, sv)]
    data = b"".join(server.send(m) for m in to_client)
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    got: list[object] = []
    for piece in pieces:
        got.extend(client.receive_messages(piece))
    assert got == [normalise(m, sv) for m in to_client]


def test_one_byte_at_a_time_with_trailing_partial_frame() -> None:
    client, server = ready_pair(187)
    to_client = [m for m in SAMPLES if not isinstance(m, ClientMessage) and carried(m, 187)]
    data = b"".join(server.send(m) for m in to_client)
    trailing = server.send(NextValidId(99))[:-3]
    got: list[object] = []
    for i in range(len(data + trailing)):
        client.receive_data((data + trailing)[i : i + 1])
        got.extend(drain(client))
    assert got == [normalise(m, 187) for m in to_client]
    client.receive_data(server.send(NextValidId(99))[-3:])
    assert drain(client) == [NextValidId(99)]
