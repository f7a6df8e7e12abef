"""The API's JSON parser: DRF's, except that a body nested too deeply to decode is a client error.

Python's json module recurses once per nesting level, so `[[[[...]]]]` a few thousand levels deep
raised RecursionError, which became a 500. Such a body is malformed for our purposes: answer 400
`malformed_json` like any other undecodable body.
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
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply") from None
