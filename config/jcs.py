"""RFC 8785 (JCS) canonical JSON, byte for byte what the `rfc8785` package writes, faster for what we write.

Canonical bytes define the audit chain's hashes and what licence, mandate and checkpoint signatures
cover, so there is exactly one serialisation: `rfc8785.dumps`'s. That package serialises in pure
Python (about 21 us for an audit entry here, and every audited transaction canonicalises twice),
while the standard library's C encoder writes the same bytes for the values we write in about a
quarter of the time. `dumps` uses the C encoder only where the two provably agree and hands
everything else, refusals included, to `rfc8785`:

- strings: JCS escapes `"`, `\\`, and U+0000-U+001F (as `\\b \\f \\n \\r \\t` or lowercase `\\u00xx`)
  and nothing else; `json.dumps(ensure_ascii=False)` uses the same escape table. A lone surrogate,
  which JCS refuses, fails the UTF-8 encoding and goes to `rfc8785`, which refuses it;
- integers: both print decimal digits, but JCS refuses magnitudes beyond 2**53 - 1, so those go;
- floats: JCS prints them as ECMAScript does (`1e+21`, `1` for 1.0), Python does not, so any float goes;
- object keys: JCS orders them by UTF-16 code units, Python by code points. The two orders differ only
  between a character beyond U+FFFF (a surrogate pair, 0xD800-0xDFFF) and one in U+E000-U+FFFF, so a
  key beyond U+FFFF goes; a key that is not a string (which `json` would coerce) goes.

`tests/test_canonical_json_matches_rfc8785.py` holds it to `rfc8785` on generated values.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

CanonicalizationError = rfc8785.CanonicalizationError

_LARGEST_EXACT_INTEGER = 2**53 - 1
_BEYOND_BMP = "\U00010000"
_encode = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"), check_circular=False
).encode


def dumps(value: Any) -> bytes:
    """The RFC 8785 canonical bytes of `value`. Refuses what `rfc8785` refuses, with its ValueError
    (`CanonicalizationError`, or UnicodeEncodeError for a lone surrogate in a key)."""
    if _encoder_agrees(value):
        try:
            return _encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 words the refusal
    return rfc8785.dumps(value)


def _encoder_agrees(value: Any) -> bool:
    # Exact type checks: a subclass may serialise differently in the two encoders (bool is an int).
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-_LARGEST_EXACT_INTEGER <= value <= _LARGEST_EXACT_INTEGER)
    if kind is dict:
        return all(
            type(key) is str and (key.isascii() or max(key) < _BEYOND_BMP) and _encoder_agrees(item)
            for key, item in value.items()
        )
    if kind is list or kind is tuple:
        return all(_encoder_agrees(item) for item in value)
    return False
