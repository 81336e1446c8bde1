"""The dependency rule (STYLE.md): ``ibkr.protocol`` imports nothing above it, and the simulator
never imports the client (else it would share the client's bugs). Checked by reading imports."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ibkr"

FORBIDDEN = {
    "protocol": (
        "ibkr.transport",
        "ibkr.client",
        "ibkr.stream",
        "ibkr.sim",
        "ibkr.cli",
        "ibkr.gateway",
        "asyncio",
        "socket",
        "logging",
        "time",
        "threading",
        "selectors",
        "ssl",
    ),
    "sim": ("ibkr.client", "ibkr.stream", "ibkr.gateway", "ibkr.transport", "ibkr.cli", "ibkr.commands"),
    # the transport touches sockets for the layers above and knows nothing of them
    "transport": ("ibkr.client", "ibkr.stream", "ibkr.gateway", "ibkr.sim", "ibkr.cli", "ibkr.commands"),
    # the client and the data stream never lean on the simulator (it is only their test peer)
    "client": ("ibkr.sim", "ibkr.stream", "ibkr.cli", "ibkr.commands"),
    "stream": ("ibkr.sim", "ibkr.cli", "ibkr.commands"),
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_layers_import_only_downwards() -> None:
    checked = 0
    for package, banned in FORBIDDEN.items():
        for path in (SRC / package).rglob("*.py"):
            checked += 1
            for name in imports_of(path):
                for prefix in banned:
                    assert not (name == prefix or name.startswith(prefix + ".")), f"{path.name} imports {name}"
    assert checked > 5
