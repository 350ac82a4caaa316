"""What the pages show of the platform's messages: states, deadlines and remaining working
time, a company's seals, authorised users and usage register, in the reader's language (plain
data for the templates; no I/O)."""

from __future__ import annotations

import base64
import functools
import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import pypdfium2

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.seal.v1 import seal_pb2
from onestop_common.protoconv import from_timestamp
from portal import catalogue, formdata
from portal.i18n import MATERIALS, enum_label, enum_labels, translate

TERMINAL = frozenset(
    {
        common_pb2.CASE_STATE_COMPLETED,
        common_pb2.CASE_STATE_COMPENSATED,
        common_pb2.CASE_STATE_FAILED,
    }
)
STEP_ACTORS = {
    "license": "officer",
    "seal": "seal_maker",
    "invoice": "tax_staff",
    "social_insurance": "si_clerk",
    "bank": "bank_clerk",
}


def when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


def until(value: datetime | None) -> str:
    """An end of period: a midnight is shown as the day before at 24:00 (a commitment due at
    the end of its 60th day), so nobody reads it as a day later."""
    if value is None:
        return ""
    if (value.hour, value.minute, value.second) == (0, 0, 0):
        return f"{value - timedelta(days=1):%Y-%m-%d} 24:00"
    return when(value)


def duration(seconds: int, lang: str) -> str:
    """Working time as hours and minutes ("3 小时 05 分" / "3 h 05 min")."""
    hours, rest = divmod(abs(int(seconds)), 3600)
    minutes = rest // 60
    if lang == "en":
        return f"{hours} h {minutes:02d} min"
    return f"{hours} 小时 {minutes:02d} 分"


@dataclass(frozen=True)
class DeadlineView:
    due: str
    limit: str
    remaining: str
    # "ok", "warned", "breached", "paused", "unknown" (waits for a year's official calendar) or
    # "none" (no deadline yet / finished).
    status: str
    breached: bool


def deadline_view(
    deadline: common_pb2.Deadline, lang: str, *, running: bool = True
) -> DeadlineView:
    t = lambda key: translate(key, lang)  # noqa: E731
    limit = ""
    if deadline.limit_workdays:
        try:
            days = Decimal(deadline.limit_workdays).normalize()
        except InvalidOperation:
            days = Decimal(0)
        limit = f"{days:f} {t('case.workdays')}"
    due_at = from_timestamp(deadline.due_at)
    waiting = deadline.awaiting_calendar_year
    if waiting and running:
        unknown = t("case.calendar_unknown").replace("{year}", str(waiting))
        return DeadlineView(when(due_at), limit, unknown, "unknown", False)
    if due_at is None:
        return DeadlineView("", limit, "", "none", False)
    seconds = deadline.remaining_working_seconds
    if not running:
        remaining = ""
    elif seconds < 0 or deadline.breached:
        remaining = f"{t('case.overdue')} {duration(seconds, lang)}"
    else:
        remaining = duration(seconds, lang)
    if deadline.paused and running:
        remaining = (
            f"{remaining}（{t('case.paused')}）"
            if lang == "zh"
            else f"{remaining} ({t('case.paused')})"
        )
    if deadline.breached or seconds < 0:
        status = "breached"
    elif deadline.paused:
        status = "paused"
    elif deadline.warned:
        status = "warned"
    else:
        status = "ok"
    return DeadlineView(when(due_at), limit, remaining, status, status == "breached")


def state_key(enum: object, prefix: str, number: int) -> str:
    try:
        return str(enum.Name(number)).removeprefix(prefix)  # type: ignore[attr-defined]
    except ValueError:
        return "UNSPECIFIED"


@dataclass(frozen=True)
class Problem:
    """A rejection as a person reads it: which answer (the person or row, then the field) and
    what is wrong, in the page's language only."""

    field: str
    anchor: str
    where: str
    message: str


@dataclass(frozen=True)
class StepView:
    name: str
    label: str
    state: str
    state_label: str
    actor: str
    deadline: DeadlineView
    summary: str
    rejections: tuple[common_pb2.Rejection, ...]
    finished: str
    problems: tuple[Problem, ...] = ()

    @property
    def awaiting(self) -> bool:
        return self.state == "AWAITING_APPLICANT"


def actor_label(actor: str, step: str, lang: str) -> str:
    if not actor:
        role = STEP_ACTORS.get(step, "")
        return translate(f"role.{role}", lang) if role else translate("actor.platform", lang)
    key = {
        "automatic": "actor.automatic",
        "auto": "actor.automatic",
        "applicant": "actor.applicant",
    }
    if actor in key:
        return translate(key[actor], lang)
    try:
        return translate(f"role.{actor}", lang)
    except KeyError:
        return actor


def step_view(step: pb.Step, lang: str) -> StepView:
    state = state_key(common_pb2.StepState, "STEP_STATE_", step.state)
    active = state in ("DISPATCHED", "ACCEPTED", "AWAITING_APPLICANT")
    try:
        label = translate(f"step.{step.name}", lang)
    except KeyError:
        label = step.name
    return StepView(
        name=step.name,
        label=label,
        state=state,
        state_label=enum_label("step_state", state, lang),
        actor=actor_label(step.actor, step.name, lang),
        deadline=deadline_view(step.deadline, lang, running=active),
        summary=step.summary,
        rejections=tuple(step.rejections),
        finished=when(from_timestamp(step.finished_at)),
        problems=tuple(problem(r, lang) for r in step.rejections),
    )


@dataclass(frozen=True)
class CaseView:
    case_id: str
    company_name: str
    state: str
    state_label: str
    uscc: str
    submitted: str
    finished: str
    deadline: DeadlineView
    steps: tuple[StepView, ...]
    failure_reason: str
    rejections: tuple[common_pb2.Rejection, ...]
    bundle_ready: bool
    terminal: bool
    awaiting_applicant: bool
    # The steps that wait for the applicant's correction (their fields and reasons).
    waiting: tuple[StepView, ...]
    commitment_state: str
    commitment_due: str
    outstanding: tuple[common_pb2.MissingMaterial, ...]
    supplied: tuple[common_pb2.MissingMaterial, ...]
    cancellable: bool
    version: int
    # The company exists and its seals are made: its seals page has something to show.
    seals_ready: bool
    # Why working time stands still right now (night, weekend, holiday), in the page's language.
    standstill: str = ""
    # The persons the form names and their confirmation: name, masked ID, state key, when.
    signatures: tuple[dict[str, str], ...] = ()
    signatures_due: str = ""


def case_view(app: pb.Application, lang: str) -> CaseView:
    state = state_key(common_pb2.CaseState, "CASE_STATE_", app.state)
    steps = tuple(step_view(step, lang) for step in app.steps)
    commitment = state_key(pb.CommitmentState, "COMMITMENT_STATE_", app.commitment.state)
    terminal = app.state in TERMINAL
    return CaseView(
        case_id=app.case_id,
        company_name=app.company_name,
        state=state,
        state_label=enum_label("case_state", state, lang),
        uscc=app.uscc,
        submitted=when(from_timestamp(app.submitted_at)),
        finished=when(from_timestamp(app.finished_at)),
        deadline=deadline_view(app.deadline, lang, running=not terminal),
        steps=steps,
        failure_reason=app.failure_reason,
        rejections=tuple(app.rejections),
        bundle_ready=app.bundle_ready,
        terminal=terminal,
        awaiting_applicant=any(s.awaiting for s in steps),
        waiting=tuple(s for s in steps if s.awaiting),
        commitment_state=commitment,
        commitment_due=until(from_timestamp(app.commitment.due_at)),
        outstanding=tuple(app.commitment.outstanding),
        supplied=tuple(app.commitment.supplied),
        cancellable=app.state
        in (
            common_pb2.CASE_STATE_RUNNING,
            common_pb2.CASE_STATE_AWAITING_APPLICANT,
            common_pb2.CASE_STATE_AWAITING_SIGNATURES,
        ),
        version=app.version,
        seals_ready=bool(app.uscc) and any(s.name == "seal" and s.state == "DONE" for s in steps),
        standstill="" if terminal else standstill_text(app, lang),
        signatures=tuple(signature_row(s) for s in app.signatures),
        signatures_due=until(from_timestamp(app.signatures_due_at)),
    )


_SIGNATURE_STATES = {
    pb.SIGNATURE_STATE_WAITING: "waiting",
    pb.SIGNATURE_STATE_SIGNED: "signed",
    pb.SIGNATURE_STATE_DECLINED: "declined",
}


def signature_row(signature: pb.PersonSignature) -> dict[str, str]:
    return {
        "name": signature.name,
        "id": signature.masked_id_number,
        "state": _SIGNATURE_STATES.get(signature.state, "waiting"),
        "signed_at": when(from_timestamp(signature.signed_at)),
    }


# ---------------------------------------------------------------------------- rejections


def rejection_text(rejection: common_pb2.Rejection, lang: str) -> str:
    """The rejection's message in the page's language, after the person or row it names
    ("职工 2（李雷）：身份证号码校验码不正确")."""
    subject = rejection.subject_en if lang == "en" else rejection.subject_zh
    message = rejection.message_en if lang == "en" else rejection.message_zh
    if not message:
        message = translate("error.title", lang)
    return f"{subject}{translate('error.subject_sep', lang)}{message}" if subject else message


def field_text(field: str, lang: str, subject: str = "") -> str:
    """Where a form path is, in words ("职工 2（李雷）· 证件号码", "Bank account · Branch";
    "整个申请" for the whole form); empty for a path that is not the form's."""
    label = formdata.label_of(field)
    owner = subject
    if not owner and label.owner:
        owner = translate(label.owner, lang) + (f" {label.number}" if label.number else "")
    what = translate(label.field, lang) if label.field else ""
    return " · ".join(part for part in (owner, what) if part)


def rejection_place(rejection: common_pb2.Rejection, lang: str) -> str:
    """Where a rejection's field is, in words, with the person or row it names."""
    subject = rejection.subject_en if lang == "en" else rejection.subject_zh
    return field_text(rejection.field, lang, subject)


def problem(rejection: common_pb2.Rejection, lang: str) -> Problem:
    subject = rejection.subject_en if lang == "en" else rejection.subject_zh
    message = rejection.message_en if lang == "en" else rejection.message_zh
    return Problem(
        field=rejection.field,
        anchor=formdata.dom_id(rejection.field.removeprefix("form.") or "_general"),
        where=field_text(rejection.field, lang, subject),
        message=message,
    )


# ---------------------------------------------------------------------------- the review page


@dataclass(frozen=True)
class Answer:
    name: str
    label: str
    value: str


@dataclass(frozen=True)
class AnswerBlock:
    heading: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class AnswerSection:
    key: str
    title: str
    anchor: str
    blocks: tuple[AnswerBlock, ...]


_ENUM_INPUTS = {
    "enterprise_type": "enterprise_type",
    "id_type": "id_type",
    "form": "contribution_form",
    "role": "officer_role",
}
_FLAGS = ("invoice.request_general_taxpayer", "invoice.declares_proper_accounts")


def answers(fields: dict[str, str], lang: str) -> list[AnswerSection]:
    """Every answer of the form, section by section, as the review page lists them."""
    t = lambda key: translate(key, lang)  # noqa: E731
    found = []
    for section in formdata.PAGE_SECTIONS:
        blocks: list[AnswerBlock] = []
        for path in section.paths:
            if path in formdata.ROWS:
                blocks += _row_blocks(fields, path, lang)
                continue
            names = [
                n for n in (*formdata.SIMPLE, *sorted(formdata.MULTI)) if formdata.under(n, path)
            ]
            if path == "commitment" and not fields.get("commitment.materials"):
                names = ["commitment.materials"]
            for name in names:
                label = formdata.label_of(name)
                heading = t(label.owner) if label.owner else ""
                answer = Answer(name, t(label.field), answer_value(fields, name, lang))
                if blocks and blocks[-1].heading == heading:
                    last = blocks.pop()
                    blocks.append(AnswerBlock(heading, (*last.answers, answer)))
                else:
                    blocks.append(AnswerBlock(heading, (answer,)))
        found.append(
            AnswerSection(
                section.key, t(section.title), formdata.dom_id(section.anchor), tuple(blocks)
            )
        )
    return found


def _row_blocks(fields: dict[str, str], group: str, lang: str) -> list[AnswerBlock]:
    blocks: list[AnswerBlock] = []
    owner = translate(f"form.{group.removesuffix('s')}", lang)
    for i in range(formdata.rows(fields, group)):
        base = f"{group}[{i}]"
        if formdata.row_is_empty(fields, group, i):
            continue
        who = fields.get(f"{base}.person.name", "").strip()
        number = len(blocks) + 1
        heading = f"{owner} {number}" + (
            (f"（{who}）" if lang == "zh" else f" ({who})") if who else ""
        )
        items = tuple(
            Answer(
                f"{base}.{sub}",
                translate(formdata.label_of(f"{base}.{sub}").field, lang),
                answer_value(fields, f"{base}.{sub}", lang),
            )
            for sub in formdata.ROW_FIELDS[group]
            if not (sub == "person.nationality" and not fields.get(f"{base}.{sub}"))
        )
        blocks.append(AnswerBlock(heading, items))
    if not blocks:
        none = translate("review.rows_none", lang)
        blocks.append(
            AnswerBlock("", (Answer(group, translate(formdata.LABELS[group], lang), none),))
        )
    return blocks


def answer_value(fields: dict[str, str], name: str, lang: str) -> str:
    """An answer as the applicant reads it: choices by their labels, money in yuan."""
    value = fields.get(name, "").strip()
    yes, no = translate("common.yes", lang), translate("common.no", lang)
    sep = "; " if lang == "en" else "；"
    if name in _FLAGS or name == "commitment.agreed":
        return yes if value else no
    if name in formdata.MULTI:
        items = formdata.values(fields, name)
        if name == "seals":
            items = _seal_list(items, lang)
        elif name == "invoice.kinds":
            items = [enum_label("invoice_kind", k, lang) for k in items]
        elif name == "commitment.materials":
            items = [
                MATERIALS[c][1] if lang == "en" else MATERIALS[c][0]
                for c in items
                if c in MATERIALS
            ]
        return sep.join(items) if items else translate("review.not_given", lang)
    if not value:
        return translate("review.not_given", lang)
    leaf = name.rsplit(".", 1)[-1]
    if leaf in _ENUM_INPUTS:
        return enum_label(_ENUM_INPUTS[leaf], value, lang)
    if name == "domicile.division_code":
        return _choice(catalogue.districts(), value, lang)
    if name == "name.industry_code":
        return _choice(catalogue.industries(), value, lang)
    if name == "bank.bank_code":
        return _choice(catalogue.banks(), value, lang)
    if name.endswith(".amount"):
        return f"{value} {translate('common.yuan', lang)}"
    return value


def _choice(choices: Iterable[catalogue.Choice], value: str, lang: str) -> str:
    for choice in choices:
        if choice.value == value:
            return choice.label(lang)
    return value


def _seal_list(chosen: list[str], lang: str) -> list[str]:
    found = []
    for kind in formdata.SEAL_KINDS:
        modes = [m for m in ("physical", "electronic") if f"{kind}.{m}" in chosen]
        if modes:
            forms = ("、" if lang == "zh" else ", ").join(
                translate(f"form.seals.{m}", lang) for m in modes
            )
            name = enum_label("seal_kind", kind, lang)
            found.append(f"{name}（{forms}）" if lang == "zh" else f"{name} ({forms})")
    return found


def standstill_text(app: pb.Application, lang: str) -> str:
    from onestop_common.calendar import BusinessCalendar

    as_of = from_timestamp(app.deadline.as_of)
    if as_of is None:
        return ""
    still = BusinessCalendar().standstill(as_of)
    if still is None:
        return ""
    return f"{as_of:%Y-%m-%d %H:%M} " + (still[1] if lang == "en" else still[0])


# ---------------------------------------------------------------------------- seals

# Points per millimetre: the seals page takes positions in mm, SignPdf in PDF points.
PT_PER_MM = 72 / 25.4
# The impression is shown about as large as it is on paper on a typical screen.
IMPRESSION_DPI = 96
# pdfium is not thread-safe, and the pages render in the web server's worker threads.
_PDFIUM = threading.Lock()
# Seal kinds in the seal service's usual order.
KIND_ORDER = ("OFFICIAL", "FINANCE", "INVOICE", "LEGAL_REP", "CONTRACT")


def when_exact(value: datetime | None) -> str:
    """A time to the second, in Asia/Shanghai (what ``from_timestamp`` answers in)."""
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else ""


def kind_name(number: int) -> str:
    return state_key(application_pb2.SealKind, "SEAL_KIND_", number)


def kind_number(name: str) -> int:
    """The SealKind of a name from a form; 0 (unspecified) for anything unknown, which the
    seal service refuses naming the field."""
    try:
        return int(application_pb2.SealKind.Value(f"SEAL_KIND_{name}"))
    except ValueError:
        return application_pb2.SEAL_KIND_UNSPECIFIED


@functools.lru_cache(maxsize=256)
def impression_data_uri(pdf: bytes) -> str:
    """The impression PDF (as issued) rasterised for an <img>: a data: URI, which the portal's
    content security policy allows for images."""
    if not pdf:
        return ""
    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            bitmap = document[0].render(scale=IMPRESSION_DPI / 72, fill_color=(255, 255, 255, 0))
            image = bitmap.to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@dataclass(frozen=True)
class SealView:
    code: str
    kind: str
    kind_zh: str
    kind_en: str
    state: str
    state_label: str
    physical: bool
    electronic: bool
    text: str
    filing_number: str
    filed_at: str
    certificate_serial: str
    certificate_from: str
    certificate_until: str
    impression: str
    # Active and electronic: it can sign a PDF.
    usable: bool


def seal_view(seal: seal_pb2.Seal, lang: str) -> SealView:
    kind = kind_name(seal.kind)
    state = state_key(seal_pb2.SealState, "SEAL_STATE_", seal.state)
    kind_zh, kind_en = enum_labels("seal_kind", kind)
    return SealView(
        code=seal.seal_code,
        kind=kind,
        kind_zh=kind_zh,
        kind_en=kind_en,
        state=state,
        state_label=enum_label("seal_state", state, lang),
        physical=seal.physical,
        electronic=seal.electronic,
        text=seal.text,
        filing_number=seal.filing_number,
        filed_at=when(from_timestamp(seal.filed_at)),
        certificate_serial=seal.certificate_serial,
        certificate_from=when(from_timestamp(seal.certificate_not_before)),
        certificate_until=when(from_timestamp(seal.certificate_not_after)),
        impression=impression_data_uri(seal.impression_pdf) if seal.electronic else "",
        usable=seal.electronic and seal.state == seal_pb2.SEAL_STATE_ACTIVE,
    )


def usable_kinds(seals: Iterable[SealView]) -> list[str]:
    """The kinds a grant may cover: those the company has a usable electronic seal of."""
    found = {s.kind for s in seals if s.usable}
    return [kind for kind in KIND_ORDER if kind in found]


@dataclass(frozen=True)
class SignerView:
    subject: str
    kinds: tuple[str, ...]
    kinds_label: str
    valid_until: str
    granted_by: str
    granted_at: str
    revoked_at: str
    revoked_by: str
    revoke_reason: str
    note: str
    active: bool


def signer_view(signer: seal_pb2.Signer, lang: str) -> SignerView:
    kinds = tuple(kind_name(k) for k in signer.kinds)
    separator = ", " if lang == "en" else "、"
    return SignerView(
        subject=signer.subject,
        kinds=kinds,
        kinds_label=separator.join(enum_label("seal_kind", k, lang) for k in kinds),
        valid_until=when_exact(from_timestamp(signer.valid_until)),
        granted_by=signer.granted_by,
        granted_at=when_exact(from_timestamp(signer.granted_at)),
        revoked_at=when_exact(from_timestamp(signer.revoked_at)),
        revoked_by=signer.revoked_by,
        revoke_reason=signer.revoke_reason,
        note=signer.note,
        active=signer.active,
    )


SHORT_HASH = 12


@dataclass(frozen=True)
class UsageView:
    signed_at: str
    seal_code: str
    kind_label: str
    signer: str
    capacity: str
    capacity_label: str
    reason: str
    input_sha256: str
    signed_sha256: str

    @property
    def input_short(self) -> str:
        return self.input_sha256[:SHORT_HASH]

    @property
    def signed_short(self) -> str:
        return self.signed_sha256[:SHORT_HASH]


def usage_view(usage: seal_pb2.SealUsage, lang: str) -> UsageView:
    capacity = state_key(seal_pb2.SignerCapacity, "SIGNER_CAPACITY_", usage.capacity)
    return UsageView(
        signed_at=when_exact(from_timestamp(usage.signed_at)),
        seal_code=usage.seal_code,
        kind_label=enum_label("seal_kind", kind_name(usage.kind), lang),
        signer=usage.signer,
        capacity=capacity,
        capacity_label=enum_label("signer_capacity", capacity, lang),
        reason=usage.reason,
        input_sha256=usage.input_sha256,
        signed_sha256=usage.signed_sha256,
    )
