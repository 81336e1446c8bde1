"""ibkr: a low-latency, resilient Python client for Interactive Brokers' TWS / IB Gateway API.

The public names load lazily, so ``import ibkr.protocol`` stays free of asyncio and sockets::

    from ibkr import IBKRClient, ConnectionConfig, IBKRGateway, GatewayConfig, ConnectionMode
    from ibkr import IBKRDataStream, StreamConfig, DataType
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "IBKRClient": "ibkr.client",
    "ConnectionConfig": "ibkr.config",
    "OrderPolicy": "ibkr.config",
    "IBKRGateway": "ibkr.gateway",
    "GatewayConfig": "ibkr.config",
    "ConnectionMode": "ibkr.config",
    "StreamConfig": "ibkr.config",
    "IBKRDataStream": "ibkr.stream",
    "DataType": "ibkr.stream",
    "Stock": "ibkr.client",
    "Option": "ibkr.client",
    "Future": "ibkr.client",
    "Forex": "ibkr.client",
    "Simulator": "ibkr.sim",
    "SimConfig": "ibkr.sim",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ibkr' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
