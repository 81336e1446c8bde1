"""The handshake state machine in both roles, the frame layer's limits, and bad input.

Real bytes only: the client core's hello goes into the server core and back.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr.errors import DecodeError, FrameError, HandshakeError, LocalProtocolError, ProtocolError, VersionError
from ibkr.protocol import (
    NEED_DATA,
    ClientConnection,
    ClientHello,
    ConnectionReady,
    ServerConnection,
    ServerHello,
    State,
    frame,
)
from ibkr.protocol.framing import FrameBuffer
from ibkr.protocol.message import CLIENT_MESSAGES, SERVER_MESSAGES, Message
from ibkr.protocol.messages.system import (
    CurrentTime,
    ErrMsg,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqCurrentTimeInMillis,
    StartApi,
)
from tests.protocol.pair import ready_client

pytestmark = pytest.mark.usefixtures("decoders")


def test_client_hello_bytes() -> None:
    assert ClientConnection().initiate() == b"API\0" + frame(b"v176..200")
    assert ClientConnection(176, 187, "+PACEAPI").initiate() == b"API\0" + frame(b"v176..187 +PACEAPI")


def test_server_sees_options_and_answers_min_of_maxima() -> None:
    server = ServerConnection(max_version=187)
    server.receive_data(ClientConnection(176, 200, "+PACEAPI").initiate())
    assert server.next_event() == ClientHello(176, 200, "+PACEAPI")
    assert server.accept("20250415 19:38:30 British Summer Time") == frame(
        b"187\x0020250415 19:38:30 British Summer Time\x00"
    )
    assert server.server_version == 187


def test_server_accepts_official_client_range() -> None:
    server = ServerConnection()
    server.receive_data(b"API\0" + frame(b"v100..226"))
    assert server.next_event() == ClientHello(100, 226, "")
    assert server.negotiate() == 200


def test_server_refuses_range_it_cannot_serve() -> None:
    server = ServerConnection()
    server.receive_data(b"API\0" + frame(b"v100..150"))
    server.next_event()
    with pytest.raises(HandshakeError, match=r"100\.\.150"):
        server.accept("20250101 00:00:00 UTC")


def test_client_refuses_version_outside_its_range() -> None:
    client = ClientConnection(176, 187)
    client.initiate()
    client.receive_data(frame(b"173\x0020250101 00:00:00 EST\x00"))
    with pytest.raises(HandshakeError):
        client.next_event()
    assert client.state is State.ERROR


def test_client_cannot_be_configured_below_176() -> None:
    with pytest.raises(LocalProtocolError):
        ClientConnection(min_version=165, max_version=173)


@pytest.mark.parametrize("junk", [b"GET / HTTP/1.1\r\n", b"API\x01\0\0\0\x05v1..2"])
def test_server_rejects_non_tws_prefix(junk: bytes) -> None:
    server = ServerConnection()
    server.receive_data(junk)
    with pytest.raises(HandshakeError):
        server.next_event()


@pytest.mark.parametrize("hello", [b"v200..176", b"x176..200", b"v..200", b"v1x..2", b"\xff\xfe"])
def test_server_rejects_malformed_hello(hello: bytes) -> None:
    server = ServerConnection()
    server.receive_data(b"API\0" + frame(hello))
    with pytest.raises(HandshakeError):
        server.next_event()


def test_full_handshake_and_readiness_needs_both_messages() -> None:
    client, server = ClientConnection(), ServerConnection()
    server.receive_data(client.initiate())
    server.next_event()
    client.receive_data(server.accept("20230228 17:24:14 EST"))
    assert client.next_event() == ServerHello(200, "20230228 17:24:14 EST")
    assert client.state is State.AWAIT_START
    with pytest.raises(LocalProtocolError):
        client.receive_messages(b"")
    server.receive_data(client.start_api(3))
    assert server.next_event() == StartApi(3)
    assert server.client_id == 3 and server.state is State.READY
    client.receive_data(server.send(NextValidId(10)))
    assert client.next_event() == NextValidId(10)
    assert client.state is State.STARTING
    # an empty account list does not make the client ready (ib_async waits for a real one too)
    client.receive_data(server.send(ManagedAccts("")))
    assert client.next_event() == ManagedAccts("")
    assert client.next_event() is NEED_DATA
    client.receive_data(server.send(ManagedAccts("DU1,DU2,")))
    assert client.next_event() == ManagedAccts("DU1,DU2,")
    assert client.next_event() == ConnectionReady(10, ("DU1", "DU2"))
    assert client.state is State.READY


def test_roles_cannot_send_each_others_messages() -> None:
    client, server = ClientConnection(), ServerConnection()
    server.receive_data(client.initiate())
    server.next_event()
    client.receive_data(server.accept("t"))
    client.next_event()
    with pytest.raises(LocalProtocolError):
        client.send(NextValidId(1))  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError):
        server.send(ReqCurrentTime())  # type: ignore[arg-type]


def test_send_before_handshake_is_local_error() -> None:
    with pytest.raises(LocalProtocolError):
        ClientConnection().send(ReqCurrentTime())


def test_version_gate_raises_before_any_byte() -> None:
    client, server = ClientConnection(max_version=187), ServerConnection()
    server.receive_data(client.initiate())
    server.next_event()
    client.receive_data(server.accept("t"))
    client.next_event()
    before = client.bytes_out
    with pytest.raises(VersionError):
        client.send(ReqCurrentTimeInMillis())
    assert client.bytes_out == before


def test_nul_in_text_is_an_encode_error() -> None:
    server = ServerConnection()
    server.receive_data(ClientConnection().initiate())
    server.next_event()
    server.accept("t")
    with pytest.raises(ProtocolError, match="error_string"):
        server.send(ErrMsg(1, 200, "bad\0text"))


def test_unknown_message_is_counted_and_skipped() -> None:
    client, server = ready_client()
    data = frame(b"9999\x00x\x00") + server.send(CurrentTime(5)) + frame(b"9999\x00\x00")
    assert client.receive_messages(data) == [CurrentTime(5)]
    assert client.unknown_messages[9999] == 2


def test_malformed_message_fails_alone_and_loses_nothing() -> None:
    client, server = ready_client()
    bad = frame(b"49\x001\x00not-a-number\x00")
    data = server.send(CurrentTime(1)) + bad + server.send(CurrentTime(2))
    got = client.receive_messages(data)
    assert got[0] == CurrentTime(1) and got[2] == CurrentTime(2)
    err = got[1]
    assert isinstance(err, DecodeError)
    assert err.msg_name == "CurrentTime" and err.field == "time" and err.value == b"not-a-number"
    # the same through next_event: the error is raised, the stream continues
    client.receive_data(bad + server.send(CurrentTime(3)))
    with pytest.raises(DecodeError):
        client.next_event()
    assert client.next_event() == CurrentTime(3)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"49\x001\x00", "time"),  # truncated
        (b"49\x001\x005\x006\x00", "<end>"),  # surplus field
        (b"49\x001\x005", "<end>"),  # no final NUL
        (b"x9\x001\x005\x00", "<id>"),  # id not a number
        (b"", "<id>"),
    ],
)
def test_field_count_and_shape_errors_name_the_field(payload: bytes, field: str) -> None:
    client, _ = ready_client()
    client.receive_data(frame(payload))
    with pytest.raises(DecodeError) as err:
        client.next_event()
    assert err.value.field == field


def test_oversized_frame_is_fatal() -> None:
    client, _ = ready_client()
    client.receive_data(b"\x01\x00\x00\x00" + b"x" * 10)
    with pytest.raises(FrameError, match="exceeds"):
        client.next_event()
    assert client.state is State.ERROR
    with pytest.raises(FrameError):
        client.next_event()


def test_frame_buffer_limit_is_configurable_and_partial_frames_wait() -> None:
    fb = FrameBuffer(max_frame_size=8)
    fb.feed(frame(b"12345678")[:6])
    assert fb.frames() == []
    assert fb.buffered == 6
    fb.feed(frame(b"12345678")[6:] + frame(b"ab"))
    assert fb.frames() == [b"12345678", b"ab"]
    fb.feed(frame(b"123456789"))
    with pytest.raises(FrameError):
        fb.frames()
    with pytest.raises(FrameError):
        fb.feed(b"more")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"49\x001\x00", "time"),  # truncated
        (b"49\x001\x005\x006\x00", "<end>"),  # surplus field
        (b"49\x001\x005", "<end>"),  # no final NUL
        (b"1\x006\x001\x001\x00150.5\x00100\x000", "<end>"),  # hot id, no final NUL
        (b"1\x006\x001\x001\x00150.5\x00100\x000\x007\x00", "<end>"),  # hot id, surplus field
        (b"1\x006\x001\x001\x00x\x00100\x000\x00", "price"),  # hot id, bad value
        (b"x9\x001\x005\x00", "<id>"),  # id not a number
        (b"", "<id>"),
    ],
)
def test_hot_path_errors_are_items_naming_the_field(payload: bytes, field: str) -> None:
    client, server = ready_client()
    got = client.receive_messages(server.send(CurrentTime(1)) + frame(payload) + server.send(CurrentTime(2)))
    assert got[0] == CurrentTime(1) and got[2] == CurrentTime(2)
    assert isinstance(got[1], DecodeError) and got[1].field == field


def test_hot_path_oversized_frame_after_good_ones_is_fatal() -> None:
    client, server = ready_client()
    frames_before = client._frames.frames_in
    with pytest.raises(FrameError, match="exceeds"):
        client.receive_messages(server.send(CurrentTime(1)) + b"\x01\x00\x00\x00" + b"x" * 10)
    assert client.state is State.ERROR
    assert client._frames.frames_in == frames_before + 1
    with pytest.raises(FrameError):
        client.receive_data(b"more")


def test_hot_path_large_frame_in_many_reads() -> None:
    client, server = ready_client()
    big = server.send(ErrMsg(1, 2104, "x" * 100_000))
    data = server.send(CurrentTime(1)) + big + server.send(CurrentTime(2))
    got: list[object] = []
    for i in range(0, len(data), 999):
        got += client.receive_messages(data[i : i + 999])
    assert got == [CurrentTime(1), ErrMsg(1, 2104, "x" * 100_000), CurrentTime(2)]
    assert client._frames.buffered == 0


@given(st.binary(max_size=2000))
def test_fuzz_any_bytes_give_messages_or_protocol_errors(data: bytes) -> None:
    """The fuzz invariant: decoding never raises anything but our protocol errors."""
    client, _ = ready_client()
    try:
        for item in client.receive_messages(data):
            assert isinstance(item, (Message, DecodeError))
    except ProtocolError:
        pass


@given(st.lists(st.binary(max_size=60), max_size=20), st.sampled_from([176, 187, 200]))
def test_fuzz_framed_garbage_payloads(payloads: list[bytes], sv: int) -> None:
    """Well-framed garbage, with real message ids, reaches every decoder."""
    client, _ = ready_client(sv)
    data = b"".join(frame(p) for p in payloads)
    with contextlib.suppress(ProtocolError):
        client.receive_messages(data)


@given(
    st.sampled_from(sorted(SERVER_MESSAGES)),
    st.lists(st.sampled_from([b"", b"0", b"-1", b"1", b"2147483647", b"1.5", b"x", b"Infinity", b"\xff"]), max_size=80),
    st.sampled_from([176, 187, 200]),
)
def test_fuzz_field_soup_for_every_server_message(msg_id: int, fields: list[bytes], sv: int) -> None:
    client, _ = ready_client(sv)
    payload = str(msg_id).encode() + b"\0" + b"".join(f + b"\0" for f in fields)
    with contextlib.suppress(ProtocolError):
        client.receive_messages(frame(payload))


@given(
    st.sampled_from(sorted(CLIENT_MESSAGES)),
    st.lists(st.sampled_from([b"", b"0", b"-1", b"1", b"2147483647", b"1.5", b"x", b"BAG", b"\xff"]), max_size=80),
)
def test_fuzz_field_soup_for_every_client_message_in_server_role(msg_id: int, fields: list[bytes]) -> None:
    _client, server = ready_client(200)
    payload = str(msg_id).encode() + b"\0" + b"".join(f + b"\0" for f in fields)
    server.receive_data(frame(payload))
    with contextlib.suppress(ProtocolError):
        server.next_event()
