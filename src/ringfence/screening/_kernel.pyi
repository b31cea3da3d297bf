"""Type stub of the compiled prefilter (``_kernel.pyx``; its docstring has the contract)."""

from collections.abc import Callable, Iterable, Set
from typing import Any

CLEAN: int
FUZZY: int
REFER: int
OTHER: int

class Kernel:
    def __init__(
        self,
        patterns: Iterable[tuple[str, bool]],
        spaced: Iterable[str],
        phrase_words: Iterable[str],
        prefixes: Iterable[str],
        suffixes: Iterable[str],
        min_token: int,
        short: int,
        mid_word: int,
        lexicon: Set[str],
        clean: Set[str],
        ascii_char: Callable[[int], str | None],
    ) -> None: ...
    def view(self, text: str) -> str | None: ...
    def trace(self, text: str) -> tuple[str, list[int]] | None: ...
    def scan_array(self, arr: Any, max_chars: int, title: bool) -> tuple[bytes, dict[int, str]]: ...

def blank_ids(arr: Any) -> bytes: ...
