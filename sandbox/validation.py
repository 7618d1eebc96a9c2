"""Request parsing and checking helpers: JSON bodies, JSON types, date-time formats.

Nothing here raises anything but `ApiError`: every problem with the caller's input becomes a
documented-style 400 in the operation's envelope, never a 500.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any


class ApiError(Exception):
    """An error answer: HTTP status, errorCode, errorDescription."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description


class MalformedJson(ApiError):
    """The body is not JSON at all (kept apart for the `malformed-json-500` fault)."""


def bad_request(code: str, description: str) -> ApiError:
    return ApiError(400, code, description)


INVALID_REQUEST_BODY = "INVALID_REQUEST_BODY"


# ---------------------------------------------------------------------------------------------
# JSON


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value) or math.isnan(value):
        raise ValueError("number out of range")
    return value


def parse_json(raw: bytes) -> Any:
    """The decoded JSON document; `MalformedJson` when it is not one."""
    if not raw or not raw.strip():
        raise MalformedJson(400, INVALID_REQUEST_BODY, "Request body is missing or empty")
    try:
        return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise MalformedJson(400, INVALID_REQUEST_BODY, "Request body is not valid JSON") from None


def parse_json_object(raw: bytes) -> dict[str, Any]:
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise bad_request(INVALID_REQUEST_BODY, "Request body must be a JSON object")
    return body


# ---------------------------------------------------------------------------------------------
# JSON types. A schema is: str | bool | NUM | INT | ANY | OBJ | MAP_STR | [elem] | {field: schema}.
# null is accepted everywhere (the documented Java DTO fields are all nullable); unknown
# fields are tolerated; list elements must not be null.

NUM = "number"
INT = "integer"
ANY = "any"
OBJ = "object"
MAP_STR = "map<string,string>"
INT32_MAX = 2**31 - 1


def _kind(schema: Any) -> str:
    if schema is str:
        return "a string"
    if schema is bool:
        return "a boolean"
    if schema == NUM:
        return "a number"
    if schema == INT:
        return "an integer"
    if schema == MAP_STR:
        return "an object of strings"
    if isinstance(schema, list):
        return "an array"
    return "an object"


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def coerce_scalars(value: Any, schema: Any) -> Any:
    """The value as a default Jackson mapper reads scalars: a number or boolean where a string is
    expected as its text, a numeric string where a number is, "true"/"false" where a boolean is."""
    if value is None or schema == ANY:
        return value
    if schema is str and isinstance(value, (bool, int, float)):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)
    if schema in (NUM, INT) and isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = float(value)
        return int(number) if number.is_integer() else number
    if schema is bool and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(schema, list) and isinstance(value, list):
        return [coerce_scalars(item, schema[0]) for item in value]
    if isinstance(schema, dict) and isinstance(value, dict):
        return {key: coerce_scalars(item, schema[key]) if key in schema else item for key, item in value.items()}
    return value


def check_types(value: Any, schema: Any, path: str) -> None:
    """Raise a 400 INVALID_REQUEST_BODY naming the first field of the wrong JSON type."""
    if value is None or schema == ANY:
        return
    ok = True
    if schema is str:
        ok = isinstance(value, str)
    elif schema is bool:
        ok = isinstance(value, bool)
    elif schema == NUM:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif schema == INT:
        ok = isinstance(value, int) and not isinstance(value, bool) and -INT32_MAX - 1 <= value <= INT32_MAX
    elif schema == OBJ:
        ok = isinstance(value, dict)
    elif schema == MAP_STR:
        ok = isinstance(value, dict) and all(v is None or isinstance(v, str) for v in value.values())
    elif isinstance(schema, list):
        ok = isinstance(value, list)
        if ok:
            for i, item in enumerate(value):
                if item is None:
                    raise bad_request(INVALID_REQUEST_BODY, f"{path}[{i}] must not be null")
                check_types(item, schema[0], f"{path}[{i}]")
    elif isinstance(schema, dict):
        ok = isinstance(value, dict)
        if ok:
            for key, sub in schema.items():
                if key in value:
                    check_types(value[key], sub, f"{path}.{key}" if path else key)
    if not ok:
        raise bad_request(INVALID_REQUEST_BODY, f"{path or 'body'} must be {_kind(schema)}")


def blank(value: Any) -> bool:
    """Java's StringUtils.isBlank for an already type-checked value (None or str)."""
    return value is None or (isinstance(value, str) and not value.strip())


def obj(value: Any) -> dict[str, Any]:
    """A type-checked optional object as a dict (absent/null → {})."""
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------------------------
# Date-times

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)"
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2})")


@dataclass(frozen=True)
class OffsetDateTime:
    """A parsed ISO-8601 date-time with offset; `key` orders instants (epoch seconds)."""

    local: datetime          # naive local date-time, seconds precision
    offset_minutes: int
    key: int = 0             # the instant, epoch seconds (computed; integer math never overflows)

    def __post_init__(self) -> None:
        delta = self.local - _EPOCH
        object.__setattr__(self, "key", delta.days * 86400 + delta.seconds - self.offset_minutes * 60)

    @property
    def offset_text(self) -> str:
        sign = "-" if self.offset_minutes < 0 else "+"
        h, m = divmod(abs(self.offset_minutes), 60)
        return f"{sign}{h:02d}{m:02d}"

    def local_text(self) -> str:
        return format_local(self.local)

    def text(self) -> str:
        """yyyy-MM-dd'T'HH:mm:ssZ, the docs' format (e.g. 2026-04-06T13:00:00-0700)."""
        return self.local_text() + self.offset_text

    def with_offset_text(self, offset: str) -> str:
        return self.local_text() + offset


_EPOCH = datetime(1970, 1, 1)


def parse_offset_datetime(text: Any, *, allow_colon: bool = True) -> OffsetDateTime | None:
    """ISO-8601 `yyyy-MM-ddTHH:mm:ss[.fff](Z|±HHMM|±HH:MM)`; None when it is not one."""
    if not isinstance(text, str):
        return None
    m = _DATETIME.fullmatch(text)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    zone = m.group(8)
    if zone == "Z":
        offset = 0
    else:
        digits = zone[1:].replace(":", "")
        if ":" in zone and not allow_colon:
            return None
        if len(digits) == 2:
            return None  # ±HH alone is not one of the documented forms
        oh, om = int(digits[:2]), int(digits[2:])
        if om > 59 or oh * 60 + om > 18 * 60:
            return None
        offset = (oh * 60 + om) * (-1 if zone[0] == "-" else 1)
    try:
        local = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return OffsetDateTime(local, offset)


def parse_date(text: Any) -> date | None:
    """yyyy-MM-dd."""
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return None
    try:
        return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return None


def parse_time(text: Any) -> tuple[int, int, int] | None:
    """HH:mm:ss."""
    if not isinstance(text, str):
        return None
    m = _TIME.fullmatch(text)
    if not m:
        return None
    h, mi, s = (int(g) for g in m.groups())
    if h > 23 or mi > 59 or s > 59:
        return None
    return h, mi, s


def add_minutes(local: datetime, minutes: int) -> datetime | None:
    try:
        return local + timedelta(minutes=minutes)
    except OverflowError:
        return None


def format_local(local: datetime) -> str:
    """yyyy-MM-dd'T'HH:mm:ss (zero-padded years, whatever the platform's strftime does)."""
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
