"""``decoders``: run a test once with the compiled decoder and once with the pure-Python one.

Modules that exercise ``ClientConnection.receive_messages`` apply it to every test
(``pytestmark = pytest.mark.usefixtures("decoders")``): the two paths must give the same
messages, the same errors and the same frame accounting. Where the extension is not built, the
native run is skipped (it would silently be the Python one).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ibkr.protocol import connection, native


@pytest.fixture(params=["native", "python"])
def decoders(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "native":
        if not native.ENABLED:
            pytest.skip("the compiled decoder is not built (or IBKR_PURE_PYTHON is set)")
    else:
        monkeypatch.setattr(connection, "plan_for", lambda sv: None)
    yield request.param
