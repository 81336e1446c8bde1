"""The end-to-end stream tests run twice: through the client's compiled dispatch loop and L1 update
(``ibkr.fastpath``, the default where it is built) and through the Python ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ibkr import fastpath

#: the modules that run a client against the simulator
E2E = {"test_read_delivery", "test_stream_sim", "test_ended", "test_seed_example"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__.rsplit(".", 1)[-1] in E2E:
        paths = ["compiled", "python"] if fastpath.ENABLED else ["python"]
        metafunc.parametrize("dispatch_path", paths, indirect=True)


@pytest.fixture(autouse=True)
def dispatch_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``python``: clients made in the test use the Python dispatch loop (``fastpath.DISPATCH``
    is what ``IBKRClient`` takes when it is made)."""
    path: str = getattr(request, "param", "compiled" if fastpath.ENABLED else "python")
    if path == "python":
        monkeypatch.setattr(fastpath, "DISPATCH", None)
    yield path
