"""One form, checked whole before anything is issued: every application of the flawed corpus
(tests/support/flawed_applications.py, one flaw each across all five participants' rules and the
form's completeness) is refused at submission with INVALID_ARGUMENT naming its field and person
in Chinese and English; ValidateApplication says the same; no case and no license comes of any
of them, while the clean sample passes and still makes a case.

One platform (signing server, orchestrator, the five real services, every desk automatic) serves
the whole module; the cross-case conditions (a trade name taken, an employee enrolled by another
company, a person on the credit list) are made true once, through the public APIs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import grpc
import pytest
from grpc_status import rpc_status
from sqlalchemy import create_engine, text

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common.protoconv import rejections_from_status
from onestop_common.settings import Settings
from tests.support.flawed_applications import (
    FLAWS,
    PARTICIPANTS,
    Flaw,
    FlawContext,
    Setup,
    Someone,
    base_form,
    count_by_participant,
    establish_other_company,
    matching,
    put_on_credit_list,
    random_citizen_id,
)
from tests.support.participant import credential
from tests.support.staff import whole_platform

# The refusals are the participants' rules over the form; the few lookups behind the cross-case
# conditions are plain reads that the services' own modules run on PostgreSQL too.
pytestmark = pytest.mark.db_independent

CTX = FlawContext()
CLEAN = FlawContext.fresh(random.Random(11))
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# What a rule id looks like ("name.duplicate", "special_invoice_needs_general_taxpayer").
RULE_ID = re.compile(r"\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b")


@dataclass
class Corpus:
    settings: Settings
    stub: pb_grpc.OneStopServiceStub
    # Setup -> None when done, or what went wrong.
    setups: dict[Setup, BaseException | None] = field(default_factory=dict)

    def require(self, setup: Setup | None) -> None:
        if setup is None:
            return
        problem = self.setups.get(setup)
        if problem is not None:
            pytest.fail(f"the setup {setup.value} failed, so this flaw cannot be tried: {problem}")

    def as_applicant(self, applicant: str = CTX.applicant) -> tuple[tuple[str, str], ...]:
        return credential(self.settings, "entrepreneur", applicant)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    with (
        whole_platform(
            tmp_path_factory.mktemp("flawed"),
            auto_approve="all",
            # A loaded machine must not let a flawed form through because a participant's check
            # came late (an unanswered check does not block).
            ONESTOP_PRECHECK_SECONDS="30",
            ONESTOP_LOG_LEVEL="WARNING",
        ) as settings,
        grpc.insecure_channel(settings.grpc_target("orchestrator")) as channel,
    ):
        found = Corpus(settings, pb_grpc.OneStopServiceStub(channel))
        for setup, make in (
            (Setup.CREDIT_LIST, lambda: put_on_credit_list(settings, CTX)),
            (Setup.OTHER_COMPANY, lambda: establish_other_company(settings, CTX)),
        ):
            try:
                make()
                found.setups[setup] = None
            except Exception as problem:  # reported by the flaws needing it
                found.setups[setup] = problem
        yield found


def context_for(flaw: Flaw) -> FlawContext:
    """The module's context with employees of the flaw's own: a flawed form that is wrongly
    accepted enrols its employees, which must not make the next flaw's employees "enrolled
    elsewhere"."""
    rng = random.Random(flaw.id)
    first, second = CTX.employees
    return replace(
        CTX,
        employees=(
            Someone(first.name, random_citizen_id(rng)),
            Someone(second.name, random_citizen_id(rng)),
        ),
    )


def shown(rejections: Sequence[common_pb2.Rejection]) -> str:
    return "; ".join(f"{r.field} {r.rule} [{r.participant}] {r.subject_en!r}" for r in rejections)


def key(r: common_pb2.Rejection) -> tuple[str, str, str, str, str]:
    return (r.field, r.rule, r.participant, r.subject_zh, r.subject_en)


def test_the_corpus_covers_every_participant():
    counts = count_by_participant()
    assert len(FLAWS) >= 45
    assert all(counts[p] >= 1 for p in PARTICIPANTS), counts
    assert len({flaw.id for flaw in FLAWS}) == len(FLAWS)
    assert {flaw.setup for flaw in FLAWS} >= {Setup.OTHER_COMPANY, Setup.CREDIT_LIST}


def test_the_clean_sample_passes_every_check(corpus: Corpus):
    validation = corpus.stub.ValidateApplication(
        pb.ValidateApplicationRequest(form=base_form(CTX)),
        metadata=corpus.as_applicant(),
        timeout=60,
    )
    assert validation.passed, shown(validation.rejections)
    assert not validation.rejections
    answered = {c.participant: c.answered for c in validation.checks}
    assert answered == dict.fromkeys(PARTICIPANTS, True), answered


@pytest.mark.parametrize("flaw", FLAWS, ids=lambda flaw: flaw.id)
def test_a_flawed_application_is_refused_naming_its_field_and_person(corpus: Corpus, flaw: Flaw):
    corpus.require(flaw.setup)
    ctx = context_for(flaw)
    form = flaw.form(ctx)
    try:
        response = corpus.stub.SubmitApplication(
            pb.SubmitApplicationRequest(idempotency_key=f"{CTX.applicant}-{flaw.id}", form=form),
            metadata=corpus.as_applicant(),
            timeout=60,
        )
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        status = rpc_status.from_call(error)
        submitted = list(rejections_from_status(status)) if status is not None else []
    else:
        case_id = response.application.case_id
        # Withdrawn at once, so the name and people it holds do not trip the flaws after it.
        corpus.stub.CancelApplication(
            pb.CancelApplicationRequest(case_id=case_id, reason="accepted by mistake"),
            metadata=corpus.as_applicant(),
            timeout=30,
        )
        pytest.fail(f"{flaw.id}: accepted as case {case_id}")

    named = matching(flaw, submitted)
    assert named, f"{flaw.id}: nothing at {flaw.field}; refused for: {shown(submitted)}"
    for rejection in named:
        assert CJK.search(rejection.message_zh), rejection
        assert rejection.rule not in rejection.message_zh, rejection
        assert not RULE_ID.search(rejection.message_zh), rejection
        assert re.search(r"[A-Za-z]{2}", rejection.message_en), rejection
        if RULE_ID.fullmatch(rejection.rule):
            # "name.duplicate" must not show; a rule named by a plain word ("required") may.
            assert rejection.rule not in rejection.message_en, rejection
        assert rejection.participant in PARTICIPANTS, rejection
    subject = flaw.expected_subject(ctx)
    if subject:
        assert any(subject in r.subject_zh and subject in r.subject_en for r in named), (
            f"{flaw.id}: no rejection at {flaw.field} names {subject}: {shown(named)}"
        )

    validation = corpus.stub.ValidateApplication(
        pb.ValidateApplicationRequest(form=form), metadata=corpus.as_applicant(), timeout=60
    )
    assert not validation.passed
    assert sorted(map(key, validation.rejections)) == sorted(map(key, submitted))

    # One flaw each: nothing else in the form is refused.
    strays = [r for r in submitted if not flaw.explains(r.field)]
    assert not strays, f"{flaw.id}: other fields refused too: {shown(strays)}"


def test_no_case_and_no_license_came_of_the_corpus(corpus: Corpus):
    mine = corpus.stub.ListApplications(
        pb.ListApplicationsRequest(page_size=100), metadata=corpus.as_applicant(), timeout=30
    )
    assert mine.total == 0 and not mine.applications, [a.case_id for a in mine.applications]
    everyone = corpus.stub.ListApplications(
        pb.ListApplicationsRequest(page_size=200),
        metadata=credential(corpus.settings, "admin", "flaw-corpus-admin"),
        timeout=30,
    )
    others = {CTX.other_applicant, CTX.clean_applicant}
    assert {a.applicant_id for a in everyone.applications} <= others

    engine = create_engine(corpus.settings.database_url_for("registration"))
    try:
        with engine.connect() as connection:
            licenses: dict[str, int] = dict(
                connection.execute(
                    text("SELECT applicant_id, count(*) FROM licenses GROUP BY applicant_id")
                ).all()
            )
    finally:
        engine.dispose()
    assert CTX.applicant not in licenses
    assert set(licenses) <= others, licenses


def test_the_clean_sample_still_makes_a_case(corpus: Corpus):
    form = base_form(CTX)
    form.name.trade_name = CTX.clean_trade_name
    # People of its own, so it holds nothing a flawed form of this module uses.
    for employee, someone in zip(form.employees, CLEAN.employees, strict=True):
        employee.person.id_number = someone.id_number
    response = corpus.stub.SubmitApplication(
        pb.SubmitApplicationRequest(idempotency_key=f"{CTX.clean_applicant}-1", form=form),
        metadata=corpus.as_applicant(CTX.clean_applicant),
        timeout=60,
    )
    assert response.created
    assert response.application.case_id
    assert response.application.state in (
        common_pb2.CASE_STATE_RUNNING,
        common_pb2.CASE_STATE_COMPLETED,
    )
