"""Seed compatibility module: ``from ibkr_client import IBKRClient, ConnectionConfig``.

It re-exports the public names of ``ibkr.client`` (the asyncio client, its public types and
``BlockingClient``, the thread-safe blocking facade); the list lives there only.
"""

from __future__ import annotations

from ibkr.client import *  # noqa: F403
from ibkr.client import __all__ as __all__
