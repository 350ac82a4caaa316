"""The public partner API's messages (onestop.partner.v1) to and from the internal ones
(onestop.common.v1 / onestop.orchestrator.v1): the form's Money and Date fields exactly (Decimal,
no fraction of a fen, CNY only), the case and its steps, and the ListApplications filter
grammar. Pure: protobuf in, protobuf out, errors as RuleViolations."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message
from google.type import date_pb2, money_pb2

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as v1
from onestop.partner.v1 import partner_pb2 as pb
from onestop_common.errors import InvalidInput, RuleViolation, violation

CURRENCY = "CNY"
NANOS = Decimal(1_000_000_000)
# One fen (分), the smallest amount in CNY, in google.type.Money's nanos.
FEN_NANOS = 10_000_000
MAX_UNITS = 10**15
# The form's fields whose types differ between the partner and the internal form.
CONVERTED = ("registered_capital", "shareholders", "invoice", "employees")
# Values the internal form holds whole (a decimal string and currency, an ISO date string).
WHOLE_VALUES = frozenset({"google.type.Money", "google.type.Date"})

STEP_KINDS = {
    "license": pb.Step.KIND_LICENSE,
    "seal": pb.Step.KIND_SEAL,
    "invoice": pb.Step.KIND_INVOICE,
    "social_insurance": pb.Step.KIND_SOCIAL_INSURANCE,
    "bank": pb.Step.KIND_BANK,
    "bundle": pb.Step.KIND_BUNDLE,
}
# A step's staff role (orchestrator/open_company.py), and the participant acting for it.
STAFF_ACTORS = {
    "officer": pb.ACTOR_REGISTRATION_OFFICER,
    "seal_maker": pb.ACTOR_SEAL_MAKER,
    "tax_staff": pb.ACTOR_TAX_OFFICER,
    "si_clerk": pb.ACTOR_SOCIAL_INSURANCE_CLERK,
    "bank_clerk": pb.ACTOR_BANK_CLERK,
}
STEP_ACTORS = {
    "license": pb.ACTOR_REGISTRATION_OFFICER,
    "seal": pb.ACTOR_SEAL_MAKER,
    "invoice": pb.ACTOR_TAX_OFFICER,
    "social_insurance": pb.ACTOR_SOCIAL_INSURANCE_CLERK,
    "bank": pb.ACTOR_BANK_CLERK,
    "bundle": pb.ACTOR_AUTOMATIC,
}
CASE_STATES = {
    common_pb2.CASE_STATE_RUNNING: pb.CASE_STATE_RUNNING,
    common_pb2.CASE_STATE_COMPLETED: pb.CASE_STATE_COMPLETED,
    common_pb2.CASE_STATE_COMPENSATING: pb.CASE_STATE_COMPENSATING,
    common_pb2.CASE_STATE_COMPENSATED: pb.CASE_STATE_COMPENSATED,
    common_pb2.CASE_STATE_STUCK: pb.CASE_STATE_STUCK,
    common_pb2.CASE_STATE_FAILED: pb.CASE_STATE_FAILED,
    common_pb2.CASE_STATE_AWAITING_APPLICANT: pb.CASE_STATE_AWAITING_APPLICANT,
    common_pb2.CASE_STATE_AWAITING_SIGNATURES: pb.CASE_STATE_AWAITING_SIGNATURES,
}
# The engine's state names (orchestrator.engine, as the views display them) per partner state;
# CANCELLED is a compensated or failed case the applicant withdrew.
ENGINE_STATES = {
    pb.CASE_STATE_AWAITING_SIGNATURES: "awaiting_signatures",
    pb.CASE_STATE_RUNNING: "running",
    pb.CASE_STATE_AWAITING_APPLICANT: "awaiting_applicant",
    pb.CASE_STATE_COMPLETED: "completed",
    pb.CASE_STATE_COMPENSATING: "compensating",
    pb.CASE_STATE_COMPENSATED: "compensated",
    pb.CASE_STATE_FAILED: "failed",
    pb.CASE_STATE_CANCELLED: "cancelled",
    pb.CASE_STATE_STUCK: "stuck",
}
CANCELLED_PREFIX = "cancelled:"
FINAL_UNDONE = (common_pb2.CASE_STATE_COMPENSATED, common_pb2.CASE_STATE_FAILED)


# ------------------------------------------------------------------ money and dates


def money_to_internal(
    money: money_pb2.Money, path: str
) -> tuple[common_pb2.Money, list[RuleViolation]]:
    """``money`` as the internal decimal string, exactly; a currency other than CNY, a fraction
    of a fen, mixed signs or nanos out of range are refused, naming the field under ``path``."""
    if money.currency_code != CURRENCY:
        return common_pb2.Money(), [
            violation(
                f"{path}.currency_code",
                "currency",
                f"金额须以人民币（CNY）计，收到的是 “{money.currency_code}”",
                f"amounts are in CNY; got currency_code {money.currency_code!r}",
            )
        ]
    units, nanos = money.units, money.nanos
    if not -NANOS < nanos < NANOS or (units > 0 > nanos) or (units < 0 < nanos):
        return common_pb2.Money(), [
            violation(
                f"{path}.nanos",
                "range",
                "nanos 须在 -999999999 到 999999999 之间，且与 units 同号",
                "nanos must be -999999999 to 999999999 with the same sign as units",
            )
        ]
    if nanos % FEN_NANOS:
        return common_pb2.Money(), [
            violation(
                f"{path}.nanos",
                "precision",
                "金额最小单位为分（0.01 元）",
                "amounts in CNY have at most two decimal places (a fen, nanos a multiple "
                "of 10000000)",
            )
        ]
    if abs(units) >= MAX_UNITS:
        return common_pb2.Money(), [
            violation(
                f"{path}.units",
                "range",
                "金额过大",
                f"the amount must be below {MAX_UNITS} yuan",
            )
        ]
    amount = Decimal(units) + Decimal(nanos) / NANOS
    text = str(amount.quantize(Decimal("0.01")))
    return common_pb2.Money(amount=text, currency=CURRENCY), []


def money_from_internal(money: common_pb2.Money) -> money_pb2.Money | None:
    """The internal decimal string as google.type.Money; None when it holds no decimal."""
    try:
        amount = Decimal(money.amount)
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    units = int(amount)  # towards zero: units and nanos keep the amount's sign
    nanos = int((amount - units) * NANOS)
    return money_pb2.Money(currency_code=money.currency or CURRENCY, units=units, nanos=nanos)


def date_to_internal(date: date_pb2.Date, path: str) -> tuple[str, list[RuleViolation]]:
    """``date`` as the internal ISO string; a date that is not a whole calendar day is refused."""
    try:
        return dt.date(date.year, date.month, date.day).isoformat(), []
    except ValueError:
        return "", [
            violation(
                path,
                "date",
                "日期须为完整的公历日期（年、月、日均须填写）",
                f"not a whole calendar date: {date.year:04d}-{date.month:02d}-{date.day:02d}",
            )
        ]


def date_from_internal(text: str) -> date_pb2.Date | None:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


# ------------------------------------------------------------------ the form


def _retyped(source: Message, target: type[Message], skip: Sequence[str]) -> Message:
    """``source`` read as ``target``, but for the fields ``skip`` names: the two forms share
    every other field's number and type, so the wire bytes carry them over unchanged."""
    shared = type(source)()
    shared.CopyFrom(source)
    for name in skip:
        shared.ClearField(name)
    return target.FromString(shared.SerializeToString())


def form_to_internal(form: pb.ApplicationForm) -> application_pb2.ApplicationForm:
    """The partner's form as the internal one; InvalidInput naming every amount or date that
    cannot be converted (paths from ``form.``)."""
    internal = _retyped(form, application_pb2.ApplicationForm, CONVERTED)
    assert isinstance(internal, application_pb2.ApplicationForm)
    found: list[RuleViolation] = []

    def money(source: Message, name: str, target: Message, path: str) -> None:
        if source.HasField(name):
            value, problems = money_to_internal(getattr(source, name), f"{path}.{name}")
            getattr(target, name).CopyFrom(value)
            found.extend(problems)

    def date(source: Message, name: str, target: Message, path: str) -> None:
        if source.HasField(name):
            value, problems = date_to_internal(getattr(source, name), f"{path}.{name}")
            setattr(target, name, value)
            found.extend(problems)

    money(form, "registered_capital", internal, "form")
    for i, holder in enumerate(form.shareholders):
        row = internal.shareholders.add(form=holder.form)
        if holder.HasField("person"):
            row.person.CopyFrom(holder.person)
        money(holder, "subscribed", row, f"form.shareholders[{i}]")
        date(holder, "due_date", row, f"form.shareholders[{i}]")
    if form.HasField("invoice"):
        invoice = _retyped(
            form.invoice,
            application_pb2.InvoiceNeeds,
            ("max_amount_per_invoice", "expected_annual_sales"),
        )
        assert isinstance(invoice, application_pb2.InvoiceNeeds)
        money(form.invoice, "max_amount_per_invoice", invoice, "form.invoice")
        money(form.invoice, "expected_annual_sales", invoice, "form.invoice")
        internal.invoice.CopyFrom(invoice)
    for i, employee in enumerate(form.employees):
        row = internal.employees.add(position=employee.position)
        if employee.HasField("person"):
            row.person.CopyFrom(employee.person)
        date(employee, "hire_date", row, f"form.employees[{i}]")
        money(employee, "monthly_wage", row, f"form.employees[{i}]")
    if found:
        raise InvalidInput.of(found)
    return internal


def form_from_internal(internal: application_pb2.ApplicationForm) -> pb.ApplicationForm:
    form = _retyped(internal, pb.ApplicationForm, CONVERTED)
    assert isinstance(form, pb.ApplicationForm)

    def money(source: Message, name: str, target: Message) -> None:
        if source.HasField(name):
            value = money_from_internal(getattr(source, name))
            if value is not None:
                getattr(target, name).CopyFrom(value)

    def date(text: str, target: Message, name: str) -> None:
        value = date_from_internal(text)
        if value is not None:
            getattr(target, name).CopyFrom(value)

    money(internal, "registered_capital", form)
    for holder in internal.shareholders:
        row = form.shareholders.add(form=holder.form)
        if holder.HasField("person"):
            row.person.CopyFrom(holder.person)
        money(holder, "subscribed", row)
        date(holder.due_date, row, "due_date")
    if internal.HasField("invoice"):
        invoice = _retyped(
            internal.invoice, pb.InvoiceNeeds, ("max_amount_per_invoice", "expected_annual_sales")
        )
        assert isinstance(invoice, pb.InvoiceNeeds)
        money(internal.invoice, "max_amount_per_invoice", invoice)
        money(internal.invoice, "expected_annual_sales", invoice)
        form.invoice.CopyFrom(invoice)
    for employee in internal.employees:
        row = form.employees.add(position=employee.position)
        if employee.HasField("person"):
            row.person.CopyFrom(employee.person)
        date(employee.hire_date, row, "hire_date")
        money(employee, "monthly_wage", row)
    return form


def mask_to_internal(paths: Sequence[str]) -> list[str]:
    """A correction's update_mask, in the partner form's terms, for the internal form: a path
    into an amount or a date ("registered_capital.units") takes the whole field, which the
    internal form holds as one string or one Money. A path the partner form does not have is
    refused naming update_mask."""
    bad = [
        p
        for p in paths
        if not field_mask_pb2.FieldMask(paths=[p]).IsValidForDescriptor(
            pb.ApplicationForm.DESCRIPTOR
        )
    ]
    if bad:
        shown = ", ".join(p[:60] for p in bad[:5])
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
    internal: list[str] = []
    for path in paths:
        descriptor = pb.ApplicationForm.DESCRIPTOR
        kept: list[str] = []
        for name in path.split("."):
            kept.append(name)
            field = descriptor.fields_by_name[name]
            if field.message_type is None or field.message_type.full_name in WHOLE_VALUES:
                break
            descriptor = field.message_type
        if ".".join(kept) not in internal:
            internal.append(".".join(kept))
    return internal


# ------------------------------------------------------------------ the case


def case_state(application: v1.Application) -> pb.CaseState.ValueType:
    if application.state in FINAL_UNDONE and application.failure_reason.startswith(
        CANCELLED_PREFIX
    ):
        return pb.CASE_STATE_CANCELLED
    return CASE_STATES.get(application.state, pb.CASE_STATE_UNSPECIFIED)


def actor(step: v1.Step) -> pb.Actor.ValueType:
    if step.actor == "applicant":
        return pb.ACTOR_APPLICANT
    if not step.actor:
        return pb.ACTOR_UNSPECIFIED
    if step.actor in STAFF_ACTORS:
        return STAFF_ACTORS[step.actor]
    if step.actor.startswith("auto"):
        return pb.ACTOR_AUTOMATIC
    # A named member of staff decided: the step's staff role.
    return STEP_ACTORS.get(step.name, pb.ACTOR_UNSPECIFIED)


def step_from_internal(step: v1.Step) -> pb.Step:
    message = pb.Step(
        kind=STEP_KINDS.get(step.name, pb.Step.KIND_UNSPECIFIED),
        state=step.state,
        actor=actor(step),
        rejections=step.rejections,
        summary=step.summary,
        after=[STEP_KINDS.get(name, pb.Step.KIND_UNSPECIFIED) for name in step.after],
    )
    if step.HasField("deadline"):
        message.deadline.CopyFrom(step.deadline)
    if step.HasField("started_at"):
        message.start_time.CopyFrom(step.started_at)
    if step.HasField("finished_at"):
        message.end_time.CopyFrom(step.finished_at)
    return message


def application_from_internal(application: v1.Application) -> pb.Application:
    message = pb.Application(
        case_id=application.case_id,
        applicant_id=application.applicant_id,
        state=case_state(application),
        steps=[step_from_internal(s) for s in application.steps],
        failure_reason=application.failure_reason,
        failure_reason_zh=application.failure_reason_zh,
        rejections=application.rejections,
        company_name=application.company_name,
        uscc=application.uscc,
        bundle_ready=application.bundle_ready,
        version=application.version,
        commitment=pb.Commitment(
            state=int(application.commitment.state),  # the same numbers, by design
            outstanding_material_codes=[m.code for m in application.commitment.outstanding],
            supplied_material_codes=[m.code for m in application.commitment.supplied],
        ),
        signatures=[
            pb.PersonSignature(
                name=s.name,
                masked_id_number=s.masked_id_number,
                state=int(s.state),  # the same numbers, by design
            )
            for s in application.signatures
        ],
    )
    for signature, row in zip(application.signatures, message.signatures, strict=True):
        if signature.HasField("signed_at"):
            row.decide_time.CopyFrom(signature.signed_at)
    if application.commitment.HasField("due_at"):
        message.commitment.due_time.CopyFrom(application.commitment.due_at)
    if application.HasField("form"):
        message.form.CopyFrom(form_from_internal(application.form))
    if application.HasField("deadline"):
        message.deadline.CopyFrom(application.deadline)
    if application.HasField("submitted_at"):
        message.submit_time.CopyFrom(application.submitted_at)
    if application.HasField("finished_at"):
        message.end_time.CopyFrom(application.finished_at)
    if application.HasField("signatures_due_at"):
        message.signatures_due_time.CopyFrom(application.signatures_due_at)
    return message


# ------------------------------------------------------------------ the list filter

_TOKEN = re.compile(
    r'\s*(?:(?P<op>>=|<=|!=|=|<|>)|(?P<paren>[()])|"(?P<str>[^"]*)"|(?P<word>[A-Za-z0-9_.]+))'
)
TIME_OPS = (">=", ">", "<=", "<")


@dataclass(frozen=True)
class ListFilter:
    """A parsed ListApplications filter: the engine's state names (empty: any state) and the
    bounds on the submission time, each (operator, aware datetime)."""

    states: tuple[str, ...] = ()
    submitted: tuple[tuple[str, dt.datetime], ...] = field(default=())

    def canonical(self) -> str:
        """The same filter always reads the same here, for a page token bound to it."""
        bounds = ";".join(f"{op}{at.astimezone(dt.UTC).isoformat()}" for op, at in self.submitted)
        return f"states={','.join(sorted(self.states))}|submitted={bounds}"


def _filter_error(detail_zh: str, detail_en: str) -> InvalidInput:
    return InvalidInput.of(
        [
            violation(
                "filter",
                "syntax",
                f"筛选条件无效：{detail_zh}。示例：state = RUNNING AND submit_time >= "
                '"2026-12-01T00:00:00+08:00"',
                f"invalid filter: {detail_en}. Example: state = RUNNING AND submit_time >= "
                '"2026-12-01T00:00:00+08:00"',
            )
        ]
    )


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _filter_error(
                f"第 {position + 1} 个字符处无法识别", f"cannot read it at character {position + 1}"
            )
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _state(word: str) -> str:
    name = word.upper()
    name = name if name.startswith("CASE_STATE_") else f"CASE_STATE_{name}"
    try:
        value = pb.CaseState.Value(name)
    except ValueError:
        value = pb.CASE_STATE_UNSPECIFIED
    if value == pb.CASE_STATE_UNSPECIFIED:
        raise _filter_error(f"未知的状态 “{word}”", f"unknown state {word!r}")
    return ENGINE_STATES[value]


def parse_filter(text: str) -> ListFilter:
    """The AIP-160 subset ListApplicationsRequest.filter documents: comparisons joined by AND;
    `state = X` (an OR of states only, optionally in parentheses) and `submit_time OP "RFC
    3339"`. Anything else: InvalidInput naming ``filter``."""
    tokens = _tokens(text)
    states: list[str] = []
    submitted: list[tuple[str, dt.datetime]] = []
    seen_state = False
    i = 0

    def take(kind: str, value: str | None = None) -> str:
        nonlocal i
        if (
            i >= len(tokens)
            or tokens[i][0] != kind
            or (value is not None and tokens[i][1] != value)
        ):
            want = value or kind
            got = tokens[i][1] if i < len(tokens) else "the end"
            raise _filter_error(f"此处应为 {want}，实为 {got}", f"expected {want}, got {got}")
        i += 1
        return tokens[i - 1][1]

    def comparison_state() -> str:
        take("word", "state")
        take("op", "=")
        return _state(take("word"))

    while i < len(tokens):
        if states or submitted or seen_state:
            take("word", "AND")
            if i >= len(tokens):
                raise _filter_error("AND 之后缺少条件", "a comparison must follow AND")
        if tokens[i] == ("paren", "("):
            take("paren", "(")
            group = [comparison_state()]
            while i < len(tokens) and tokens[i] == ("word", "OR"):
                take("word", "OR")
                group.append(comparison_state())
            take("paren", ")")
        elif tokens[i] == ("word", "state"):
            group = [comparison_state()]
            while i < len(tokens) and tokens[i] == ("word", "OR"):
                take("word", "OR")
                group.append(comparison_state())
        elif tokens[i] == ("word", "submit_time"):
            take("word", "submit_time")
            op = take("op")
            if op not in TIME_OPS:
                raise _filter_error(
                    f"submit_time 只能用 {' '.join(TIME_OPS)} 比较",
                    f"submit_time compares with {' '.join(TIME_OPS)} only",
                )
            raw = take("str")
            try:
                at = dt.datetime.fromisoformat(raw)
            except ValueError:
                at = None
            if at is None or at.tzinfo is None:
                raise _filter_error(
                    f"“{raw}” 不是带时区的 RFC 3339 时间",
                    f"{raw!r} is not an RFC 3339 time with an offset",
                )
            submitted.append((op, at))
            continue
        else:
            raise _filter_error(
                f"不支持的字段 “{tokens[i][1]}”（可用 state、submit_time）",
                f"unsupported field {tokens[i][1]!r} (state and submit_time are)",
            )
        if seen_state:
            raise _filter_error("state 只能出现在一组条件中", "state may appear in one group only")
        seen_state = True
        states.extend(group)
    return ListFilter(states=tuple(dict.fromkeys(states)), submitted=tuple(submitted))
