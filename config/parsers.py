"""The API's JSON parser: DRF's, except that two kinds of body are malformed for our purposes.

- Nested too deeply to decode: Python's json module recurses once per nesting level, so
  `[[[[...]]]]` a few thousand levels deep raised RecursionError, which became a 500.
- A NUL character anywhere, in a key or a value: PostgreSQL cannot store U+0000 in text or jsonb,
  so such a body reached the database and failed there with a 500 (a work identifier key did).

Both answer 400 `malformed_json` like any other undecodable body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply") from None
        if _contains_nul(data):
            raise ParseError("JSON parse error - the body contains a NUL character (\\u0000)")
        return data


def _contains_nul(data: Any) -> bool:
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
