"""``mutate``: edit a split payload the way the odd-payload property tests do."""

from __future__ import annotations

from collections.abc import Iterable


def mutate(fields: list[bytes], edits: Iterable[tuple[int, bytes, str]]) -> list[bytes]:
    """Apply ``(position, value, how)`` edits in place and return ``fields``: ``how`` is ``s``
    (substitute), ``i`` (insert) or ``d`` (delete); the position wraps and never reaches the id."""
    for pos, value, how in edits:
        pos = 1 + pos % len(fields)
        if how == "i":
            fields.insert(pos, value)
        elif pos < len(fields):
            if how == "s":
                fields[pos] = value
            else:
                del fields[pos]
    return fields
