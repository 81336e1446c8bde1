"""Type stub of the compiled decoder (``_native.c``); ``native.py`` is its Python face, and
``messages/step_compiler.py`` calls the run helpers (``Prog``, ``fill``, ``emit``)."""

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

# the run helpers of the step-compiled order codecs (messages/step_compiler.py)
EMIT_CONST: int
EMIT_INT: int
EMIT_INT_UNSET: int
EMIT_STR: int
EMIT_BOOL: int
EMIT_OPT_BOOL: int
EMIT_DEC: int
EMIT_NUM: int
EMIT_CALL: int
EMIT_LIST: int
EMIT_PRESENT: int
FILL_INT: int
FILL_BOOL: int
FILL_OPT_BOOL: int
FILL_LIST: int
FILL_PRESENT: int
FILL_TEXT_LIST: int

class Prog:
    def __init__(self, entries: tuple[tuple[Any, ...], ...], /) -> None: ...
    def __len__(self) -> int: ...

def fill(objs: tuple[Any, ...], fields: Sequence[bytes], pos: int, prog: Prog, r: Any = ..., /) -> int: ...
def emit(objs: tuple[Any, ...], prog: Prog, out: list[str], /) -> None: ...
