"""Submissions and the applicant's actions: a case created, cancelled, corrected, a promised
material supplied."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from google.protobuf import field_mask_pb2
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onestop.common.v1 import application_pb2
from onestop_common import contracts
from onestop_common.db import transaction
from onestop_common.errors import (
    Conflict,
    InvalidInput,
    violation,
)
from onestop_common.identity import Principal
from onestop_common.limits import excerpt
from orchestrator import audit
from orchestrator.definition import (
    SagaData,
    SagaDef,
)
from orchestrator.engine.changes import ChangeMixin
from orchestrator.engine.core import (
    _company_name,
    _iso,
    new_case_id,
    note,
)
from orchestrator.engine.states import (
    AWAITING_APPLICANT,
    AWAITING_SIGNATURES,
    CANCELLED_CODE,
    PENDING,
    RUNNING,
    CaseNotFound,
    _Tx,
)
from orchestrator.models import Saga, SagaStep

log = logging.getLogger(__name__)


class IntakeMixin(ChangeMixin):
    """Submissions and the applicant's actions: a case created, cancelled, corrected, a promised
    material supplied."""

    def submit(
        self,
        principal: Principal,
        idempotency_key: str,
        form: application_pb2.ApplicationForm,
        definition: str = "",
        *,
        precheck: dict[str, Any] | None = None,
    ) -> tuple[str, bool]:
        """Starts a case; the same applicant and key return the existing case (created=False).
        ``precheck`` (what the checks before it found) goes into the case's audit."""
        form_bytes = form.SerializeToString(deterministic=True)
        existing = self._find_by_key(principal.applicant_id, idempotency_key)
        if existing is not None:
            return self._same_submission(existing, form_bytes), False
        defn = self.definitions.latest(definition or self.default_definition)
        case_id = new_case_id(self.clock.now())
        try:
            with transaction(self.sessions) as session:
                self._create(
                    session, defn, case_id, principal, idempotency_key, form, form_bytes, precheck
                )
        except IntegrityError:
            # Two identical submissions raced: the other one won, return its case.
            existing = self._find_by_key(principal.applicant_id, idempotency_key)
            if existing is None:
                raise
            return self._same_submission(existing, form_bytes), False
        self.on_commit([case_id])
        return case_id, True

    def find_submission(
        self, principal: Principal, idempotency_key: str, form: application_pb2.ApplicationForm
    ) -> str | None:
        """The case an earlier request with this key created, or None; Conflict when the key
        was used for a different form."""
        existing = self._find_by_key(principal.applicant_id, idempotency_key)
        if existing is None:
            return None
        return self._same_submission(existing, form.SerializeToString(deterministic=True))

    def case_form(self, case_id: str, principal: Principal) -> application_pb2.ApplicationForm:
        with self.readers() as session:
            saga = session.get(Saga, case_id)
            if saga is None:
                raise CaseNotFound(case_id)
            self._check_owner(saga, principal)
            return application_pb2.ApplicationForm.FromString(saga.form)

    def _find_by_key(self, applicant: str, key: str) -> tuple[str, bytes] | None:
        with self.readers() as session:
            row = session.execute(
                select(Saga.id, Saga.form).where(
                    Saga.applicant_id == applicant, Saga.idempotency_key == key
                )
            ).first()
            return (row[0], row[1]) if row else None

    @staticmethod
    def _same_submission(existing: tuple[str, bytes], form_bytes: bytes) -> str:
        case_id, stored_form = existing
        if stored_form != form_bytes:
            raise Conflict(
                "this idempotency key was already used for a different application",
                message_zh="该幂等键已用于另一份申请",
            )
        return case_id

    def _create(
        self,
        session: Session,
        defn: SagaDef,
        case_id: str,
        principal: Principal,
        key: str,
        form: application_pb2.ApplicationForm,
        form_bytes: bytes,
        precheck: dict[str, Any] | None = None,
    ) -> None:
        now = self.clock.now()
        due, warn = self._deadline(now, defn.limit)
        saga = Saga(
            id=case_id,
            definition=defn.name,
            definition_version=defn.version,
            applicant_id=principal.applicant_id,
            idempotency_key=key,
            state=RUNNING,
            form=form_bytes,
            company_name=_company_name(form),
            submitted_at=now,
            due_at=due,
            warn_at=warn,
        )
        saga.steps = [
            SagaStep(
                name=s.name, position=i, state=PENDING, limit_workdays=str(s.limit), actor=s.actor
            )
            for i, s in enumerate(defn.steps)
        ]
        session.add(saga)
        session.flush()
        tx = _Tx(session, saga, defn, now, principal.subject)
        audit.append(
            session,
            saga,
            at=now,
            actor=principal.subject,
            action="submitted",
            to_state=RUNNING,
            detail={
                "definition": defn.name,
                "definition_version": defn.version,
                "key": key,
                "due_at": _iso(due),
                "checked_before": precheck or {},
            },
        )
        if not self._request_signatures(tx, form, self.person_key_secret):
            self._start(tx)

    def _start(self, tx: _Tx) -> None:
        """The case's clock starts and its first steps go out."""
        due, warn = self._deadline(tx.now, tx.definition.limit)
        tx.saga.due_at, tx.saga.warn_at = due, warn
        if due is not None and warn is not None:
            self._schedule(tx, "case_warning", warn)
            self._schedule(tx, "case_breach", due)
        else:
            self._note_unknown_deadline(tx, "")
        self._advance(tx)

    def cancel(self, case_id: str, principal: Principal, reason: str) -> None:
        """Withdraws the case; a case withdrawn already stays as it is (a repeated request, say
        after a lost answer, is not an error). One that ended otherwise cannot be withdrawn."""

        def work(session: Session) -> set[str]:
            saga = self._lock(session, case_id)
            self._check_owner(saga, principal)
            if saga.compensation_reason == CANCELLED_CODE:
                return set()
            if saga.state not in (RUNNING, AWAITING_SIGNATURES):
                raise Conflict(
                    f"case {case_id} is {saga.state}; only a running case can be cancelled",
                    message_zh=f"案件 {case_id} 状态为 {saga.state}，无法撤回",
                    reason="CASE_ALREADY_ENDED",
                    info={"state": saga.state},
                )
            tx = self._tx(session, saga, actor=principal.subject)
            text = reason.strip() or "withdrawn by the applicant"
            note(
                tx,
                action="cancel_requested",
                detail={"reason": text},
            )
            self._fail(tx, f"cancelled: {text}", code=CANCELLED_CODE)
            self._touch(tx)
            return {case_id}

        self.on_commit(self._with_retry(work))

    def correct(
        self,
        case_id: str,
        principal: Principal,
        form: application_pb2.ApplicationForm,
        update_mask: Sequence[str] = (),
    ) -> None:
        """The applicant's correction of what a step refused as correctable.

        Only the fields in ``update_mask`` are taken from ``form`` (all of it when the mask is
        empty). The step that asked runs again with them — the registration officer's request
        goes back to the officer — and completed steps stand. Nothing is revoked: a correction
        that changes what a done step recorded (the license) goes to that step's participant as
        a change registration first (``engine.changes``); one that would change what another
        completed or running step acted on is refused, naming it.
        """

        def work(session: Session) -> set[str]:
            saga = self._lock(session, case_id)
            self._check_owner(saga, principal)
            tx = self._tx(session, saga, actor=principal.subject)
            waiting = [r for r in saga.steps if r.state == AWAITING_APPLICANT]
            if saga.state != RUNNING or not waiting:
                raise Conflict(
                    "no step of this case is waiting for a correction",
                    message_zh="该案件没有等待补正的环节",
                )
            before = self._saga_data(tx)
            corrected = corrected_form(before.form, form, update_mask)
            after = replace(before, form=corrected)
            changed = self._changed_inputs(tx, before, after)
            settled = self._settled_changes(tx, changed, waiting)
            change = self._change_or_refuse(tx, settled, waiting) if settled else None
            note(
                tx,
                action="correction_submitted",
                step=waiting[0].name,
                detail={
                    "fields": list(update_mask) or ["(whole form)"],
                    "steps_rerun": [r.name for r in waiting],
                    "inputs_changed": sorted(changed),
                },
            )
            if change is not None:
                record, record_def = change
                self._request_change(tx, record, record_def, corrected, waiting, update_mask)
            else:
                saga.form = corrected.SerializeToString(deterministic=True)
                saga.company_name = _company_name(corrected)
                for row in waiting:
                    self._rerun_corrected(tx, row, corrected)
            self._touch(tx)
            return {case_id}

        self.on_commit(self._with_retry(work))

    def _changed_inputs(self, tx: _Tx, before: SagaData, after: SagaData) -> set[str]:
        """The steps whose command the correction changes, directly or through a record it
        changes: a step that takes the company's name from the license would get the new name
        once the license is changed, so each step is compared also as the form alone decides
        it (the records' results left out)."""
        records = {s.name for s in tx.definition.steps if s.issues_record}

        def form_only(data: SagaData) -> SagaData:
            kept = {k: v for k, v in data.results.items() if k not in records}
            return replace(data, results=kept)

        plain_before, plain_after = form_only(before), form_only(after)
        return {
            step_def.name
            for step_def in tx.definition.steps
            if step_def.acted_on(before) != step_def.acted_on(after)
            or step_def.acted_on(plain_before) != step_def.acted_on(plain_after)
        }

    @staticmethod
    def _settled_changes(tx: _Tx, changed: set[str], waiting: Sequence[SagaStep]) -> list[SagaStep]:
        """The steps done or under way whose input the correction changes (the waiting ones
        aside): they stand, so the correction cannot simply run again."""
        waiting_names = {r.name for r in waiting}
        return [
            row
            for row in tx.saga.steps
            if row.name in changed and row.name not in waiting_names and row.state != PENDING
        ]

    def _rerun_corrected(
        self, tx: _Tx, row: SagaStep, form: application_pb2.ApplicationForm
    ) -> None:
        step_def = tx.definition.get(row.name)
        if "ApplyCorrection" in tx.definition.side_commands.get(row.name, ()):
            # The officer asked: the corrected form goes back to the officer's task.
            request = contracts.new_request(step_def.participant, "ApplyCorrection", form=form)
            self._send(
                tx,
                step_def,
                "ApplyCorrection",
                request,
                key=f"{tx.saga.id}:{row.name}:ApplyCorrection:{tx.saga.version}",
            )
            return
        # The participant refused the data itself: its action runs again, as a new action.
        row.corrections += 1
        self._resume_clock(tx, row)
        self._dispatch(tx, step_def)

    def supply_material(
        self,
        case_id: str,
        principal: Principal,
        code: str,
        file_name: str,
        content: bytes,
        content_type: str,
    ) -> None:
        def work(session: Session) -> set[str]:
            saga = self._lock(session, case_id)
            self._check_owner(saga, principal)
            materials = {k: list(v) for k, v in (saga.commitment_materials or {}).items()}
            if saga.commitment_state not in ("open", "supplied"):
                raise Conflict(
                    f"the case has no open commitment (state {saga.commitment_state})",
                    message_zh="该案件没有待履行的承诺",
                )
            if code not in materials.get("outstanding", []):
                raise Conflict(
                    f"material {code!r} is not outstanding for this case",
                    message_zh=f"材料 {code} 不在待补交清单中",
                )
            tx = self._tx(session, saga, actor=principal.subject)
            step_def = tx.definition.get(tx.definition.commitment_step)
            request = contracts.new_request(
                step_def.participant,
                "SupplyMaterial",
                material_code=code,
                file_name=file_name,
                content=content,
                content_type=content_type,
            )
            self._send(
                tx,
                step_def,
                "SupplyMaterial",
                request,
                key=f"{case_id}:{step_def.name}:SupplyMaterial:{code}:{saga.version}",
            )
            if code not in materials.setdefault("supplied", []):
                materials["supplied"].append(code)
            saga.commitment_materials = materials
            saga.commitment_state = "supplied"
            note(
                tx,
                action="material_supplied",
                step=step_def.name,
                detail={"material": code, "file": file_name, "bytes": len(content)},
            )
            self._touch(tx)
            return {case_id}

        self.on_commit(self._with_retry(work))


def corrected_form(
    current: application_pb2.ApplicationForm,
    correction: application_pb2.ApplicationForm,
    update_mask: Sequence[str],
) -> application_pb2.ApplicationForm:
    """``current`` with the masked fields taken from ``correction`` (lists replaced whole);
    an empty mask takes the whole corrected form."""
    if not update_mask:
        return correction
    mask = field_mask_pb2.FieldMask(paths=list(update_mask))
    if not mask.IsValidForDescriptor(application_pb2.ApplicationForm.DESCRIPTOR):
        bad = [p for p in update_mask if not _valid_path(p)]
        shown = ", ".join(excerpt(p, 60) for p in bad[:5])
        raise InvalidInput.of(
            [
                violation(
                    "update_mask",
                    "unknown_field",
                    f"更正字段不存在：{shown}",
                    f"no such field in the form: {shown}",
                )
            ]
        )
    merged = application_pb2.ApplicationForm()
    merged.CopyFrom(current)
    mask.MergeMessage(correction, merged, replace_message_field=True, replace_repeated_field=True)
    return merged


def _valid_path(path: str) -> bool:
    mask = field_mask_pb2.FieldMask(paths=[path])
    return bool(mask.IsValidForDescriptor(application_pb2.ApplicationForm.DESCRIPTOR))
