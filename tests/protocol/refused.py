"""``within(msg, sv)``: ``msg`` without the values server version ``sv`` cannot carry.

``encode_payload`` refuses a request whose set values the version cannot carry
(``ClientMessage.REFUSED_BELOW``, as the official client does). Tests that run rich samples or
random messages at every version use this copy: those values are not on the wire at ``sv``
anyway, so the layout under test is the same.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, TypeVar

from ibkr.protocol.message import Message, refused_fields

M = TypeVar("M", bound=Message)


def _default(owner: Any, name: str) -> Any:
    f = next(f for f in dataclasses.fields(owner) if f.name == name)
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def within(msg: M, sv: int) -> M:
    refused = refused_fields(msg, sv)
    if not refused:
        return msg
    out = copy.deepcopy(msg)
    for path, _ in refused:
        *parents, name = path.split(".")
        owner: Any = out
        for p in parents:
            owner = getattr(owner, p)
        setattr(owner, name, _default(owner, name))
    return out
