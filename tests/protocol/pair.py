"""``ready_client``: a client core and a server core back to back, past the handshake (READY)."""

from __future__ import annotations

from ibkr.protocol import NEED_DATA, ClientConnection, ServerConnection
from ibkr.protocol.messages.system import ManagedAccts, NextValidId


def ready_client(sv: int = 200, native: bool = True) -> tuple[ClientConnection, ServerConnection]:
    """``native``: the client decodes with the compiled decoder where it is built."""
    client, server = ClientConnection(max_version=sv, native=native), ServerConnection()
    server.receive_data(client.initiate())
    server.next_event()
    client.receive_data(server.accept("t"))
    client.next_event()
    server.receive_data(client.start_api(1))
    server.next_event()
    client.receive_data(server.send(ManagedAccts("DU1")) + server.send(NextValidId(1)))
    while client.next_event() is not NEED_DATA:
        pass
    return client, server
