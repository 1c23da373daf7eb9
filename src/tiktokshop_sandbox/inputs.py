"""Checked request input shared by the widget's API and the Open API.

    body = Body(await read_json_object(request))        # 400 unless a JSON object
    body.string("return_id", pattern=NUMERIC_ID)        # PlatformError(400) when bad
    after = decode_page_token(body.string("page_token", required=False))

Every accessor bounds what it accepts (length, items, range) and raises a
PlatformError with INVALID_PARAMETER and a message that names the field.
"""

import base64
import binascii
import json
import re

from starlette.requests import Request

from . import errors
from .errors import PlatformError

MAX_BODY_BYTES = 16 * 1024
NUMERIC_ID = re.compile(r"^[0-9]{1,32}$")
PAGE_CURSOR = re.compile(r"^([0-9]{1,12}):([0-9]{1,32})$")
# Control characters other than tab and newlines, and lone surrogates (which
# JSON can carry but UTF-8 cannot store).
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Body:
    """A JSON request body with typed, bounded accessors that raise 400 on bad input."""

    def __init__(self, data: dict):
        self.data = data

    def string(self, name: str, *, pattern: re.Pattern | None = None,
               max_length: int = 200, required: bool = True) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise invalid(f"{name} is required")
            return None
        if not isinstance(value, str):
            raise invalid(f"{name} must be a string")
        if len(value) > max_length:
            raise invalid(f"{name} must be at most {max_length} characters")
        if UNPRINTABLE.search(value):
            raise invalid(f"{name} contains characters that are not allowed")
        if pattern is not None and not pattern.match(value):
            raise invalid(f"{name} is not valid")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.string(name, max_length=100)
        if value not in allowed:
            raise invalid(f"{name} must be one of {', '.join(allowed)}")
        return value

    def integer(self, name: str, minimum: int, maximum: int, default: int | None) -> int | None:
        value = self.data.get(name)
        if value is None:
            return default
        # bool is an int in Python, but true is no page size.
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(f"{name} must be an integer")
        if not minimum <= value <= maximum:
            raise invalid(f"{name} must be {minimum} to {maximum}")
        return value

    def string_list(self, name: str, *, max_items: int, allowed: tuple[str, ...] = (),
                    pattern: re.Pattern | None = None) -> list[str]:
        values = self.data.get(name)
        if values is None:
            return []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise invalid(f"{name} must be a list of strings")
        if len(values) > max_items:
            raise invalid(f"{name} may have at most {max_items} items")
        for value in values:
            if allowed and value not in allowed:
                raise invalid(f"unknown {name} {value[:60]!r}; use {', '.join(allowed)}")
            if pattern is not None and not pattern.match(value):
                raise invalid(f"{name} has an invalid item {value[:60]!r}")
        return list(dict.fromkeys(values))


async def read_json_object(request: Request) -> dict:
    return json_object(await read_body(request))


async def read_body(request: Request) -> bytes:
    """The raw body, at most MAX_BODY_BYTES (413 beyond, without reading on)."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise PlatformError(413, errors.INVALID_PARAMETER,
                                f"the request body is larger than {MAX_BODY_BYTES} bytes")
    return bytes(raw)


def json_object(raw: bytes) -> dict:
    """``raw`` parsed as a JSON object (400 for anything else, NaN included)."""
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise invalid("the request body must be a JSON object") from None
    if not isinstance(data, dict):
        raise invalid("the request body must be a JSON object")
    return data


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def encode_page_token(cursor: tuple[int, str] | None) -> str:
    if cursor is None:
        return ""
    create_time, return_id = cursor
    return base64.urlsafe_b64encode(f"{create_time}:{return_id}".encode()).decode()


def decode_page_token(token: str | None) -> tuple[int, str] | None:
    if not token:
        return None
    try:
        match = PAGE_CURSOR.match(base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii"))
    except (ValueError, binascii.Error):
        match = None
    if match is None:
        raise invalid("page_token is not valid; use the next_page_token of the last page")
    return int(match.group(1)), match.group(2)


def invalid(message: str) -> PlatformError:
    return PlatformError(400, errors.INVALID_PARAMETER, message)
