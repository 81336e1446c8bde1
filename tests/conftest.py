"""Test-wide settings: Hypothesis profiles (CI runs thousands of fuzz cases)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the recorded captures (they live in the shared folder beside the repository, where
    CI lays them), the tests about them are skipped, saying so, instead of failing."""
    from tests.captures import CAPTURES, have_captures

    if have_captures():
        return
    skip = pytest.mark.skip(reason=f"recorded TWS captures not found at {CAPTURES} (set IBKR_CAPTURES)")
    for item in items:
        if "captur" in item.name:
            item.add_marker(skip)
