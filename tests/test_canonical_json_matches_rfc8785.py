"""The platform's canonical JSON writes exactly the bytes `rfc8785` writes, and refuses exactly what it refuses.

Audit hashes and every signature the platform issues cover these bytes: a fast path that wrote one
byte differently would break every chain and signature made with it. So `config.jcs.dumps` is held to
the reference implementation on generated values, with the corners where Python's encoder and JCS
part ways generated on purpose: keys beyond U+FFFF against keys in U+E000-U+FFFF (the orders differ),
lone surrogates, control characters, floats, integers beyond 2**53 and non-string keys.
"""

from __future__ import annotations

import enum
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from config import jcs

# Characters where the two encoders could part ways, mixed into ordinary text.
_TRICKY = st.sampled_from(
    [
        *("\ue000", "\uffff", "\ufeff", "\U00010000", "\U0001f600", "\ud800", "\udfff"),
        *("\x00", "\x1f", "\x7f", "\b", "\f", '"', "\\", "/", "\u2028", "é", "中"),
    ]
)
text = st.lists(st.one_of(st.characters(), _TRICKY), max_size=8).map("".join)
numbers = st.one_of(
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.integers(),  # mostly beyond the exact range: refused by both
    st.floats(),  # NaN and infinity included: refused by both
    st.sampled_from([0.0, -0.0, 1.0, 1e21, 1e-7, 5e-324, 2.0**53, 0.1]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.tuples(inner, inner),
        st.dictionaries(text, inner, max_size=6),
    ),
    max_leaves=30,
)


def _reference(value: object) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)  # type: ignore[arg-type]
    except ValueError as refusal:  # CanonicalizationError, or a surrogate key's UnicodeEncodeError
        return type(refusal)


def _ours(value: object) -> bytes | type[Exception]:
    try:
        return jcs.dumps(value)
    except ValueError as refusal:  # CanonicalizationError, or a surrogate key's UnicodeEncodeError
        return type(refusal)


@settings(max_examples=3000, deadline=None)
@given(values)
def test_any_json_value_canonicalises_to_the_reference_bytes_or_is_refused_alike(value: object) -> None:
    assert _ours(value) == _reference(value)


def test_keys_beyond_the_basic_plane_sort_by_utf16_code_units_not_code_points() -> None:
    # U+1F600 is the surrogate pair D83D DE00 in UTF-16, which sorts before U+E000: code point order is the reverse.
    document = {"\ue000": 1, "\U0001f600": 2}
    assert jcs.dumps(document) == rfc8785.dumps(document)
    assert jcs.dumps(document).decode() == '{"\U0001f600":2,"\ue000":1}'


def test_numbers_are_written_as_ecmascript_writes_them() -> None:
    assert jcs.dumps([1.0, 1e21, -0.0, 0.000001]) == b"[1,1e+21,0,0.000001]"


@pytest.mark.parametrize(
    "refused",
    [float("nan"), float("inf"), 2**53, -(2**53), "\ud800", {1: "a key that is not a string"}, {"a": object()}],
    ids=["nan", "infinity", "2**53", "-2**53", "lone surrogate", "integer key", "unsupported type"],
)
def test_what_jcs_cannot_represent_is_refused(refused: object) -> None:
    with pytest.raises(ValueError):
        jcs.dumps(refused)


def test_subclasses_of_str_and_int_are_written_as_their_values() -> None:
    class Colour(enum.StrEnum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    document: dict[str, Any] = {"colour": Colour.RED, "level": Level.HIGH, "flag": True}
    assert jcs.dumps(document) == rfc8785.dumps(document) == b'{"colour":"red","flag":true,"level":3}'
