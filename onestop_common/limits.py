"""Size limits of any protobuf message, read from the contracts' field options
(proto/onestop/common/v1/limits.proto): every string, list, map and bytes field, at any depth.

A request is checked with :func:`enforce_limits` (or :func:`limit_violations`) where it enters
the platform, before it is parsed further, stored or passed on. Each broken limit is a
RuleViolation naming the field by its path (``form.shareholders[2].person.id_number``) and the
rule, in Chinese and English. No message repeats the input: at most a short excerpt of a map key.

The walk is cheap: what each message type needs checked is worked out once per type and cached,
and only the fields a message actually carries are visited.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from onestop.common.v1 import limits_pb2
from onestop_common.errors import InvalidInput, RuleViolation, violation

# The defaults of limits.proto, for fields without an option of their own.
DEFAULT_MAX_LENGTH = 200
DEFAULT_MAX_ITEMS = 50
DEFAULT_MAX_BYTES = 64 * 1024
# The most of an input an error message may repeat.
EXCERPT_CHARACTERS = 32
# Enough to show a person what to fix; the rejections travel in a gRPC trailer, which must stay
# far below the 8 KiB a peer accepts.
MAX_VIOLATIONS = 20

# C0 and C1 control characters and DEL; free text (`multiline`) may hold tab, LF and CR.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_STRING, _BYTES, _MESSAGE, _OTHER = range(4)


@dataclass(frozen=True, slots=True)
class _Value:
    """How one value (a field's, an item's, a map entry's) is checked."""

    kind: int
    max_length: int
    max_bytes: int
    multiline: bool


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    repeated: bool
    max_items: int
    value: _Value
    # Map fields only: how the keys are checked (None for other fields).
    key: _Value | None


# Keyed by message descriptor (the upb and the pure-Python descriptor types alike).
_plans: dict[Any, dict[int, _Field]] = {}
_plans_lock = threading.Lock()


def limit_violations(
    message: Message, prefix: str = "", *, limit: int = MAX_VIOLATIONS
) -> list[RuleViolation]:
    """Every field of ``message`` (and of its sub-messages) over its size limit, the first
    ``limit`` of them. ``prefix`` starts each path (e.g. "form" when checking a form alone)."""
    found: list[RuleViolation] = []
    _walk(message, prefix, found, limit)
    return found


def enforce_limits(message: Message, prefix: str = "") -> None:
    """Raises InvalidInput (INVALID_ARGUMENT) naming each field over its limit."""
    found = limit_violations(message, prefix)
    if found:
        raise InvalidInput.of(found)


def excerpt(text: str, characters: int = EXCERPT_CHARACTERS) -> str:
    """What an error message may repeat of an input: at most ``characters`` characters and "…",
    control characters shown as "�" so the message stays on one line."""
    short = text if len(text) <= characters else text[:characters] + "…"
    return _CONTROL.sub("\ufffd", short)


def control_character_violation(
    text: str, path: str, *, multiline: bool = False
) -> RuleViolation | None:
    """The first control character (NUL, escape, a line break on one line …) of ``text``."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)
    if found is None:
        return None
    position = found.start() + 1
    code = f"U+{ord(found.group()):04X}"
    if multiline:
        return violation(
            path,
            "control_characters",
            f"除制表符和换行外不能包含控制字符（第 {position} 个字符为 {code}）",
            f"must not contain control characters other than tab and line breaks "
            f"({code} at character {position})",
        )
    return violation(
        path,
        "control_characters",
        f"须为单行文本，不能包含换行或其他控制字符（第 {position} 个字符为 {code}）",
        f"must be a single line without line breaks or other control characters "
        f"({code} at character {position})",
    )


# --------------------------------------------------------------------------- the walk


def _walk(message: Message, path: str, found: list[RuleViolation], limit: int) -> None:
    plan = _plans.get(message.DESCRIPTOR)
    if plan is None:
        plan = _plan(message.DESCRIPTOR)
    for descriptor, value in message.ListFields():
        if len(found) >= limit:
            return
        spec = plan.get(descriptor.number)
        if spec is None:
            continue
        here = f"{path}.{spec.name}" if path else spec.name
        if not spec.repeated:
            _check(spec.value, value, here, found, limit)
            continue
        if len(value) > spec.max_items:
            found.append(_too_large("max_items", here, spec.max_items, len(value)))
            continue
        if spec.key is not None:
            for key, item in value.items():
                item_path = f"{here}[{_key_text(key)}]"
                if spec.key.kind == _STRING:
                    _check(spec.key, key, item_path, found, limit)
                _check(spec.value, item, item_path, found, limit)
        elif spec.value.kind != _OTHER:
            for index, item in enumerate(value):
                _check(spec.value, item, f"{here}[{index}]", found, limit)


def _check(spec: _Value, value: Any, path: str, found: list[RuleViolation], limit: int) -> None:
    if len(found) >= limit:
        return
    if spec.kind == _STRING:
        if len(value) > spec.max_length:
            found.append(_too_large("max_length", path, spec.max_length, len(value)))
            return
        problem = control_character_violation(value, path, multiline=spec.multiline)
        if problem is not None:
            found.append(problem)
    elif spec.kind == _BYTES:
        if len(value) > spec.max_bytes:
            found.append(_too_large("max_bytes", path, _size(spec.max_bytes), len(value)))
    elif spec.kind == _MESSAGE:
        _walk(value, path, found, limit)


def _key_text(key: object) -> str:
    return f'"{excerpt(key)}"' if isinstance(key, str) else str(key)


# --------------------------------------------------------------------------- plans


def _plan(descriptor: Any) -> dict[int, _Field]:
    """What to check in each field of one message type (fields with nothing to check left out)."""
    with _plans_lock:
        plan = _plans.get(descriptor)
        if plan is not None:
            return plan
        plan = {}
        for field in descriptor.fields:
            spec = _field(field)
            if spec is not None:
                plan[field.number] = spec
        _plans[descriptor] = plan
        return plan


def _field(field: FieldDescriptor) -> _Field | None:
    options = field.GetOptions()
    repeated = field.is_repeated
    entry = field.message_type
    if repeated and entry is not None and entry.GetOptions().map_entry:
        key_field = entry.fields_by_name["key"]
        value_field = entry.fields_by_name["value"]
        return _Field(
            name=field.name,
            repeated=True,
            max_items=_option(options, limits_pb2.max_items, DEFAULT_MAX_ITEMS),
            value=_value(value_field, options),
            key=_value(key_field, key_field.GetOptions()),
        )
    value = _value(field, options)
    if not repeated and value.kind == _OTHER:
        return None
    return _Field(
        name=field.name,
        repeated=repeated,
        max_items=_option(options, limits_pb2.max_items, DEFAULT_MAX_ITEMS),
        value=value,
        key=None,
    )


def _value(field: FieldDescriptor, options: Any) -> _Value:
    """How a value of ``field``'s type is checked, with the limits given in ``options``."""
    if field.type == FieldDescriptor.TYPE_STRING:
        kind = _STRING
    elif field.type == FieldDescriptor.TYPE_BYTES:
        kind = _BYTES
    elif field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        kind = _MESSAGE
    else:
        kind = _OTHER
    return _Value(
        kind=kind,
        max_length=_option(options, limits_pb2.max_length, DEFAULT_MAX_LENGTH),
        max_bytes=_option(options, limits_pb2.max_bytes, DEFAULT_MAX_BYTES),
        multiline=bool(options.Extensions[limits_pb2.multiline]),
    )


def _option(options: Any, extension: Any, default: int) -> int:
    return int(options.Extensions[extension]) if options.HasExtension(extension) else default


# --------------------------------------------------------------------------- messages


# Each limit's words, filled with the limit and the size found.
_TOO_LARGE = {
    "max_length": (
        "不能超过 {allowed} 个字符（现为 {got} 个）",
        "at most {allowed} characters (got {got})",
    ),
    "max_items": ("最多 {allowed} 项（现为 {got} 项）", "at most {allowed} items (got {got})"),
    "max_bytes": ("不能超过 {allowed}（现为 {got} 字节）", "at most {allowed} (got {got} bytes)"),
}


def _too_large(rule: str, path: str, allowed: int | str, got: int) -> RuleViolation:
    zh, en = _TOO_LARGE[rule]
    return violation(
        path, rule, zh.format(allowed=allowed, got=got), en.format(allowed=allowed, got=got)
    )


def _size(count: int) -> str:
    for unit, name in ((1024 * 1024, "MiB"), (1024, "KiB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit} {name}"
    return f"{count} B"
