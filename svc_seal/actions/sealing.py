"""SignPdf: seal a PDF with one of the company's electronic seals, as its owner or an authorised
user, with the CRL embedded and a timestamp, and enter it in the seal usage register."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from onestop.seal.v1 import seal_pb2
from onestop_common import signing
from onestop_common.errors import Conflict, InvalidInput, NotFound, Unavailable, violation
from onestop_common.identity import Principal
from onestop_common.nameko_kit import Store, UnitOfWork
from onestop_common.signer_client import SignatureSpec
from svc_seal import domain, grpc_api
from svc_seal import store as db
from svc_seal.actions.crl import current_crl
from svc_seal.actions.env import Env
from svc_seal.documents import inspect_pdf
from svc_seal.domain import Capacity, SealState
from svc_seal.impression import SealKind
from svc_seal.models import SealRecord, SealUsageRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, repr=False)
class _SignJob:
    seal_code: str
    kind: SealKind
    encrypted_key: bytes
    certificate_pem: str
    certificate_serial: str
    impression_pdf: bytes
    box: tuple[float, float, float, float]
    page: int
    field_name: str
    reason: str
    capacity: Capacity


def sign_pdf(
    store: Store, principal: Principal, request: seal_pb2.SignPdfRequest, env: Env
) -> seal_pb2.SignPdfResponse:
    """Seal a PDF: checks and reads in one short transaction, the CRL in another, then signing
    (with the TSA round trip) outside any transaction, then the usage register entry in a last
    short one. Bad input changes nothing; no signed PDF leaves without its register entry."""
    with store.transaction() as uow:
        job = _plan_signature(uow, principal, request, env)
    crl_der = current_crl(store, env).der
    try:
        signed = _sign(job, request, env, crl_der)
    except Unavailable as error:
        raise Unavailable(
            f"the platform signing server or timestamp authority did not answer; retry later "
            f"({error.message})",
            message_zh="平台签名服务或时间戳服务暂不可用，请稍后重试",
        ) from error
    except InvalidInput as error:
        cause = error.violations[0].message_en if error.violations else error.message
        raise InvalidInput.of(
            [
                violation(
                    "pdf",
                    "pdf_signable",
                    "该PDF无法加盖电子印章",
                    f"the PDF cannot be sealed: {cause}",
                )
            ]
        ) from error
    _register_usage(store, principal, request, job, signed, env)
    log.info(
        "sealed a PDF with seal %s (field %s) for %s as %s",
        job.seal_code,
        job.field_name,
        principal.subject,
        job.capacity,
    )
    return seal_pb2.SignPdfResponse(
        signed_pdf=signed,
        field_name=job.field_name,
        seal_code=job.seal_code,
        certificate_serial=job.certificate_serial,
    )


def _sign(job: _SignJob, request: seal_pb2.SignPdfRequest, env: Env, crl_der: bytes) -> bytes:
    spec = SignatureSpec(
        field_name=job.field_name,
        reason=job.reason,
        location=request.location.strip() or None,
        timestamp=True,
        appearance=signing.Appearance(pdf=job.impression_pdf, box=job.box, page=job.page),
        embed_validation=True,
        crls=env.pki.validation_crls(crl_der),
    )
    return env.pki.sign_with_seal(
        request.pdf, job.encrypted_key, job.certificate_pem, spec
    ).signed_pdf


def _register_usage(
    store: Store,
    principal: Principal,
    request: seal_pb2.SignPdfRequest,
    job: _SignJob,
    signed: bytes,
    env: Env,
) -> None:
    """One row of the seal usage register, once the signature exists."""
    try:
        with store.transaction() as uow:
            uow.session.add(
                SealUsageRecord(
                    seal_code=job.seal_code,
                    uscc=request.uscc.strip(),
                    kind=job.kind.value,
                    signer=principal.subject,
                    capacity=job.capacity.value,
                    certificate_serial=job.certificate_serial,
                    input_sha256=hashlib.sha256(request.pdf).hexdigest(),
                    signed_sha256=hashlib.sha256(signed).hexdigest(),
                    field_name=job.field_name,
                    reason=job.reason,
                    signed_at=env.now,
                )
            )
    except SQLAlchemyError as error:
        log.error("seal %s: usage register not written, signed PDF withheld", job.seal_code)
        raise Unavailable(
            "the seal usage register could not be written, so the signed PDF is withheld; "
            "retry later",
            message_zh="用印登记写入失败，已签章文件不予返回，请稍后重试",
        ) from error


def _plan_signature(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.SignPdfRequest, env: Env
) -> _SignJob:
    grpc_api.require_signer_role(principal)
    uscc = request.uscc.strip()
    if not uscc:
        raise InvalidInput.of(
            [
                violation(
                    "uscc",
                    "required",
                    "请提供盖章企业的统一社会信用代码",
                    "give the USCC of the company whose seal signs",
                )
            ]
        )
    owner = db.owner_of_company(uow.session, uscc)
    if owner is None:
        raise NotFound(f"company {uscc} has no seals here", message_zh=f"企业 {uscc} 没有印章记录")
    capacity = grpc_api.signing_capacity(principal, owner)
    grant = None
    if capacity is None:
        # Refused before anything about the company's seals is told to a stranger.
        row = db.signer_of(uow.session, uscc, principal.subject)
        grant = db.grant_facts(row) if row is not None else None
        refusal = domain.grant_refusal(principal.subject, grant, env.now)
        if refusal is not None:
            raise grpc_api.refuse(refusal)
    seal = _chosen_seal(uow, uscc, request)
    kind = SealKind(seal.kind)
    if grant is not None:
        refusal = domain.kind_refusal(principal.subject, grant, kind)
        if refusal is not None:
            raise grpc_api.refuse(refusal)
    facts = inspect_pdf(request.pdf)
    problems = domain.placement_violations(facts.pages, request.page, request.x, request.y, kind)
    if problems:
        raise InvalidInput.of(problems)
    width, height = domain.impression_size_pt(kind)
    assert seal.private_key is not None  # an active electronic seal has its key
    return _SignJob(
        seal_code=seal.seal_code,
        kind=kind,
        encrypted_key=seal.private_key,
        certificate_pem=seal.certificate_pem,
        certificate_serial=seal.certificate_serial or "",
        impression_pdf=seal.impression_pdf,
        box=(request.x, request.y, request.x + width, request.y + height),
        page=request.page,
        field_name=domain.signature_field_name(seal.seal_code, facts.field_names),
        reason=request.reason.strip() or f"加盖{kind.label_zh}",
        capacity=capacity or Capacity.AUTHORISED_USER,
    )


def _chosen_seal(uow: UnitOfWork, uscc: str, request: seal_pb2.SignPdfRequest) -> SealRecord:
    code = request.seal_code.strip()
    kind = grpc_api.requested_kind(request.kind)
    if code:
        problems = domain.seal_code_violations(code)
        if problems:
            raise InvalidInput.of(problems)
        seal = db.seal_by_code(uow.session, code)
        if seal is None:
            raise NotFound(f"there is no seal {code}", message_zh=f"印章编码 {code} 不存在")
        if seal.uscc != uscc:
            raise InvalidInput.of(
                [
                    violation(
                        "seal_code",
                        "company_seal",
                        f"印章 {code} 不是企业 {uscc} 的印章",
                        f"seal {code} is not a seal of company {uscc}",
                    )
                ]
            )
        if kind is not None and SealKind(seal.kind) is not kind:
            raise InvalidInput.of(
                [
                    violation(
                        "kind",
                        "matches_seal",
                        f"印章 {code} 是{SealKind(seal.kind).label_zh}，不是{kind.label_zh}",
                        f"seal {code} is the {seal.kind} seal, not the {kind.value} seal",
                    )
                ]
            )
        return _usable(seal)
    if kind is None:
        raise InvalidInput.of(
            [
                violation(
                    "seal_code",
                    "required",
                    "请选择用于盖章的印章（印章编码或种类）",
                    "choose the seal to sign with (its code or its kind)",
                )
            ]
        )
    candidates = [s for s in db.seals_of_company(uow.session, uscc) if s.kind == kind.value]
    if not candidates:
        raise InvalidInput.of(
            [
                violation(
                    "kind",
                    "seal_requested",
                    f"企业 {uscc} 未申请{kind.label_zh}",
                    f"company {uscc} did not request a {kind.value} seal",
                )
            ]
        )
    active = [s for s in candidates if s.state == SealState.ACTIVE and s.electronic]
    return _usable(active[-1] if active else candidates[-1])


def _usable(seal: SealRecord) -> SealRecord:
    if not seal.electronic:
        raise InvalidInput.of(
            [
                violation(
                    "seal_code",
                    "electronic_seal",
                    f"印章 {seal.seal_code} 只有实物印章，不能用于电子签章",
                    f"seal {seal.seal_code} is a physical seal only; it cannot sign electronically",
                )
            ]
        )
    if seal.state != SealState.ACTIVE:
        raise Conflict(
            f"seal {seal.seal_code} is {seal.state}, not active: it cannot sign",
            message_zh=f"印章 {seal.seal_code} 当前状态为 {seal.state}，不能用于签章",
        )
    return seal
