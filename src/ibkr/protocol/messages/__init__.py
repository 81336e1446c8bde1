"""Typed TWS messages by domain. Importing this package registers every message class."""

from __future__ import annotations

from ibkr.protocol.messages import system
from ibkr.protocol.messages.system import *  # noqa: F403

__all__ = [*system.__all__]
