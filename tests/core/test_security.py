from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ringfence.core.security import hash_api_key, new_api_key, split_api_key


def test_keys_are_unique_and_parse() -> None:
    keys = {new_api_key()[1] for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        key_id = split_api_key(key)
        assert key_id is not None
        assert key.startswith(f"rf_{key_id}_")


@given(st.text(max_size=80))
def test_arbitrary_text_never_crashes_the_parser(text: str) -> None:
    key_id = split_api_key(text)
    assert key_id is None or len(key_id) == 12


def test_hash_is_not_the_key() -> None:
    _, key = new_api_key()
    assert key not in hash_api_key(key)
    assert len(hash_api_key(key)) == 64
