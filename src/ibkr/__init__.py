"""ibkr: a low-latency, resilient Python client for Interactive Brokers' TWS / IB Gateway API."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
