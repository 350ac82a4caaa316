"""Where each participant's contract lives: its gRPC service and the request and response types
of each RPC, looked up from the generated descriptors so the two transports never disagree."""

from __future__ import annotations

from functools import cache
from typing import Any

from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from onestop.bank.v1 import bank_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop.orchestrator.v1 import orchestrator_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop.social_insurance.v1 import social_insurance_pb2

SERVICES: dict[str, ServiceDescriptor] = {
    "registration": registration_pb2.DESCRIPTOR.services_by_name["RegistrationService"],
    "seal": seal_pb2.DESCRIPTOR.services_by_name["SealService"],
    "invoice": invoice_pb2.DESCRIPTOR.services_by_name["InvoiceService"],
    "social_insurance": social_insurance_pb2.DESCRIPTOR.services_by_name["SocialInsuranceService"],
    "bank": bank_pb2.DESCRIPTOR.services_by_name["BankService"],
    # The orchestrator takes part in the saga as the bundle builder.
    "orchestrator": orchestrator_pb2.DESCRIPTOR.services_by_name["BundleService"],
}


def method(participant: str, rpc: str) -> MethodDescriptor:
    try:
        return SERVICES[participant].methods_by_name[rpc]
    except KeyError as exc:
        raise KeyError(f"{participant} has no RPC {rpc!r}") from exc


def method_path(participant: str, rpc: str) -> str:
    return f"/{SERVICES[participant].full_name}/{rpc}"


@cache
def request_type(participant: str, rpc: str) -> type[Message]:
    return GetMessageClass(method(participant, rpc).input_type)


@cache
def response_type(participant: str, rpc: str) -> type[Message]:
    return GetMessageClass(method(participant, rpc).output_type)


def new_request(participant: str, rpc: str, **fields: Any) -> Any:
    """A request of ``rpc`` with ``fields`` set: its class is known only at run time, so the
    fields are not checked statically (the message checks them when it is made)."""
    cls: Any = request_type(participant, rpc)
    return cls(**fields)


def new_response(participant: str, rpc: str, **fields: Any) -> Any:
    """A response of ``rpc`` with ``fields`` set (see :func:`new_request`)."""
    cls: Any = response_type(participant, rpc)
    return cls(**fields)


def saga_rpcs(participant: str) -> list[str]:
    """RPCs the saga may send as commands: those whose request carries a CommandContext."""
    return [
        m.name
        for m in SERVICES[participant].methods
        if (context := m.input_type.fields_by_name.get("context")) is not None
        and context.message_type is not None
        and context.message_type.full_name == "onestop.common.v1.CommandContext"
    ]
