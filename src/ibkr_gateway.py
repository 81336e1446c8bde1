"""The seed's module name for the gateway: ``from ibkr_gateway import IBKRGateway, GatewayConfig, ConnectionMode``.

Everything lives in ``ibkr.gateway``; this module only re-exports it.
"""

from __future__ import annotations

from ibkr.config import ConnectionMode, GatewayConfig
from ibkr.gateway import ConnectionStatistics, GatewayStatistics, IBKRGateway, InboundMessage

__all__ = [
    "IBKRGateway",
    "GatewayConfig",
    "ConnectionMode",
    "InboundMessage",
    "GatewayStatistics",
    "ConnectionStatistics",
]
