"""The request and response messages of a staff desk, for the desk's clients (the portal, the
demo's clerks): the messages every desk shares (onestop.common.v1, desk.proto), overlaid with the
service's own where it has one (its GetTaskResponse, the tax staff's ApproveTaskRequest, the seal
maker's MarkEngravedRequest; registration still has its own copies of them all)."""

from __future__ import annotations

from types import ModuleType, SimpleNamespace

from onestop.common.v1 import desk_pb2


def desk_messages(service_pb2: ModuleType) -> SimpleNamespace:
    """``desk_messages(seal_pb2).ClaimTaskRequest`` is desk_pb2's, ``.GetTaskResponse`` seal's."""
    return SimpleNamespace(**{**_messages_of(desk_pb2), **_messages_of(service_pb2)})


def _messages_of(module: ModuleType) -> dict[str, type]:
    return {name: getattr(module, name) for name in module.DESCRIPTOR.message_types_by_name}
