"""Every person the form names confirms and signs before the case starts.

When the platform asks for signatures (``EngineCore.person_signatures``), a submission files the
case as AWAITING_SIGNATURES: one request per natural person of the form, the application PDF
they sign (``bundle.application``), and a timer at the end of the 7-day signing period. No step
runs. Each person — recognised by the ID number the real-name provider verified for them —
signs in turn (the API has the signing server sign the PDF for them and hands the signed file
here); when the last has signed the case starts, and its statutory clock with it. A person who
declines, or the period ending with signatures missing, ends the case (FAILED, nothing to undo),
naming who.

The engine does no I/O: the signature itself is made outside the transaction, over the PDF as
it stood (``SigningTarget.pdf_sha256``); if another person's signature landed meanwhile, the
record is refused as stale and the API signs the newer PDF again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onestop.common.v1 import application_pb2
from onestop_common.errors import Conflict, PermissionDenied
from onestop_common.identity import Principal
from onestop_common.limits import excerpt
from orchestrator.bundle.application import application_pdf
from orchestrator.engine.core import EngineCore, _company_name, note
from orchestrator.engine.states import AWAITING_SIGNATURES, RUNNING, CaseNotFound, _Tx
from orchestrator.models import PersonSignature, Saga
from orchestrator.signatures import (
    SIGNING_PERIOD,
    form_sha256,
    person_digest,
    persons_to_sign,
    role_text,
)

WAITING, SIGNED, DECLINED = "waiting", "signed", "declined"
SIGNATURES_DUE = "signatures_due"


class StaleApplicationPdf(Conflict):
    """Another person signed while this signature was being made: sign the newer PDF."""


@dataclass(frozen=True)
class SigningTarget:
    """What one person signs: the PDF as it stands, and who they are in it."""

    case_id: str
    pdf: bytes
    pdf_sha256: str
    position: int
    name: str
    masked_id_number: str
    person_digest: str
    roles: tuple[str, ...]
    # Of the form the PDF shows (orchestrator.signatures.form_sha256).
    form_sha256: str


class ConsentMixin(EngineCore):
    """Signature requests: filed with the case, signed or declined, expired."""

    def _request_signatures(
        self, tx: _Tx, form: application_pb2.ApplicationForm, key_secret: str
    ) -> bool:
        """Files the case as awaiting its persons' signatures; False when nobody need sign
        (the platform asks for none, or the form names no person)."""
        persons = persons_to_sign(form) if self.person_signatures else []
        if not persons:
            return False
        saga = tx.saga
        saga.state = AWAITING_SIGNATURES
        # The statutory clock starts when the application is complete (the last signature).
        saga.due_at = saga.warn_at = None
        saga.signatures_due_at = tx.now + SIGNING_PERIOD
        saga.application_pdf = application_pdf(
            form,
            case_id=saga.id,
            company_name=_company_name(form),
            submitted_at=tx.now,
            persons=persons,
        )
        saga.signatures = [
            PersonSignature(
                position=i,
                name=p.name,
                masked_id_number=p.masked_id_number,
                person_digest=person_digest(key_secret, p.id_number),
                roles=list(p.roles),
                state=WAITING,
            )
            for i, p in enumerate(persons)
        ]
        self._schedule(tx, SIGNATURES_DUE, saga.signatures_due_at)
        note(
            tx,
            action="signatures_requested",
            to_state=AWAITING_SIGNATURES,
            detail={
                "persons": [
                    {"name": p.name, "id": p.masked_id_number, "roles": p.roles} for p in persons
                ],
                "due_at": saga.signatures_due_at.isoformat(),
                "form_sha256": form_sha256(form),
            },
        )
        return True

    # ------------------------------------------------------------------ reading

    def signature_requests(self, principal: Principal) -> list[tuple[Saga, PersonSignature]]:
        """The caller's requests: cases that name them, newest first."""
        digest = self._verified_digest(principal)
        with self.readers() as session:
            rows = session.execute(
                select(Saga, PersonSignature)
                .join(PersonSignature, PersonSignature.saga_id == Saga.id)
                .where(PersonSignature.person_digest == digest)
                .order_by(Saga.submitted_at.desc())
                .limit(200)
            ).all()
            for saga, _ in rows:
                session.expunge(saga)
            return [(saga, row) for saga, row in rows]

    def signing_target(self, case_id: str, principal: Principal) -> SigningTarget:
        """The PDF the caller is to sign now, and their place in it."""
        with self.readers() as session:
            saga = self._saga_named(session, case_id)
            row = self._own_request(saga, principal)
            if saga.state != AWAITING_SIGNATURES:
                raise Conflict(
                    f"case {case_id} no longer waits for signatures (it is {saga.state})",
                    message_zh=f"案件 {case_id} 已不在待签署状态",
                )
            if row.state != WAITING:
                raise Conflict(
                    f"you have already {row.state} this application",
                    message_zh="您已处理过该申请",
                )
            pdf = saga.application_pdf or b""
            return SigningTarget(
                case_id=saga.id,
                pdf=pdf,
                pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                position=row.position,
                name=row.name,
                masked_id_number=row.masked_id_number,
                person_digest=row.person_digest,
                roles=tuple(row.roles),
                form_sha256=form_sha256(application_pb2.ApplicationForm.FromString(saga.form)),
            )

    def application_to_sign(
        self, case_id: str, principal: Principal
    ) -> tuple[Saga, PersonSignature | None, bytes]:
        """The case, the caller's request in it (None for its applicant or an administrator)
        and the application PDF with the signatures so far."""
        with self.readers() as session:
            saga = self._saga_named(session, case_id)
            mine = self._request_of(saga, principal)
            if mine is None:
                self._check_owner(saga, principal)
            pdf = saga.application_pdf or b""
            session.expunge(saga)
            return saga, mine, pdf

    # ------------------------------------------------------------------ acting

    def record_signature(
        self, target: SigningTarget, principal: Principal, signed_pdf: bytes, serial: str
    ) -> None:
        """The person's signature, made over ``target.pdf``; the case starts with the last."""

        def work(session: Session) -> set[str]:
            saga = self._lock(session, target.case_id)
            row = self._own_request(saga, principal)
            current = hashlib.sha256(saga.application_pdf or b"").hexdigest()
            if saga.state != AWAITING_SIGNATURES or row.state != WAITING:
                raise Conflict(
                    "this application no longer waits for your signature",
                    message_zh="该申请已不再等待您的签署",
                )
            if current != target.pdf_sha256:
                raise StaleApplicationPdf("another person signed meanwhile; sign again")
            tx = self._tx(session, saga, actor=f"person:{row.masked_id_number}")
            row.state, row.signed_at, row.certificate_serial = SIGNED, tx.now, serial
            saga.application_pdf = signed_pdf
            note(
                tx,
                action="application_signed",
                detail={
                    "name": row.name,
                    "id": row.masked_id_number,
                    "roles": row.roles,
                    "certificate_serial": serial,
                },
            )
            if all(r.state == SIGNED for r in saga.signatures):
                self._signatures_complete(tx)
            self._touch(tx)
            return {saga.id}

        self.on_commit(self._with_retry(work))

    def decline(self, case_id: str, principal: Principal, reason: str) -> None:
        def work(session: Session) -> set[str]:
            saga = self._lock(session, case_id)
            row = self._own_request(saga, principal)
            if saga.state != AWAITING_SIGNATURES or row.state != WAITING:
                raise Conflict(
                    "this application no longer waits for your decision",
                    message_zh="该申请已不再等待您的确认",
                )
            tx = self._tx(session, saga, actor=f"person:{row.masked_id_number}")
            text = excerpt(reason.strip(), 500) or "no reason given"
            row.state, row.reason, row.signed_at = DECLINED, text, tx.now
            note(tx, action="application_declined", detail={"name": row.name, "reason": text})
            who_zh = f"{row.name}（{role_text(row.roles, 'zh')}）"
            who_en = f"{row.name} ({role_text(row.roles, 'en')})"
            self._fail(
                tx,
                f"{who_en} declined to sign the application: {text} / {who_zh}拒绝签署申请：{text}",
                code="declined",
            )
            self._touch(tx)
            return {saga.id}

        self.on_commit(self._with_retry(work))

    def _signatures_due(self, tx: _Tx) -> str:
        """The signing period ended: the case ends unless everyone has signed."""
        if tx.saga.state != AWAITING_SIGNATURES:
            return "not awaiting signatures"
        missing = [r for r in tx.saga.signatures if r.state != SIGNED]
        names_zh = "、".join(f"{r.name}（{role_text(r.roles, 'zh')}）" for r in missing)
        names_en = ", ".join(f"{r.name} ({role_text(r.roles, 'en')})" for r in missing)
        note(tx, action="signatures_expired", detail={"unsigned": [r.name for r in missing]})
        self._fail(
            tx,
            f"not signed within {SIGNING_PERIOD.days} days by {names_en} / "
            f"{names_zh}未在{SIGNING_PERIOD.days}日内签署申请",
            code="signatures_missing",
        )
        return "expired"

    def _signatures_complete(self, tx: _Tx) -> None:
        """The last signature: the application is filed now, and its statutory clock starts."""
        saga = tx.saga
        note(
            tx,
            action="signatures_complete",
            from_state=AWAITING_SIGNATURES,
            to_state=RUNNING,
            detail={"persons": len(saga.signatures)},
        )
        saga.state = RUNNING
        saga.submitted_at = tx.now
        saga.signatures_due_at = None
        self._start(tx)

    # ------------------------------------------------------------------ who is asking

    def _verified_digest(self, principal: Principal) -> str:
        if not principal.person_id:
            raise PermissionDenied(
                "only a person whose identity the real-name provider verified may sign "
                "applications; sign in with real-name authentication",
                message_zh="只有经实名认证的本人可以签署申请，请使用实名认证登录",
            )
        return person_digest(self.person_key_secret, principal.person_id)

    def _request_of(self, saga: Saga, principal: Principal) -> PersonSignature | None:
        if not principal.person_id:
            return None
        digest = self._verified_digest(principal)
        return next((r for r in saga.signatures if r.person_digest == digest), None)

    def _own_request(self, saga: Saga, principal: Principal) -> PersonSignature:
        row = self._request_of(saga, principal)
        if row is None:
            self._verified_digest(principal)
            # A case that does not name the caller answers as an unknown one does (AIP-193):
            # a verified stranger learns nothing about which case ids exist.
            raise CaseNotFound(saga.id)
        if principal.name and principal.name.strip() != row.name:
            raise PermissionDenied(
                "the application names this ID number under another name; ask the applicant "
                "to correct the name before you sign",
                message_zh="申请中该证件号码对应的姓名与您的实名信息不一致，请申请人更正后再签署",
            )
        return row

    @staticmethod
    def _saga_named(session: Session, case_id: str) -> Saga:
        saga = session.get(Saga, case_id)
        if saga is None:
            raise CaseNotFound(case_id)
        return saga
