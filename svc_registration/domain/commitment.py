"""The commitment route (告知承诺制) and the credit list: the commitment's form, who the credit
list closes the route to or bars from office, when promised materials are due, and what a
revocation for an unfulfilled commitment puts on the list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from onestop_common.clock import to_shanghai
from onestop_common.commitment import COMMITMENT_DAYS, commitment_due, commitment_last_day
from onestop_common.errors import RuleViolation
from onestop_common.identifiers import mask_id_number
from svc_registration.domain.form import Application, Commitment, Person
from svc_registration.domain.results import CreditStatus, _v

_MATERIAL_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def commitment_problems(commitment: Commitment, credit: CreditStatus) -> list[RuleViolation]:
    if not commitment.used:
        return []
    path = "form.commitment"
    found: list[RuleViolation] = []
    if not commitment.agreed:
        found.append(
            _v(
                f"{path}.agreed",
                "commitment.not_agreed",
                "使用告知承诺制须勾选同意承诺书",
                "the commitment route needs the applicant's agreement to the written commitment",
            )
        )
    if not commitment.text.strip():
        found.append(
            _v(
                f"{path}.commitment_text",
                "commitment.text_required",
                "请填写承诺内容（在 60 日内补交所列材料）",
                "give the text of the commitment (to supply the listed materials within 60 days)",
            )
        )
    seen: set[str] = set()
    for i, material in enumerate(commitment.materials):
        mpath = f"{path}.materials[{i}]"
        if not _MATERIAL_CODE.match(material.code):
            found.append(
                _v(
                    f"{mpath}.code",
                    "commitment.material_code",
                    "材料代码应为 2–40 位小写字母、数字或下划线，以字母开头",
                    "a material code is 2–40 lowercase letters, digits or underscores, "
                    "starting with a letter",
                )
            )
        elif material.code in seen:
            found.append(
                _v(
                    f"{mpath}.code",
                    "commitment.material_duplicate",
                    "同一材料重复承诺",
                    "the same material is listed twice",
                )
            )
        seen.add(material.code)
        if not material.name_zh.strip():
            found.append(
                _v(
                    f"{mpath}.name_zh",
                    "commitment.material_name_required",
                    "请填写所承诺材料的名称",
                    "name the promised material",
                )
            )
    if credit.applicant_listed:
        found.append(
            _v(
                path,
                "commitment.applicant_credit_listed",
                "申请人在失信名单中，不能适用告知承诺制，请提交全部材料",
                "the applicant is on the bad-credit list and cannot use the commitment route; "
                "submit every material",
            )
        )
    if credit.legal_representative_listed and "legal_representative" not in credit.barred_people:
        found.append(
            _v(
                "form.legal_representative.id_number",
                "commitment.legal_representative_credit_listed",
                "法定代表人在失信名单中，不能适用告知承诺制，请提交全部材料",
                "the legal representative is on the bad-credit list, so the commitment route "
                "is closed; submit every material",
            )
        )
    return found


def credit_people(app: Application) -> dict[str, Person]:
    """The people whose credit matters, by their path in the form."""
    people = {"legal_representative": app.legal_representative}
    for i, holder in enumerate(app.shareholders):
        people[f"shareholders[{i}]"] = holder.person
    for i, officer in enumerate(app.officers):
        people[f"officers[{i}].person"] = officer.person
    return {path: person for path, person in people.items() if person.id_number}


def office_bar_problems(app: Application, credit: CreditStatus) -> list[RuleViolation]:
    """A judgment defaulter (失信被执行人) may not be the company's legal representative,
    director, supervisor or manager (Company Law 2023 Art. 178(1)(5)). Other listings (a broken
    commitment) close the commitment route only; shareholders are never barred (an investment is
    not an office), their listing goes to an officer's review."""
    offices = ["legal_representative"] + [f"officers[{i}].person" for i in range(len(app.officers))]
    found = []
    for path in offices:
        if path not in credit.barred_people:
            continue
        field = (
            "form.legal_representative.id_number"
            if path == "legal_representative"
            else f"form.{path}.id_number"
        )
        found.append(
            _v(
                field,
                "credit.office_barred",
                "该人员被列为失信被执行人，不得担任公司的法定代表人、董事、监事或高级管理人员"
                "（《公司法》第一百七十八条第一款第五项）；如已移出名单，请联系登记机关",
                "this person is listed as a judgment defaulter and may not be the company's "
                "legal representative, a director, supervisor or manager (Company Law 2023 "
                "Art. 178(1)(5)); if the listing has ended, contact the registration authority",
            )
        )
    return found


# A credit-list entry whose reason says this bars its person from office (the list keeps one
# reason text per entry; the seed and administrators write 失信被执行人 for judgment defaulters).
OFFICE_BARRING_REASONS = ("失信被执行人", "judgment defaulter")


def bars_office(reason: str) -> bool:
    return any(words in reason for words in OFFICE_BARRING_REASONS)


# --------------------------------------------------------------------------- the commitment route
#
# Rule: the promised materials are due "自承诺之日起60日内", within 60 days from the day of the
# commitment (the seed document's wording, as quoted in issue 12; verified: partial, the seed
# text itself was not re-read here). The day of the commitment is the day the applicant signed
# the written commitment: the submission that carried the agreed commitment. The day the license
# is granted does not move it, so an officer deciding three days later takes nothing from the
# applicant and adds nothing either.
#
# Counting: as the Civil Code counts periods in days (民法典 art. 201: the day the period starts
# is not counted, it runs from the next day; art. 203 para. 2: the last day ends at 24:00; read
# in several public reposts of the Code, not the NPC's own page), in Asia/Shanghai. So the last
# day is the day of the commitment + 60 calendar days, and the period ends at 24:00 of it.
# Not applied: art. 203 para. 1 (a last day that is a statutory holiday moves to the day after
# the holiday). The business calendar often cannot know the holidays of the year the period ends
# in when the date is set, and whether that article governs an administrative commitment was not
# checked. Until that is decided, a period ending on a holiday is not extended.


@dataclass(frozen=True)
class CommitmentTerms:
    """When the applicant committed and until when the materials may be supplied."""

    committed_at: datetime
    last_day: date
    due_at: datetime


def commitment_terms(committed_at: datetime) -> CommitmentTerms:
    """The terms for a commitment made at ``committed_at`` (timezone-aware): the 告知承诺制 gives
    the applicant ``COMMITMENT_DAYS`` "自承诺之日起" (onestop_common.commitment, the one rule the
    orchestrator applies too)."""
    made = to_shanghai(committed_at, "committed_at")
    return CommitmentTerms(made, commitment_last_day(made), commitment_due(made))


def commitment_made_at(
    commitment: Commitment, submitted_at: datetime, earlier: datetime | None = None
) -> datetime | None:
    """When the commitment in a submission was made, None if it carries no agreed commitment.

    ``earlier`` is the time already recorded for the case (an earlier submission that carried
    the agreed commitment): a correction that keeps the commitment keeps its day. A commitment
    first agreed in a correction was made when the correction was submitted.
    """
    if not (commitment.used and commitment.agreed):
        return None
    made = earlier if earlier is not None else submitted_at
    return to_shanghai(made, "submitted_at")


# --------------------------------------------------------------------------- revocation

COMMITMENT_OVERDUE = "commitment_overdue"


def credit_reason_for_overdue(case_id: str, company_name: str) -> str:
    return (
        f"未在 {COMMITMENT_DAYS} 日内履行告知承诺，登记被撤销（案件 {case_id}，{company_name}）"
        f" / commitment not fulfilled within {COMMITMENT_DAYS} days, registration revoked"
    )


def mask_subject(kind: str, subject_id: str) -> str:
    return mask_id_number(subject_id) if kind == "id_number" else subject_id
