"""What a flawed application is and what a run of the corpus needs around it: the sample's people,
the context (trade names, employees, people on lists) a run uses so runs on a shared platform do
not collide, the setups that make a flaw's outside conditions true through the platform's public
APIs, and the :class:`Flaw` type with the field matching the refusal is judged by.

The corpus itself is in tests/support/flawed_applications.py, which also re-exports these names.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop.registration.v1 import registration_pb2, registration_pb2_grpc
from onestop_cli.client import load_form
from onestop_common.identifiers import citizen_id_check_char
from onestop_common.settings import Settings
from tests.support.participant import credential

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "application.json"

# The sample's people (samples/application.json).
ZHANG_WEI_ID = "120115198503120033"  # legal representative, shareholder 1, director, manager
LI_NA_ID = "120115199006070041"  # shareholder 2, contact, finance contact
WANG_FANG_ID = "120104198801010052"  # supervisor

# Seeded reference data of the services (fictional people, valid check characters).
BANK_RISK_LISTED = ("测试甲", "120115197001010016")  # svc_bank/data/risk_list.csv
BANK_RISK_LISTED_OWNER = ("测试乙", "120104196603150020")  # svc_bank/data/risk_list.csv
CREDIT_LISTED_SEED = ("测试失信丙", "120104198008089033")  # svc_registration/data/credit_list.csv

# Characters trade names are drawn from (none of them a place, industry or prohibited word).
TRADE_NAME_CHARACTERS = "瑞华新泰博远启恒星禾嘉信达锦润弘腾睿宏源盛拓联创"


def citizen_id(first17: str) -> str:
    """A citizen ID number with its correct check character (GB 11643-1999)."""
    return first17 + citizen_id_check_char(first17)


def wrong_check_character(id_number: str) -> str:
    """The same ID number with a check character that is not the right one."""
    right = citizen_id_check_char(id_number[:17])
    wrong = "0" if right != "0" else "1"
    return id_number[:17] + wrong


def random_citizen_id(rng: random.Random, born: tuple[int, int] = (1975, 2001)) -> str:
    birth = f"{rng.randint(*born)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return citizen_id(f"120115{birth}{rng.randint(0, 999):03d}")


# --------------------------------------------------------------------------- the context


@dataclass(frozen=True)
class Someone:
    name: str
    id_number: str


@dataclass(frozen=True)
class FlawContext:
    """The values a run of the corpus uses. The defaults suit a fresh platform; on a platform
    other tests share, use :meth:`fresh` so names and people are this run's own."""

    # The entrepreneur who submits the corpus: they must end with no case at all.
    applicant: str = "flaw-corpus-applicant"
    # The trade name every flawed form carries unless its flaw is about the name.
    base_trade_name: str = "宝坻示例"
    employees: tuple[Someone, Someone] = (
        Someone("赵强", "120115199502180063"),
        Someone("孙丽", "120115200005050079"),
    )
    # Another company (another applicant) holds this trade name and enrols this employee.
    other_applicant: str = "flaw-corpus-other-company"
    taken_trade_name: str = "宝坻先占"
    enrolled_employee: Someone = Someone("周敏", citizen_id("12011519920315012"))
    # Put on the registration authority's credit list by an administrator (AddCreditEntry).
    credit_listed: Someone = Someone("钱进", citizen_id("12011519800520031"))
    # The clean sample submitted at the end to show a good form still makes a case.
    clean_applicant: str = "flaw-corpus-clean-applicant"
    clean_trade_name: str = "宝坻无瑕"

    @classmethod
    def fresh(cls, rng: random.Random | None = None) -> FlawContext:
        """A context whose trade names, employees, listed person and accounts are new."""
        rng = rng or random.Random()
        names: set[str] = set()
        while len(names) < 3:
            names.add("".join(rng.sample(TRADE_NAME_CHARACTERS, 3)))
        base, taken, clean = sorted(names)
        tag = f"{rng.getrandbits(32):08x}"
        return cls(
            applicant=f"flaw-corpus-{tag}",
            base_trade_name=base,
            employees=(
                Someone("赵强", random_citizen_id(rng)),
                Someone("孙丽", random_citizen_id(rng)),
            ),
            other_applicant=f"flaw-corpus-other-{tag}",
            taken_trade_name=taken,
            enrolled_employee=Someone("周敏", random_citizen_id(rng)),
            credit_listed=Someone("钱进", random_citizen_id(rng, (1960, 1990))),
            clean_applicant=f"flaw-corpus-clean-{tag}",
            clean_trade_name=clean,
        )


def base_form(ctx: FlawContext | None = None) -> application_pb2.ApplicationForm:
    """The sample application, with the context's trade name and employees: it passes every
    check (the corpus test asserts that)."""
    ctx = ctx or FlawContext()
    form = load_form(SAMPLE)
    form.name.trade_name = ctx.base_trade_name
    for employee, someone in zip(form.employees, ctx.employees, strict=True):
        employee.person.name = someone.name
        employee.person.id_number = someone.id_number
    return form


# --------------------------------------------------------------------------- setups


class Setup(enum.StrEnum):
    """A condition outside the form that a flaw needs; :func:`prepare` makes it true."""

    # A case of another applicant holds ctx.taken_trade_name (license issued) and has enrolled
    # ctx.enrolled_employee in social insurance (enrolment pending or active).
    OTHER_COMPANY = "other_company"
    # ctx.credit_listed is on the registration authority's credit list (an administrator's
    # AddCreditEntry on the registration service).
    CREDIT_LIST = "credit_list"


SETUP_DESCRIPTIONS = {
    Setup.OTHER_COMPANY: (
        "Another applicant submits the sample with the context's taken trade name and the "
        "enrolled employee as its only employee, and the case runs until its license is issued "
        "and its social insurance registration holds the employee. Needs the registration and "
        "social insurance steps decided: automatic approval for them (ONESTOP_AUTO_APPROVE) or "
        "desk staff at work (tests.support.staff.Staff)."
    ),
    Setup.CREDIT_LIST: (
        "An administrator adds the context's listed person (by ID number) to the registration "
        "authority's credit list through RegistrationService.AddCreditEntry."
    ),
}


def other_company_form(ctx: FlawContext) -> application_pb2.ApplicationForm:
    """The other company's application: its own trade name, one employee, electronic seals
    only (so no seal maker's hands are needed for it to finish)."""
    form = base_form(ctx)
    form.name.trade_name = ctx.taken_trade_name
    del form.employees[1:]
    form.employees[0].person.name = ctx.enrolled_employee.name
    form.employees[0].person.id_number = ctx.enrolled_employee.id_number
    for seal in form.seals:
        seal.physical = False
    return form


def establish_other_company(settings: Settings, ctx: FlawContext, timeout: float = 180.0) -> str:
    """Makes Setup.OTHER_COMPANY true; returns the other company's case id. On a platform whose
    desks decide by hand, run it inside ``tests.support.staff.Staff(settings)``."""
    from tests.support.cases import watch_for

    with grpc.insecure_channel(settings.grpc_target("orchestrator")) as channel:
        stub = pb_grpc.OneStopServiceStub(channel)
        response = stub.SubmitApplication(
            pb.SubmitApplicationRequest(
                idempotency_key=f"{ctx.other_applicant}-company", form=other_company_form(ctx)
            ),
            metadata=credential(settings, "entrepreneur", ctx.other_applicant),
            timeout=60,
        )
        case_id = response.application.case_id

        def holds(app: pb.Application) -> bool:
            states = {step.name: step.state for step in app.steps}
            return states.get("license") == common_pb2.STEP_STATE_DONE and states.get(
                "social_insurance"
            ) in (common_pb2.STEP_STATE_ACCEPTED, common_pb2.STEP_STATE_DONE)

        watch_for(stub, settings, case_id, holds, applicant=ctx.other_applicant, timeout=timeout)
    return case_id


def put_on_credit_list(settings: Settings, ctx: FlawContext) -> None:
    """Makes Setup.CREDIT_LIST true."""
    with grpc.insecure_channel(settings.grpc_target("registration")) as channel:
        registration_pb2_grpc.RegistrationServiceStub(channel).AddCreditEntry(
            registration_pb2.AddCreditEntryRequest(
                subject_kind=registration_pb2.CREDIT_SUBJECT_KIND_ID_NUMBER,
                subject_id=ctx.credit_listed.id_number,
                person_name=ctx.credit_listed.name,
                reason="失信被执行人（测试数据）/ judgment defaulter (test data)",
                source="tests/support/flawed_applications.py (a fictional person)",
            ),
            metadata=credential(settings, "admin", "flaw-corpus-admin"),
            timeout=30,
        )


# --------------------------------------------------------------------------- flaws

Mutation = Callable[[application_pb2.ApplicationForm, FlawContext], None]


@dataclass(frozen=True)
class Flaw:
    """One thing wrong with an otherwise good application."""

    id: str
    description: str
    # Whose rule it is: "orchestrator" (the form's completeness), "registration", "seal",
    # "invoice", "social_insurance" or "bank".
    participant: str
    mutate: Mutation
    # The field the refusal must name: exactly, or (prefix) it or a field inside it.
    field: str
    prefix: bool = False
    # Text the rejection's subject (zh and en) must contain: the person's name, for a flaw about
    # a person or a row of people. A callable takes the context.
    subject: str | Callable[[FlawContext], str] = ""
    # Other fields the same flaw is rightly reported at (the same person written elsewhere).
    also: tuple[str, ...] = ()
    setup: Setup | None = None

    def form(self, ctx: FlawContext | None = None) -> application_pb2.ApplicationForm:
        ctx = ctx or FlawContext()
        form = base_form(ctx)
        self.mutate(form, ctx)
        return form

    def expected_subject(self, ctx: FlawContext) -> str:
        return self.subject(ctx) if callable(self.subject) else self.subject

    def names(self, path: str) -> bool:
        """True when a rejection at ``path`` is the one this flaw must cause."""
        return _within(path, self.field) if self.prefix else path == self.field

    def explains(self, path: str) -> bool:
        """True when a rejection at ``path`` is caused by this flaw (its field or an also)."""
        return (
            self.names(path)
            or _within(path, self.field)
            or any(_within(path, other) for other in self.also)
        )


def _within(path: str, base: str) -> bool:
    return path == base or path.startswith((base + ".", base + "["))


def matching(flaw: Flaw, rejections: Sequence[common_pb2.Rejection]) -> list[common_pb2.Rejection]:
    """The rejections at the flaw's field."""
    return [r for r in rejections if flaw.names(r.field)]
