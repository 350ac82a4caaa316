"""Who besides the owner may sign with a company's electronic seals: authorisations (grants) and
their revocation, and why someone may not sign."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from onestop_common.errors import RuleViolation, violation
from svc_seal.domain.seals import KIND_ORDER
from svc_seal.impression import SealKind

MAX_SUBJECT = 120
MAX_NOTE = 500
MAX_REVOKE_REASON = 500


class Capacity(StrEnum):
    """In what capacity someone used a seal (the usage register records it)."""

    OWNER = "owner"
    AUTHORISED_USER = "authorised_user"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class GrantInput:
    """An AuthoriseSigner request; a kind is None where the request named no known kind."""

    subject: str
    kinds: tuple[SealKind | None, ...]
    valid_until: datetime | None
    note: str


@dataclass(frozen=True)
class GrantFacts:
    """What signing needs to know about an authorisation."""

    kinds: frozenset[SealKind]
    valid_until: datetime | None
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and not _expired(self.valid_until, now)


def _aware(value: datetime, name: str) -> datetime:
    # A naive time here is a programming error: comparing it would be off by the zone offset.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} is naive; pass a timezone-aware datetime")
    return value


def _expired(valid_until: datetime | None, now: datetime) -> bool:
    if valid_until is None:
        return False
    return _aware(valid_until, "valid_until") <= _aware(now, "now")


def grant_violations(
    grant: GrantInput, *, owner: str, company_kinds: frozenset[SealKind], now: datetime
) -> list[RuleViolation]:
    """Everything wrong with an authorisation, each naming its field and rule.

    ``company_kinds``: the kinds the company has a live electronic seal of.
    """
    found: list[RuleViolation] = []
    subject = grant.subject
    if not subject:
        found.append(
            violation(
                "subject",
                "required",
                "请填写被授权用印人（其登录账号）",
                "name the authorised user (their account subject)",
            )
        )
    elif len(subject) > MAX_SUBJECT:
        found.append(
            violation(
                "subject",
                "max_length",
                f"被授权用印人账号最多{MAX_SUBJECT}个字符，实际为{len(subject)}个",
                f"the subject may have at most {MAX_SUBJECT} characters, it has {len(subject)}",
            )
        )
    elif subject == owner:
        found.append(
            violation(
                "subject",
                "not_owner",
                f"{subject} 是企业的申请人，本身即可用印，无需授权",
                f"{subject} owns the company and signs without an authorisation",
            )
        )
    for i, kind in enumerate(grant.kinds):
        if kind is None:
            found.append(
                violation(
                    f"kinds[{i}]",
                    "seal_kind",
                    "未指定或未知的印章种类",
                    "unspecified or unknown seal kind",
                )
            )
        elif kind not in company_kinds:
            found.append(
                violation(
                    f"kinds[{i}]",
                    "electronic_seal_of_company",
                    f"企业没有可用的{kind.label_zh}电子印章，不能授权使用",
                    f"the company has no electronic {kind.value} seal to authorise",
                )
            )
    if not grant.kinds and not company_kinds:
        found.append(
            violation(
                "kinds",
                "electronic_seal_of_company",
                "企业没有可用的电子印章，无可授权的印章",
                "the company has no electronic seal to authorise",
            )
        )
    if grant.valid_until is not None and _expired(grant.valid_until, now):
        found.append(
            violation(
                "valid_until",
                "future",
                f"授权截止时间{grant.valid_until.isoformat()}已过，须晚于当前时间"
                f"{now.isoformat()}（不填则长期有效，直至撤销）",
                f"valid_until {grant.valid_until.isoformat()} is not after now "
                f"({now.isoformat()}); leave it unset for a grant until revoked",
            )
        )
    if len(grant.note) > MAX_NOTE:
        found.append(
            violation(
                "note",
                "max_length",
                f"备注最多{MAX_NOTE}个字符，实际为{len(grant.note)}个",
                f"the note may have at most {MAX_NOTE} characters, it has {len(grant.note)}",
            )
        )
    return found


def granted_kinds(
    requested: Iterable[SealKind | None], company_kinds: frozenset[SealKind]
) -> tuple[SealKind, ...]:
    """The kinds a valid grant covers, in the usual order: those asked for, or when none are,
    every kind the company has an electronic seal of."""
    wanted = {kind for kind in requested if kind is not None} or company_kinds
    return tuple(kind for kind in KIND_ORDER if kind in wanted)


def revoke_violations(subject: str, reason: str) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    if not subject:
        found.append(
            violation(
                "subject",
                "required",
                "请填写要撤销授权的用印人",
                "name the authorised user whose authorisation is revoked",
            )
        )
    if not reason:
        found.append(
            violation(
                "reason", "required", "撤销授权须说明理由", "say why the authorisation is revoked"
            )
        )
    elif len(reason) > MAX_REVOKE_REASON:
        found.append(
            violation(
                "reason",
                "max_length",
                f"撤销理由最多{MAX_REVOKE_REASON}个字符，实际为{len(reason)}个",
                f"the reason may have at most {MAX_REVOKE_REASON} characters, it has {len(reason)}",
            )
        )
    return found


def grant_refusal(subject: str, grant: GrantFacts | None, now: datetime) -> RuleViolation | None:
    """Why ``subject``, who does not own the company, may not sign with its seals at all; None
    when it holds an active authorisation. Checked before anything about the seal is told."""
    if grant is None:
        return violation(
            "subject",
            "authorised_user",
            f"{subject} 既不是企业的申请人，也不是其被授权用印人，无权使用其印章",
            f"{subject} neither owns the company nor is one of its authorised users",
        )
    if grant.revoked_at is not None:
        return violation(
            "subject",
            "authorisation_revoked",
            f"{subject} 的用印授权已于{grant.revoked_at.isoformat()}撤销",
            f"the authorisation of {subject} was revoked at {grant.revoked_at.isoformat()}",
        )
    if grant.valid_until is not None and _expired(grant.valid_until, now):
        return violation(
            "subject",
            "authorisation_expired",
            f"{subject} 的用印授权已于{grant.valid_until.isoformat()}到期",
            f"the authorisation of {subject} expired at {grant.valid_until.isoformat()}",
        )
    return None


def kind_refusal(subject: str, grant: GrantFacts, kind: SealKind) -> RuleViolation | None:
    """Why an authorised user may not sign with a seal of ``kind``; None if the grant covers it."""
    if kind in grant.kinds:
        return None
    covered = [k for k in KIND_ORDER if k in grant.kinds]
    covered_zh = "、".join(k.label_zh for k in covered)
    return violation(
        "kind",
        "authorised_kind",
        f"{subject} 未获授权使用{kind.label_zh}（已授权：{covered_zh}）",
        f"{subject} is not authorised to sign with the {kind.value} seal (authorised: "
        f"{', '.join(k.value for k in covered)})",
    )
