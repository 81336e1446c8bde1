"""The official client (ibapi-stable) as a test oracle, driven without sockets.

* ``ibapi_sent(sv, call)`` runs ``call(client)`` on an ``EClient`` whose connection captures the
  bytes it would send at server version ``sv``, and returns the payloads (length prefix removed).
* ``ibapi_decode(sv, payload)`` feeds one server payload to the official ``Decoder`` and returns
  the wrapper callbacks it produced and how many fields it left unread.

Test-only: the runtime never imports ibapi.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ibapi.client import EClient
from ibapi.decoder import Decoder
from ibapi.wrapper import EWrapper


class _CaptureConn:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def isConnected(self) -> bool:
        return True

    def sendMsg(self, msg: bytes) -> None:
        self.sent.append(msg)


@dataclass
class Recorder:
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def only(self, name: str) -> tuple[Any, ...]:
        """The arguments of the single call named ``name`` (asserting there is exactly one)."""
        found = [args for n, args in self.calls if n == name]
        assert len(found) == 1, f"expected one {name} call, got {self.calls}"
        return found[0]


def recording_wrapper() -> tuple[EWrapper, Recorder]:
    rec = Recorder()
    wrapper = EWrapper()
    for name in dir(EWrapper):
        if name.startswith("_") or not callable(getattr(EWrapper, name)):
            continue

        def make(n: str) -> Callable[..., None]:
            def record(*args: Any) -> None:
                rec.calls.append((n, args))

            return record

        setattr(wrapper, name, make(name))
    return wrapper, rec


def ibapi_client(sv: int, client_id: int = 0) -> tuple[EClient, _CaptureConn, Recorder]:
    wrapper, rec = recording_wrapper()
    client = EClient(wrapper)
    conn = _CaptureConn()
    client.conn = conn
    client.connState = EClient.CONNECTED
    client.serverVersion_ = sv
    client.clientId = client_id
    return client, conn, rec


def ibapi_sent(sv: int, call: Callable[[EClient], Any]) -> list[bytes]:
    """Payloads the official client sends for ``call`` at ``sv``; fails if it reported an error."""
    client, conn, rec = ibapi_client(sv)
    call(client)
    errors = [args for name, args in rec.calls if name == "error"]
    assert not errors, f"official client refused the request: {errors}"
    out = []
    for msg in conn.sent:
        (size,) = struct.unpack(">I", msg[:4])
        assert size == len(msg) - 4
        out.append(msg[4:])
    return out


def ibapi_refused(sv: int, call: Callable[[EClient], Any]) -> list[tuple[Any, ...]]:
    """The errors the official client reports for ``call`` at ``sv``; fails if it sent anything."""
    client, conn, rec = ibapi_client(sv)
    call(client)
    assert not conn.sent, f"official client sent {conn.sent!r}"
    return [args for name, args in rec.calls if name == "error"]


class _CountingIter(Iterator[bytes]):
    def __init__(self, fields: tuple[bytes, ...]) -> None:
        self.fields = fields
        self.pos = 0

    def __next__(self) -> bytes:
        if self.pos >= len(self.fields):
            raise StopIteration
        self.pos += 1
        return self.fields[self.pos - 1]


@dataclass
class Decoded:
    recorder: Recorder
    leftover: int

    @property
    def calls(self) -> list[tuple[str, tuple[Any, ...]]]:
        return self.recorder.calls


def ibapi_decode(sv: int, payload: bytes) -> Decoded:
    """Decode one text payload (``id NUL fields...``) with the official decoder at ``sv``."""
    wrapper, rec = recording_wrapper()
    decoder = Decoder(wrapper, sv)
    head, _, rest = payload.partition(b"\0")
    msg_id = int(head)
    fields = tuple(rest.split(b"\0")[:-1])
    info = decoder.msgId2handleInfo[msg_id]
    if info.wrapperMeth is not None:
        decoder.interpretWithSignature(fields, info)
        return Decoded(rec, 0)
    it = _CountingIter(fields)
    info.processMeth(decoder, it)
    return Decoded(rec, len(fields) - it.pos)
