"""Every sample message of every domain, for the generic round-trip and back-to-back tests."""

from __future__ import annotations

import importlib

from ibkr.protocol.message import Message

_DOMAINS = ["system", "market_data", "orders", "account", "contracts", "reference"]

SAMPLES: list[Message] = []
for _name in _DOMAINS:
    try:
        _mod = importlib.import_module(f"tests.protocol.samples_{_name}")
    except ModuleNotFoundError as exc:  # a domain not written yet
        if exc.name != f"tests.protocol.samples_{_name}":
            raise
        continue
    SAMPLES.extend(_mod.SAMPLES)
