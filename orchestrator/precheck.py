"""The whole application checked before a case exists: the form's completeness here, and every
participant's own rules by its CheckApplication, all five asked at once.

Each participant runs the same rule code its saga step runs, so what passes here is not refused
by a step for the same reason later. A participant that does not answer in time does not block
the applicant: its step still checks when it runs, and a correctable refusal there waits for a
correction instead of undoing anything.

The merged list names, for every rejection, the person or row it is about ("股东 王芳",
"employee 2 (李雷)"), so a form with twenty people says whose ID number is wrong.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

import grpc

from onestop.common.v1 import application_pb2, limits_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common import contracts
from onestop_common.errors import RuleViolation
from onestop_common.grpc_options import channel_options
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.limits import excerpt
from onestop_common.protoconv import rejections, violations_of
from orchestrator.intake import form_violations

log = logging.getLogger(__name__)

PARTICIPANTS = ("registration", "seal", "invoice", "social_insurance", "bank")
CHECK_RPC = "CheckApplication"
# Long enough for a check under load (a few database reads each), short enough that a
# participant that is down costs the applicant a moment, not a minute.
DEFAULT_TIMEOUT_SECONDS = 3.0
# The contract bounds the answer's list (limits.proto's max_items on
# ValidateApplicationResponse.rejections); a very wrong form (fifty employees, each wrong in
# several ways) would find more.
MAX_REJECTIONS: int = (
    pb.ValidateApplicationResponse.DESCRIPTOR.fields_by_name["rejections"]
    .GetOptions()
    .Extensions[limits_pb2.max_items]
)


@dataclass
class ParticipantChecks:
    """Asks every participant's CheckApplication in parallel over gRPC."""

    targets: dict[str, str]
    token_secret: str
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    _channels: dict[str, grpc.Channel] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(
        self,
        form: application_pb2.ApplicationForm,
        *,
        applicant_id: str,
        case_id: str = "",
        sections: Sequence[str] = (),
    ) -> pb.ValidateApplicationResponse:
        started = time.perf_counter()
        request = application_pb2.CheckApplicationRequest(
            form=form, applicant_id=applicant_id, case_id=case_id
        )
        pending = {name: self._ask(name, request) for name in self.targets}
        own = [replace(v, participant="orchestrator") for v in form_violations(form)]
        checks = [pb.ParticipantCheck(participant="orchestrator", answered=True)]
        checks[0].rejections = len(own)
        found: list[RuleViolation] = list(own)
        for name, future in pending.items():
            check, violations = _collect(name, future, started)
            checks.append(check)
            found += violations
        merged = [name_subject(v, form) for v in _unique(found) if _in_sections(v, sections)]
        return pb.ValidateApplicationResponse(
            passed=not merged,
            rejections=rejections(merged),
            checks=checks,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _ask(
        self, participant: str, request: application_pb2.CheckApplicationRequest
    ) -> Future[application_pb2.CheckApplicationResponse]:
        call = self._channel(participant).unary_unary(
            contracts.method_path(participant, CHECK_RPC),
            request_serializer=application_pb2.CheckApplicationRequest.SerializeToString,
            response_deserializer=application_pb2.CheckApplicationResponse.FromString,
        )
        token = issue_token(self.token_secret, subject="orchestrator", role=Role.SYSTEM)
        return call.future(  # type: ignore[no-any-return]
            request, timeout=self.timeout_seconds, metadata=bearer(token)
        )

    def _channel(self, participant: str) -> grpc.Channel:
        with self._lock:
            channel = self._channels.get(participant)
            if channel is None:
                channel = grpc.insecure_channel(self.targets[participant], channel_options())
                self._channels[participant] = channel
            return channel

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()


def _collect(
    participant: str,
    future: Future[application_pb2.CheckApplicationResponse],
    started: float,
) -> tuple[pb.ParticipantCheck, list[RuleViolation]]:
    check = pb.ParticipantCheck(participant=participant)
    try:
        response = future.result()
    except grpc.RpcError as error:
        # Not the applicant's fault and not a reason to turn them away: the step checks again.
        code = error.code() if isinstance(error, grpc.Call) else None
        log.warning(
            "pre-check: %s did not answer (%s); its step will check when it runs",
            participant,
            code.name if code else error,
        )
        check.elapsed_ms = (time.perf_counter() - started) * 1000
        return check, []
    check.answered = True
    check.rule_set = response.rule_set[:64]
    check.elapsed_ms = (time.perf_counter() - started) * 1000
    found = [replace(v, participant=participant) for v in violations_of(response.rejections)]
    check.rejections = len(found)
    return check, found


def _unique(found: Iterable[RuleViolation]) -> list[RuleViolation]:
    """One problem, said once. A field the form's own completeness rules refuse (missing, badly
    formed) is not refused again by each participant that needs it; and two participants refusing
    the same field by the same rule or in the same words (an ID number checked by registration
    and by the bank) are read once."""
    found = list(found)
    incomplete = {_same_field(v.field) for v in found if v.participant == "orchestrator"}
    seen: set[tuple[str, str]] = set()
    kept: list[RuleViolation] = []
    for v in found:
        field = _same_field(v.field)
        if v.participant != "orchestrator" and field in incomplete:
            continue
        keys = {(field, v.rule), (field, v.message_zh)}
        if keys & seen:
            continue
        seen |= keys
        kept.append(v)
    return kept


def _same_field(path: str) -> str:
    """An amount and its Money message are one field to the applicant."""
    return path.removesuffix(".amount")


def _in_sections(v: RuleViolation, sections: Sequence[str]) -> bool:
    if not sections:
        return True
    return any(
        v.field == s or v.field.startswith((f"{s}.", f"{s}[")) for s in sections if s.strip()
    )


# --------------------------------------------------------------------------- whose field

_ROW = re.compile(r"^form\.(?P<group>[a-z_]+)\[(?P<index>\d+)\]")
_SEAL_NAMES = {
    application_pb2.SEAL_KIND_OFFICIAL: ("公章", "official seal"),
    application_pb2.SEAL_KIND_FINANCE: ("财务专用章", "finance seal"),
    application_pb2.SEAL_KIND_INVOICE: ("发票专用章", "invoice seal"),
    application_pb2.SEAL_KIND_LEGAL_REP: ("法定代表人名章", "legal representative's seal"),
    application_pb2.SEAL_KIND_CONTRACT: ("合同专用章", "contract seal"),
}
# Fields of one person outside the repeated groups: (path prefix, zh role, en role, person).
_PEOPLE = (
    ("form.legal_representative", "法定代表人", "legal representative"),
    ("form.contact", "联系人", "contact person"),
    ("form.invoice.finance_contact", "财务负责人", "finance contact"),
)


def name_subject(v: RuleViolation, form: application_pb2.ApplicationForm) -> RuleViolation:
    """The rejection with the person or row it is about, taken from the form itself."""
    zh, en = subject_of(v.field, form)
    return replace(v, subject_zh=zh, subject_en=en)


def subject_of(path: str, form: application_pb2.ApplicationForm) -> tuple[str, str]:
    row = _ROW.match(path)
    if row:
        return _row_subject(row.group("group"), int(row.group("index")), form)
    for prefix, zh, en in _PEOPLE:
        if path == prefix or path.startswith(f"{prefix}."):
            name = _short(_person_name(form, prefix))
            return (f"{zh} {name}", f"{en} {name}") if name else (zh, en)
    return "", ""


def _row_subject(group: str, index: int, form: application_pb2.ApplicationForm) -> tuple[str, str]:
    number = index + 1
    if group == "shareholders":
        name = (
            _short(form.shareholders[index].person.name) if index < len(form.shareholders) else ""
        )
        return _labelled("股东", "shareholder", number, name)
    if group == "employees":
        name = _short(form.employees[index].person.name) if index < len(form.employees) else ""
        return _labelled("职工", "employee", number, name)
    if group == "officers":
        name = _short(form.officers[index].person.name) if index < len(form.officers) else ""
        return _labelled("主要人员", "officer", number, name)
    if group == "seals":
        kind = form.seals[index].kind if index < len(form.seals) else 0
        zh, en = _SEAL_NAMES.get(kind, ("", ""))
        return (
            f"第 {number} 枚印章" + (f"（{zh}）" if zh else ""),
            f"seal {number}" + (f" ({en})" if en else ""),
        )
    if group == "business_scope":
        return f"经营范围第 {number} 项", f"business scope item {number}"
    return f"第 {number} 行", f"row {number}"


def _labelled(zh: str, en: str, number: int, name: str) -> tuple[str, str]:
    if name:
        return f"{zh} {number}（{name}）", f"{en} {number} ({name})"
    return f"{zh} {number}", f"{en} {number}"


def _person_name(form: application_pb2.ApplicationForm, prefix: str) -> str:
    if prefix == "form.legal_representative":
        return form.legal_representative.name
    if prefix == "form.contact":
        return form.contact.person.name
    return form.invoice.finance_contact.name


def _short(name: str) -> str:
    """A name as typed, cut short: never more than a short excerpt of the input is echoed."""
    return excerpt(name.strip(), 20) if name.strip() else ""


def answer_within_contract(
    validation: pb.ValidateApplicationResponse,
) -> pb.ValidateApplicationResponse:
    """``validation`` as an answer may carry it: at most the contract's number of rejections.
    (A refused submission keeps the whole list: its error says how many there are.)"""
    if len(validation.rejections) <= MAX_REJECTIONS:
        return validation
    kept = within_contract(list(violations_of(validation.rejections)))
    answer = pb.ValidateApplicationResponse()
    answer.CopyFrom(validation)
    del answer.rejections[:]
    answer.rejections.extend(rejections(kept))
    return answer


def within_contract(found: list[RuleViolation], limit: int = MAX_REJECTIONS) -> list[RuleViolation]:
    """The first ``limit - 1`` rejections and one saying how many more there are, when there are
    more than the contract's list holds; ``found`` itself otherwise."""
    if len(found) <= limit:
        return found
    more = len(found) - (limit - 1)
    return [
        *found[: limit - 1],
        RuleViolation(
            field="form",
            rule="more_rejections",
            message_zh=f"另有 {more} 处问题未列出：请先改正以上各项，再检查一次",
            message_en=f"{more} more problems not listed: correct the ones above, then check again",
            participant="orchestrator",
        ),
    ]
