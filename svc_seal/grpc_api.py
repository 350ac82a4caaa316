"""Between the seal contract and the service: protobuf ⇄ domain values, and who may call what."""

from __future__ import annotations

from collections.abc import Iterable

from onestop.common.v1 import application_pb2
from onestop.seal.v1 import seal_pb2
from onestop_common import application_checks
from onestop_common.clock import SHANGHAI
from onestop_common.errors import InvalidInput, PermissionDenied, RuleViolation, violation
from onestop_common.identity import STAFF_ROLES, Principal, Role, require_role
from onestop_common.protoconv import timestamp
from svc_seal.domain import (
    PARTICIPANT,
    Capacity,
    GrantInput,
    InvoiceKind,
    RequestedSeal,
    SealOrderInput,
    SealState,
)
from svc_seal.impression import SealKind
from svc_seal.models import AuthorisedSigner, SealOrder, SealRecord, SealUsageRecord

KIND_FROM_PROTO = {
    application_pb2.SEAL_KIND_OFFICIAL: SealKind.OFFICIAL,
    application_pb2.SEAL_KIND_FINANCE: SealKind.FINANCE,
    application_pb2.SEAL_KIND_INVOICE: SealKind.INVOICE,
    application_pb2.SEAL_KIND_LEGAL_REP: SealKind.LEGAL_REP,
    application_pb2.SEAL_KIND_CONTRACT: SealKind.CONTRACT,
}
KIND_TO_PROTO = {kind: value for value, kind in KIND_FROM_PROTO.items()}

STATE_TO_PROTO = {
    SealState.ORDERED: seal_pb2.SEAL_STATE_ORDERED,
    SealState.ENGRAVED: seal_pb2.SEAL_STATE_ENGRAVED,
    SealState.ACTIVE: seal_pb2.SEAL_STATE_ACTIVE,
    SealState.REVOKED: seal_pb2.SEAL_STATE_REVOKED,
    SealState.CANCELLED: seal_pb2.SEAL_STATE_CANCELLED,
}

CAPACITY_TO_PROTO = {
    Capacity.OWNER: seal_pb2.SIGNER_CAPACITY_OWNER,
    Capacity.AUTHORISED_USER: seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER,
    Capacity.ADMINISTRATOR: seal_pb2.SIGNER_CAPACITY_ADMINISTRATOR,
}


# --------------------------------------------------------------------------- decoding


def order_input(request: seal_pb2.IssueSealsRequest) -> SealOrderInput:
    return SealOrderInput(
        uscc=request.uscc.strip(),
        company_name=request.company_name.strip(),
        legal_representative_name=request.legal_representative_name.strip(),
        division_code=request.division_code.strip(),
        seals=_requested(request.seals),
        invoice_kinds=_invoice_kinds(request.invoice_kinds),
    )


def form_order_input(form: application_pb2.ApplicationForm) -> SealOrderInput:
    """The order the saga will send for this form (orchestrator/open_company.py issue_seals),
    before the license exists: no USCC yet, the company name composed from the form's parts as
    the saga does when the license has none, the domicile's division."""
    name = form.name
    company = f"{name.division}{name.trade_name}{name.industry}{name.organisational_form}"
    return SealOrderInput(
        uscc="",
        company_name=company.strip(),
        legal_representative_name=form.legal_representative.name.strip(),
        division_code=form.domicile.division_code.strip(),
        seals=_requested(form.seals),
        invoice_kinds=_invoice_kinds(form.invoice.kinds),
    )


def _requested(seals: Iterable[application_pb2.SealRequest]) -> tuple[RequestedSeal, ...]:
    return tuple(
        RequestedSeal(
            KIND_FROM_PROTO.get(seal.kind),
            seal.physical,
            seal.electronic,
            unknown_kind=seal.kind != application_pb2.SEAL_KIND_UNSPECIFIED
            and seal.kind not in KIND_FROM_PROTO,
        )
        for seal in seals
    )


def _invoice_kinds(kinds: Iterable[int]) -> frozenset[InvoiceKind]:
    return frozenset(INVOICE_KIND_FROM_PROTO.get(kind, InvoiceKind.OTHER) for kind in kinds)


INVOICE_KIND_FROM_PROTO = {
    application_pb2.INVOICE_KIND_DIGITAL_ORDINARY: InvoiceKind.DIGITAL_ORDINARY,
    application_pb2.INVOICE_KIND_DIGITAL_SPECIAL: InvoiceKind.DIGITAL_SPECIAL,
}


def requested_kind(value: int) -> SealKind | None:
    """The kind a SignPdf caller chose, None when unspecified; an unknown number is refused."""
    if value == application_pb2.SEAL_KIND_UNSPECIFIED:
        return None
    kind = KIND_FROM_PROTO.get(value)
    if kind is None:
        raise InvalidInput.of(
            [
                violation(
                    "kind", "seal_kind", f"未知的印章种类 {value}", f"unknown seal kind {value}"
                )
            ]
        )
    return kind


def grant_input(request: seal_pb2.AuthoriseSignerRequest) -> GrantInput:
    """An unspecified or unknown kind number becomes None, which the rules refuse by position."""
    valid_until = None
    if request.HasField("valid_until"):
        # Set but zero (the epoch) is a time in the past, not "until revoked".
        valid_until = request.valid_until.ToDatetime(tzinfo=SHANGHAI)
    return GrantInput(
        subject=request.subject.strip(),
        kinds=tuple(KIND_FROM_PROTO.get(kind) for kind in request.kinds),
        valid_until=valid_until,
        note=request.note.strip(),
    )


# --------------------------------------------------------------------------- encoding


def seal_message(seal: SealRecord, order: SealOrder, *, impression: bool = True) -> seal_pb2.Seal:
    message = seal_pb2.Seal(
        seal_code=seal.seal_code,
        kind=KIND_TO_PROTO[SealKind(seal.kind)],
        state=STATE_TO_PROTO[SealState(seal.state)],
        physical=seal.physical,
        electronic=seal.electronic,
        width_mm=float(seal.width_mm),
        height_mm=float(seal.height_mm),
        text=seal.text,
        certificate_pem=seal.certificate_pem,
        certificate_serial=seal.certificate_serial or "",
        filing_number=seal.filing_number or "",
        uscc=seal.uscc,
        company_name=order.company_name,
    )
    if impression:
        message.impression_pdf = seal.impression_pdf
    for name in ("not_before", "not_after"):
        value = getattr(seal, name)
        if value is not None:
            getattr(message, f"certificate_{name}").CopyFrom(timestamp(value))
    for name in ("filed_at", "revoked_at", "engraved_at"):
        value = getattr(seal, name)
        if value is not None:
            getattr(message, name).CopyFrom(timestamp(value))
    return message


def filing_message(seal: SealRecord, order: SealOrder) -> seal_pb2.GetSealFilingResponse:
    message = seal_pb2.GetSealFilingResponse(
        seal_code=seal.seal_code,
        filing_number=seal.filing_number or "",
        state=seal_pb2.FILING_STATE_CANCELLED
        if seal.filing_cancelled_at is not None
        else seal_pb2.FILING_STATE_FILED,
        uscc=seal.uscc,
        company_name=order.company_name,
        kind=KIND_TO_PROTO[SealKind(seal.kind)],
        seal_maker_id=order.seal_maker_id,
    )
    if seal.filed_at is not None:
        message.filed_at.CopyFrom(timestamp(seal.filed_at))
    if seal.filing_cancelled_at is not None:
        message.cancelled_at.CopyFrom(timestamp(seal.filing_cancelled_at))
    return message


def signer_message(signer: AuthorisedSigner, *, active: bool) -> seal_pb2.Signer:
    message = seal_pb2.Signer(
        uscc=signer.uscc,
        subject=signer.subject,
        kinds=[KIND_TO_PROTO[SealKind(kind)] for kind in signer.kinds],
        granted_by=signer.granted_by,
        revoked_by=signer.revoked_by,
        revoke_reason=signer.revoke_reason,
        note=signer.note,
        active=active,
    )
    message.granted_at.CopyFrom(timestamp(signer.granted_at))
    for name in ("valid_until", "revoked_at"):
        value = getattr(signer, name)
        if value is not None:
            getattr(message, name).CopyFrom(timestamp(value))
    return message


def usage_message(usage: SealUsageRecord) -> seal_pb2.SealUsage:
    message = seal_pb2.SealUsage(
        seal_code=usage.seal_code,
        uscc=usage.uscc,
        kind=KIND_TO_PROTO[SealKind(usage.kind)],
        signer=usage.signer,
        capacity=CAPACITY_TO_PROTO[Capacity(usage.capacity)],
        input_sha256=usage.input_sha256,
        signed_sha256=usage.signed_sha256,
        field_name=usage.field_name,
        reason=usage.reason,
        certificate_serial=usage.certificate_serial,
    )
    message.signed_at.CopyFrom(timestamp(usage.signed_at))
    return message


# --------------------------------------------------------------------------- who may call


def require_seal_maker(principal: Principal) -> None:
    require_role(principal, frozenset({Role.SEAL_MAKER}))


def require_signer_role(principal: Principal) -> None:
    """Seals sign for their company's entrepreneur (or an administrator), nobody else."""
    require_role(principal, frozenset({Role.ENTREPRENEUR}))


def require_owner(principal: Principal, order: SealOrder) -> None:
    """Only the entrepreneur who applied for the company (or an administrator) uses its seals."""
    require_signer_role(principal)
    if principal.role is Role.ADMIN or principal.subject == order.applicant_id:
        return
    raise not_owner(principal, order)


def not_owner(principal: Principal, order: SealOrder) -> PermissionDenied:
    return PermissionDenied(
        f"{principal.subject} does not own company {order.uscc}; only its applicant may use "
        "its seals",
        message_zh=f"{principal.subject} 不是企业 {order.uscc} 的申请人，无权使用其印章",
    )


def signing_capacity(principal: Principal, order: SealOrder) -> Capacity | None:
    """The owner and administrators sign in their own right; anyone else needs a grant (None)."""
    require_signer_role(principal)
    if principal.subject == order.applicant_id:
        return Capacity.OWNER
    if principal.role is Role.ADMIN:
        return Capacity.ADMINISTRATOR
    return None


def refuse(refusal: RuleViolation) -> PermissionDenied:
    """A refusal to sign, carrying its rule so a client can tell revoked from expired."""
    return PermissionDenied(refusal.message_en, message_zh=refusal.message_zh, violations=[refusal])


def require_can_see(principal: Principal, order: SealOrder) -> None:
    """Owners, administrators, the platform and staff; a seal maker only its own orders."""
    if principal.role in (Role.ADMIN, Role.SYSTEM):
        return
    if principal.role is Role.ENTREPRENEUR:
        require_owner(principal, order)
        return
    if principal.role is Role.SEAL_MAKER:
        if principal.org == order.seal_maker_id:
            return
        raise PermissionDenied(
            "this order belongs to another seal maker", message_zh="该订单属于其他刻章企业"
        )
    require_role(principal, STAFF_ROLES | {Role.PARTNER})


# The check of an application and the desk's return for correction, as every participant does them.
DESK = application_checks.Desk(
    participant=PARTICIPANT,
    staff_zh="刻章企业",
    staff_en="the seal maker",
    default_rule="seal_maker_correction",
    example_field="form.seals",
)
