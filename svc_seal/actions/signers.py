"""Authorised users: the owner grants, revokes and lists who else may sign with the company's
electronic seals, and reads the seal usage register."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from onestop.seal.v1 import seal_pb2
from onestop_common.errors import InvalidInput, NotFound, violation
from onestop_common.identity import Principal
from onestop_common.nameko_kit import Store, UnitOfWork
from svc_seal import domain, grpc_api
from svc_seal import store as db
from svc_seal.actions.env import Env
from svc_seal.models import AuthorisedSigner, SealOrder

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- authorised users

_GRANT_ATTEMPTS = 3


def _company(uow: UnitOfWork, uscc: str) -> SealOrder:
    """The order that names the company's owner; the USCC is required and must be known."""
    if not uscc:
        raise InvalidInput.of(
            [
                violation(
                    "uscc", "required", "请提供企业的统一社会信用代码", "give the company's USCC"
                )
            ]
        )
    owner = db.owner_of_company(uow.session, uscc)
    if owner is None:
        raise NotFound(f"company {uscc} has no seals here", message_zh=f"企业 {uscc} 没有印章记录")
    return owner


def _company_owner(uow: UnitOfWork, principal: Principal, uscc: str) -> SealOrder:
    """As ``_company``, after checking the caller owns the company (or administers)."""
    owner = _company(uow, uscc)
    grpc_api.require_owner(principal, owner)
    return owner


def _signer_message(signer: AuthorisedSigner, env: Env) -> seal_pb2.Signer:
    return grpc_api.signer_message(signer, active=db.grant_facts(signer).active(env.now))


def authorise_signer(
    store: Store, principal: Principal, request: seal_pb2.AuthoriseSignerRequest, env: Env
) -> seal_pb2.AuthoriseSignerResponse:
    """Grant (or re-grant) an authorised user, in one transaction. Two first grants of the same
    subject at once collide on the unique (uscc, subject); the loser retries and replaces."""
    for attempt in range(1, _GRANT_ATTEMPTS + 1):
        try:
            with store.transaction() as uow:
                return _grant(uow, principal, request, env)
        except IntegrityError:
            if attempt == _GRANT_ATTEMPTS:
                raise
            log.info("a grant to the same subject was written at the same moment; granting again")
    raise AssertionError("unreachable")


def _grant(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.AuthoriseSignerRequest, env: Env
) -> seal_pb2.AuthoriseSignerResponse:
    session, uscc = uow.session, request.uscc.strip()
    owner = _company_owner(uow, principal, uscc)
    grant_in = grpc_api.grant_input(request)
    company_kinds = db.electronic_kinds(session, uscc)
    problems = domain.grant_violations(
        grant_in, owner=owner.applicant_id, company_kinds=company_kinds, now=env.now
    )
    if problems:
        raise InvalidInput.of(problems)
    kinds = [kind.value for kind in domain.granted_kinds(grant_in.kinds, company_kinds)]
    signer = db.signer_of(session, uscc, grant_in.subject, for_update=True)
    if signer is None:
        signer = AuthorisedSigner(uscc=uscc, subject=grant_in.subject)
        session.add(signer)
    elif (
        signer.revoked_at is None
        and signer.kinds == kinds
        and signer.valid_until == grant_in.valid_until
        and signer.note == grant_in.note
    ):
        return seal_pb2.AuthoriseSignerResponse(signer=_signer_message(signer, env))
    signer.kinds = kinds
    signer.valid_until = grant_in.valid_until
    signer.note = grant_in.note
    signer.granted_by = principal.subject
    signer.granted_at = env.now
    signer.revoked_at = None
    signer.revoked_by = ""
    signer.revoke_reason = ""
    session.flush()
    log.info(
        "company %s: %s authorised to sign with %s until %s (by %s)",
        uscc,
        signer.subject,
        ", ".join(kinds),
        signer.valid_until.isoformat() if signer.valid_until else "revoked",
        principal.subject,
    )
    return seal_pb2.AuthoriseSignerResponse(signer=_signer_message(signer, env))


def revoke_signer(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.RevokeSignerRequest, env: Env
) -> seal_pb2.RevokeSignerResponse:
    """Withdraw an authorisation; revoking again changes nothing (the first who/when/why stay)."""
    session, uscc = uow.session, request.uscc.strip()
    _company_owner(uow, principal, uscc)
    subject, reason = request.subject.strip(), request.reason.strip()
    problems = domain.revoke_violations(subject, reason)
    if problems:
        raise InvalidInput.of(problems)
    signer = db.signer_of(session, uscc, subject, for_update=True)
    if signer is None:
        raise NotFound(
            f"{subject} is not an authorised user of company {uscc}",
            message_zh=f"{subject} 不是企业 {uscc} 的被授权用印人",
        )
    if signer.revoked_at is None:
        signer.revoked_at = env.now
        signer.revoked_by = principal.subject
        signer.revoke_reason = reason
        log.info("company %s: authorisation of %s revoked by %s", uscc, subject, principal.subject)
    return seal_pb2.RevokeSignerResponse(signer=_signer_message(signer, env))


def list_signers(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.ListSignersRequest, env: Env
) -> seal_pb2.ListSignersResponse:
    """The owner and administrators see every authorised user; an authorised user only itself."""
    session, uscc = uow.session, request.uscc.strip()
    owner = _company(uow, uscc)
    capacity = grpc_api.signing_capacity(principal, owner)
    if capacity is None:
        own = db.signer_of(session, uscc, principal.subject)
        if own is None:
            raise grpc_api.not_owner(principal, owner)
        mine = [own] if request.include_revoked or own.revoked_at is None else []
        return seal_pb2.ListSignersResponse(
            signers=[_signer_message(s, env) for s in mine],
            caller_capacity=seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER,
        )
    signers = db.signers_of_company(session, uscc, include_revoked=request.include_revoked)
    return seal_pb2.ListSignersResponse(
        signers=[_signer_message(s, env) for s in signers],
        caller_capacity=grpc_api.CAPACITY_TO_PROTO[capacity],
    )


# --------------------------------------------------------------------------- usage register

_DEFAULT_PAGE = 50
_MAX_PAGE = 200


def list_seal_usages(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.ListSealUsagesRequest
) -> seal_pb2.ListSealUsagesResponse:
    """The company's seal usage register, newest first; the page token is the last entry's id."""
    uscc = request.uscc.strip()
    _company_owner(uow, principal, uscc)
    problems = []
    if request.page_size < 0:
        problems.append(
            violation(
                "page_size",
                "not_negative",
                "每页条数不能为负数",
                "page_size must not be negative",
            )
        )
    token = request.page_token.strip()
    if token and not token.isdigit():
        problems.append(
            violation(
                "page_token",
                "format",
                "分页标记无效，请使用上一页返回的 next_page_token",
                "invalid page_token; pass the next_page_token of the previous page",
            )
        )
    if problems:
        raise InvalidInput.of(problems)
    size = min(request.page_size or _DEFAULT_PAGE, _MAX_PAGE)
    rows = db.usages_of_company(
        uow.session, uscc, before_id=int(token) if token else None, limit=size + 1
    )
    page = rows[:size]
    return seal_pb2.ListSealUsagesResponse(
        usages=[grpc_api.usage_message(row) for row in page],
        next_page_token=str(page[-1].id) if len(rows) > size else "",
    )
