"""ibkr.transport: the only layer that touches sockets.

Byte streams, the session (one socket + one protocol connection), pacing and reconnection live
here; ``ibkr.protocol`` below it stays sans-I/O. Import the pieces from their modules
(``ibkr.transport.pacing``, ``ibkr.transport.backoff``, ...).
"""

__all__: list[str] = []
