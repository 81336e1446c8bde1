"""Reader of the recorded TWS traffic in ../shared/fixtures/tws-captures (format in its README)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: the recorded traffic lives in the project's shared folder beside the repository (CI lays it
#: there); IBKR_CAPTURES points elsewhere. Without it the capture tests are skipped, saying why.
CAPTURES = Path(
    os.environ.get("IBKR_CAPTURES") or Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "tws-captures"
)


@dataclass(frozen=True)
class Captured:
    file: str
    line: int
    tag: str  # "S" server->client, "C" client->server, "HS" handshake reply
    rebuilt: bool
    payload: bytes
    server_version: int


def have_captures() -> bool:
    return CAPTURES.is_dir()


def capture_files() -> list[Path]:
    if not CAPTURES.is_dir():
        return []
    return sorted(CAPTURES.glob("*/*.txt"))


def read_capture(path: Path) -> Iterator[Captured]:
    m = re.match(r"sv(\d+)_", path.name)
    assert m, path
    sv = int(m.group(1))
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        tag, payload = line.split("\t", 1)
        if tag == "!":
            continue
        body = bytes.fromhex(payload[4:]) if payload.startswith("hex:") else payload.replace("\u2400", "\0").encode()
        yield Captured(str(path.relative_to(CAPTURES)), lineno, tag.rstrip("~"), tag.endswith("~"), body, sv)


def all_captured() -> list[Captured]:
    return [c for p in capture_files() for c in read_capture(p)]
