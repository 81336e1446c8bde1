"""Type stub of the compiled decoder (``_native.c``); ``native.py`` is its Python face."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

SKIP: int
VERSION: int
INT: int
FLOAT: int
SIZE: int
STR: int
BOOL01: int
CALL: int
MAX_FIELDS: int

class Plan:
    def __init__(self, table: Mapping[int, Sequence[tuple[Any, ...]]], unset: tuple[bytes, ...]) -> None: ...
    def decode(
        self,
        data: bytes | bytearray,
        pos: int,
        limit: int,
        out: list[Any],
        fallback: Callable[[bytes, list[Any]], Any],
        /,
    ) -> tuple[int, int, int]: ...
