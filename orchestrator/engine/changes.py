"""A correction that changes what a done step recorded: a change registration (变更登记).

The applicant corrects what a later step asked about, and the correction also changes data the
issued license records (say a shareholder's subscription the bank questioned). The license is
not revoked: the corrected form goes to the registration officer as the record step's change
command (``StepDef.change_command``), the record step shows the officer at work again, and the
steps that waited for the applicant wait for the change. Granted, the license is re-issued under
the same USCC, the corrected form becomes the case's, and the waiting steps run again with it.
Refused, nothing changes and the correction goes back to the applicant with the officer's reason.

Clocks: the applicant's time ends with the correction (the case's clock runs again: the change
is the authority's time); a waiting step's clock stays paused until it runs again, since it
cannot act before the change is decided.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from onestop.common.v1 import application_pb2, common_pb2
from onestop_common import contracts
from onestop_common.errors import Conflict
from orchestrator.definition import StepDef
from orchestrator.engine.core import EngineCore, _summary, note
from orchestrator.engine.states import (
    ACCEPTED,
    AWAITING_APPLICANT,
    DONE,
    PENDING,
    RUNNING,
    Outcome,
    _Tx,
)
from orchestrator.models import SagaStep

log = logging.getLogger(__name__)


class ChangeMixin(EngineCore):
    """Corrections that change a done step's record go to its participant as a change."""

    def _change_or_refuse(
        self, tx: _Tx, settled: Sequence[SagaStep], waiting: Sequence[SagaStep]
    ) -> tuple[SagaStep, StepDef]:
        """The one done step whose record the correction changes, when a change registration can
        take it; a Conflict naming what stands in the way otherwise."""
        records = [
            r for r in settled if r.state == DONE and tx.definition.get(r.name).issues_record
        ]
        others = [tx.definition.get(r.name) for r in settled if r not in records]
        if others:
            names = "; ".join(s.description for s in others)
            names_zh = "、".join(s.title_zh or s.name for s in others)
            raise Conflict(
                f"the correction changes what steps already done or under way acted on ({names}); "
                "correct only the fields named",
                message_zh=f"补正内容涉及已办理或正在办理的环节（{names_zh}），请只修改被指出的内容",
            )
        [record] = records
        record_def = tx.definition.get(record.name)
        blocked = [r for r in waiting if not tx.definition.depends_on(r.name, record.name)]
        if tx.saga.pending_form is not None or blocked:
            raise Conflict(
                f"the correction changes details recorded by {record_def.description}, and a "
                "change registration cannot take it now; correct only the fields named",
                message_zh=f"补正内容涉及{record_def.title_zh}记载的事项，目前无法办理变更登记，"
                "请只修改被指出的内容",
            )
        return record, record_def

    def _request_change(
        self,
        tx: _Tx,
        record: SagaStep,
        record_def: StepDef,
        corrected: application_pb2.ApplicationForm,
        waiting: Sequence[SagaStep],
        update_mask: Sequence[str],
    ) -> None:
        saga = tx.saga
        saga.pending_form = corrected.SerializeToString(deterministic=True)
        note(
            tx,
            action="change_requested",
            step=record.name,
            detail={
                "fields": list(update_mask) or ["(whole form)"],
                "command": record_def.change_command,
                "steps_waiting": [r.name for r in waiting],
            },
        )
        earliest = min((r.paused_at for r in waiting if r.paused_at), default=tx.now)
        self._extend_case_clock(tx, earliest)
        for row in waiting:
            # A new action when it runs again (new data); its clock stays paused until then.
            row.corrections += 1
            row.rejections = b""
            self._set_step(tx, row, PENDING, "waiting_for_change", {"record": record.name})
        record.clock_generation += 1
        self._set_step(tx, record, ACCEPTED, "change_sent", {"command": record_def.change_command})
        request = contracts.new_request(
            record_def.participant, record_def.change_command, form=corrected
        )
        if hasattr(request, "corrected_fields"):
            request.corrected_fields.extend(update_mask)
        self._send(
            tx,
            record_def,
            record_def.change_command,
            request,
            key=f"{saga.id}:{record.name}:{record_def.change_command}:{saga.version}",
        )

    def _on_change_result(
        self, tx: _Tx, step_def: StepDef, response: Any, status: common_pb2.StepStatus
    ) -> None:
        record = tx.step(step_def.name)
        if tx.saga.state != RUNNING or tx.saga.pending_form is None or record.state != ACCEPTED:
            self._result_ignored(tx, record, {"change": Outcome.Name(status.outcome)})
            return
        if status.outcome == Outcome.OUTCOME_ACCEPTED:
            record.task_id = status.task_id or record.task_id
            note(
                tx,
                action="change_task_opened",
                step=record.name,
                detail={"task_id": status.task_id, "items": _items(response)},
            )
        elif status.outcome == Outcome.OUTCOME_DONE:
            self._change_granted(tx, step_def, record, response, status)
        elif status.outcome in (
            Outcome.OUTCOME_REJECTED,
            Outcome.OUTCOME_CORRECTION_REQUESTED,
        ):
            self._change_refused(tx, record, status)

    def _change_granted(
        self,
        tx: _Tx,
        step_def: StepDef,
        record: SagaStep,
        response: Any,
        status: common_pb2.StepStatus,
    ) -> None:
        """The record re-issued: it becomes the step's result (its first finish stands), the
        corrected form the case's, and the steps that waited run again."""
        saga = tx.saga
        assert saga.pending_form is not None
        result = _as_action_result(step_def, response, status)
        record.result = result.SerializeToString()
        record.result_type = result.DESCRIPTOR.full_name
        record.summary = _summary(step_def, result)
        record.actor = status.decided_by or record.actor
        saga.form, saga.pending_form = saga.pending_form, None
        if step_def.case_facts is not None:
            facts = step_def.case_facts(result, self._saga_data(tx))
            saga.uscc = facts.identifier or saga.uscc
            saga.company_name = facts.company_name or saga.company_name
        self._set_step(
            tx,
            record,
            DONE,
            "record_changed",
            {"decided_by": status.decided_by, "items": _items(response)},
        )
        self._advance(tx)

    def _change_refused(self, tx: _Tx, record: SagaStep, status: common_pb2.StepStatus) -> None:
        """Nothing changes: the record stands, and the correction goes back to the applicant
        with the authority's reasons (the steps' clocks pause for the applicant again)."""
        tx.saga.pending_form = None
        self._set_step(
            tx, record, DONE, "change_refused", {"reason": status.reason, "by": status.decided_by}
        )
        given = list(status.rejections) or [
            common_pb2.Rejection(
                field="form",
                rule="change.refused",
                message_zh=status.reason or "变更登记未予核准",
                message_en=status.reason or "the change registration was refused",
            )
        ]
        for row in tx.saga.steps:
            if row.state != PENDING or row.paused_at is None:
                continue
            self._restart_pause(tx, row)
            row.rejections = common_pb2.Rejections(rejections=given).SerializeToString()
            self._set_step(
                tx, row, AWAITING_APPLICANT, "correction_requested", {"reason": status.reason}
            )


def _as_action_result(step_def: StepDef, response: Any, status: common_pb2.StepStatus) -> Any:
    """The change's answer as the step's action result, so the step reads as it always did: the
    fields both messages share by name (the record itself, e.g. the license) copied over."""
    result = contracts.new_response(step_def.participant, step_def.action, status=status)
    given = response.DESCRIPTOR.fields_by_name
    for field in result.DESCRIPTOR.fields:
        theirs = given.get(field.name)
        if field.name in ("context", "status") or theirs is None:
            continue
        if theirs.message_type != field.message_type or theirs.is_repeated != field.is_repeated:
            continue
        value = getattr(response, field.name)
        if field.is_repeated:
            getattr(result, field.name).extend(value)
        elif field.message_type is not None:
            getattr(result, field.name).CopyFrom(value)
        else:
            setattr(result, field.name, value)
    return result


def _items(response: Any) -> list[dict[str, str]]:
    return [{"item": c.item, "before": c.before, "after": c.after} for c in response.changes]
