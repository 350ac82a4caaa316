"""The company seals pages: a company's seals, its authorised users (被授权用印人), the seal usage
register, and sealing an uploaded PDF. The seal service decides who may see and do what."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

import grpc
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from onestop.common.v1 import common_pb2
from onestop.seal.v1 import seal_pb2, seal_pb2_grpc
from onestop_common.clock import SHANGHAI
from onestop_common.identifiers import normalise_code, validate_uscc
from onestop_common.permissions import Action
from onestop_common.protoconv import timestamp
from portal import formdata
from portal.backend import BackendError, Forbidden, Missing, Rejected, Unavailable
from portal.i18n import enum_label, pair, translate
from portal.store import Account
from portal.views import (
    KIND_ORDER,
    PT_PER_MM,
    case_view,
    kind_number,
    seal_view,
    signer_view,
    usable_kinds,
    usage_view,
)
from portal.web import (
    APPLICANTS,
    MAX_UPLOAD,
    call,
    form_items,
    lang_of,
    my_cases,
    pdf_response,
    post,
    redirect,
    render,
    require,
    require_to,
    session,
)

# The usage register is shown a page at a time, newest first.
USAGES_PAGE = 20
SIGN_DEFAULTS = {"sign.page": "1", "sign.x": "120", "sign.y": "40"}
# Where each form shows a rejection of a field of its request; anything else goes on top of
# the form ("<form>._general").
GRANT_FIELDS = {
    "subject": "subject",
    "kinds": "kinds",
    "valid_until": "valid_until",
    "note": "note",
}
REVOKE_FIELDS = {"subject": "subject", "reason": "reason"}
SIGN_FIELDS = {
    "pdf": "file",
    "seal_code": "seal",
    "kind": "seal",
    "page": "page",
    "x": "x",
    "y": "y",
    "reason": "reason",
    "location": "location",
}
Errors = dict[str, list[common_pb2.Rejection]]


def _rejection(field_name: str, rule: str, zh: str, en: str) -> common_pb2.Rejection:
    return common_pb2.Rejection(field=field_name, rule=rule, message_zh=zh, message_en=en)


def _said(key: str, field_name: str, rule: str) -> common_pb2.Rejection:
    """A problem the portal finds itself, worded in i18n.py."""
    return _rejection(field_name, rule, translate(key, "zh"), translate(key, "en"))


def _as_rejection(error: BackendError) -> common_pb2.Rejection:
    """A platform error without rejections, split into its languages ("English / 中文")."""
    en, separator, zh = error.message.rpartition(" / ")
    if not separator:
        en = zh = error.message
    return _rejection("", error.code.name.lower(), zh, en)


def placed(
    form: str, rejections: Iterable[common_pb2.Rejection], fields: Mapping[str, str]
) -> Errors:
    """Each rejection of a seal request next to the form field it is about."""
    errors: Errors = {}
    for rejection in rejections:
        name = re.sub(r"\[\d+\]$", "", rejection.field)
        errors.setdefault(f"{form}.{fields.get(name, '_general')}", []).append(rejection)
    return errors


def refusal_on_form(
    form: str, error: BackendError, fields: Mapping[str, str]
) -> tuple[Errors, int]:
    """Where the seal service's refusal of a form's request is shown, and the page's status: a
    rejected input next to its field (422), a conflict on top of the form (409). A refusal that
    is not about the form (not allowed, not found, the service down) goes to the error page."""
    if isinstance(error, Rejected):
        return placed(form, error.rejections or [_as_rejection(error)], fields), 422
    if isinstance(error, (Forbidden, Missing, Unavailable)):
        raise error
    return {f"{form}._general": [_as_rejection(error)]}, 409


def _text(form: FormData, name: str, limit: int) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def company_uscc(request: Request) -> str:
    """The USCC in the path, checked before the seal service is asked about it."""
    value = str(request.path_params["uscc"])
    verdict = validate_uscc(value)
    if not verdict.ok:
        raise Missing(
            grpc.StatusCode.NOT_FOUND, pair(verdict.reason_zh, verdict.reason_en, lang_of(request))
        )
    return value


async def seals_index(request: Request) -> Response:
    """The companies whose seals the user may use: their own (from their cases), and any other
    by its USCC (authorised users)."""
    account = await require(request, APPLICANTS)
    errors: Errors = {}
    typed = request.query_params.get("uscc")
    if typed is not None:
        value = normalise_code(typed[:60])
        verdict = validate_uscc(value)
        if verdict.ok:
            return redirect(f"/seals/{value}")
        errors["uscc"] = [
            _said("seals.uscc_required", "uscc", "required")
            if not value
            else _rejection("uscc", verdict.rule, verdict.reason_zh, verdict.reason_en)
        ]
    listed = await my_cases(request, account)
    lang = lang_of(request)
    cases = [case_view(a, lang) for a in listed.applications]
    return render(
        request,
        "seals_index.html",
        422 if errors else 200,
        companies=[c for c in cases if c.seals_ready],
        errors=errors,
        fields={"uscc": (typed or "")[:60]},
        dom_id=formdata.dom_id,
        # The seals pages keep showing each error in both languages; the language-only rule is
        # the application form's.
        bilingual_errors=True,
    )


async def _seal_call(request: Request, account: Account, method: str, message: Any) -> Any:
    return await call(request, account, seal_pb2_grpc.SealServiceStub, "seal", method, message)


async def seals_page(
    request: Request,
    *,
    errors: Errors | None = None,
    values: Mapping[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """One company's seals. The seal service decides who sees what: its owner (or an
    administrator) every authorised user, the seals and the register; an authorised user only
    its own grant; anyone else nothing (its refusal is the usual 403 page)."""
    account = await require(request, APPLICANTS)
    uscc = company_uscc(request)
    token = request.query_params.get("usages", "").strip()[:40]
    listed = await _seal_call(
        request,
        account,
        "ListSigners",
        seal_pb2.ListSignersRequest(uscc=uscc, include_revoked=True),
    )
    lang = lang_of(request)
    signers = [signer_view(s, lang) for s in listed.signers]
    # The seal service says in which capacity we asked: an authorised user sees only its own
    # grant and the sign form, so the owner's lists are not even asked for.
    owner = listed.caller_capacity != seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER
    mine = None if owner else next((s for s in signers if s.subject == account.username), None)
    context: dict[str, Any] = {
        "uscc": uscc,
        "owner": owner,
        "company_name": "",
        "seals": [],
        "grantable": [],
        "signers": signers,
        "revoke_choices": [(s.subject, s.subject) for s in signers if s.active],
        "mine": mine,
        "usages": [],
        "token": token,
        "next_token": "",
        "usage_error": "",
    }
    if owner:
        answers: tuple[Any, ...] = await asyncio.gather(
            _seal_call(
                request,
                account,
                "ListSeals",
                seal_pb2.ListSealsRequest(uscc=uscc, include_impressions=True),
            ),
            _seal_call(
                request,
                account,
                "ListSealUsages",
                seal_pb2.ListSealUsagesRequest(uscc=uscc, page_size=USAGES_PAGE, page_token=token),
            ),
            return_exceptions=True,
        )
        seals, usages = answers
        if isinstance(seals, BaseException):
            raise seals
        if isinstance(usages, Rejected):
            # A page token that is not (or no longer) the service's: say so, show the rest.
            context["usage_error"] = usages.message
        elif isinstance(usages, BaseException):
            raise usages
        else:
            context["usages"] = [usage_view(u, lang) for u in usages.usages]
            context["next_token"] = usages.next_page_token
        views = await run_in_threadpool(lambda: [seal_view(s, lang) for s in seals.seals])
        context["company_name"] = next((s.company_name for s in seals.seals), "")
        context["seals"] = views
        context["grantable"] = usable_kinds(views)
        choices = [
            (s.code, f"{enum_label('seal_kind', s.kind, lang)} · {s.code}")
            for s in views
            if s.usable
        ]
    else:
        kinds = mine.kinds if mine is not None and mine.active else ()
        choices = [(kind, enum_label("seal_kind", kind, lang)) for kind in kinds]
    shown: dict[str, Any] = dict(SIGN_DEFAULTS)
    if choices:
        shown["sign.seal"] = choices[0][0]
    shown.update(values or {})
    found = errors or {}
    return render(
        request,
        "seals.html",
        status,
        **context,
        sign_choices=choices,
        fields=shown,
        errors=found,
        problems=[(anchor, r) for anchor, items in found.items() for r in items],
        dom_id=formdata.dom_id,
        bilingual_errors=True,
    )


async def grant_signer(request: Request) -> Response:
    account = await require_to(request, Action.MANAGE_SEAL_SIGNERS)
    uscc = company_uscc(request)
    form = await form_items(request)
    kinds = [v.strip()[:40] for v in form.getlist("grant.kinds") if isinstance(v, str)][:10]
    values: dict[str, Any] = {
        "grant.subject": _text(form, "grant.subject", 200),
        "grant.kinds": kinds,
        "grant.valid_until": _text(form, "grant.valid_until", 40),
        "grant.note": _text(form, "grant.note", 600),
    }
    message = seal_pb2.AuthoriseSignerRequest(
        uscc=uscc,
        subject=values["grant.subject"],
        kinds=[kind_number(kind) for kind in kinds],
        note=values["grant.note"],
    )
    if values["grant.valid_until"]:
        try:
            day = date.fromisoformat(values["grant.valid_until"])
        except ValueError:
            problem = _said("seals.date_format", "valid_until", "date_format")
            return await seals_page(
                request, errors={"grant.valid_until": [problem]}, values=values, status=422
            )
        # The whole of that day, in the zone the company's documents are dated in.
        end = datetime.combine(day, time(23, 59, 59), SHANGHAI)
        message.valid_until.CopyFrom(timestamp(end))
    try:
        await _seal_call(request, account, "AuthoriseSigner", message)
    except BackendError as error:
        found, status = refusal_on_form("grant", error, GRANT_FIELDS)
        return await seals_page(request, errors=found, values=values, status=status)
    session(request).flash("seals.done.granted")
    return redirect(f"/seals/{uscc}#signers")


async def revoke_signer(request: Request) -> Response:
    account = await require_to(request, Action.MANAGE_SEAL_SIGNERS)
    uscc = company_uscc(request)
    form = await form_items(request)
    values = {
        "revoke.subject": _text(form, "revoke.subject", 200),
        "revoke.reason": _text(form, "revoke.reason", 600),
    }
    message = seal_pb2.RevokeSignerRequest(
        uscc=uscc, subject=values["revoke.subject"], reason=values["revoke.reason"]
    )
    try:
        await _seal_call(request, account, "RevokeSigner", message)
    except Missing as error:
        # Not an authorised user of this company (an unknown company fails the page itself).
        found = {"revoke.subject": [_as_rejection(error)]}
        return await seals_page(request, errors=found, values=values, status=422)
    except BackendError as error:
        found, status = refusal_on_form("revoke", error, REVOKE_FIELDS)
        return await seals_page(request, errors=found, values=values, status=status)
    session(request).flash("seals.done.revoked")
    return redirect(f"/seals/{uscc}#signers")


def _page_number(text: str) -> int | None:
    if not text.isdigit() or len(text) > 6:
        return None
    number = int(text)
    return number if number >= 1 else None


def _millimetres(text: str) -> float | None:
    try:
        value = float(text.replace("，", ".").replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def sealed_file_name(uploaded: str) -> tuple[str, str]:
    """The download's name: the upload's own name with "-sealed" (an ASCII fallback and the
    UTF-8 original, RFC 6266)."""
    stem = PurePosixPath(uploaded.replace("\\", "/")).name[:120]
    if stem.lower().endswith(".pdf"):
        stem = stem[:-4]
    plain = "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch in "-_.")).strip(".")
    return f"{plain or 'document'}-sealed.pdf", f"{stem or 'document'}-sealed.pdf"


async def sign_with_seal(request: Request) -> Response:
    account = await require_to(request, Action.SIGN_WITH_SEAL)
    uscc = company_uscc(request)
    form = await form_items(request)
    values = {
        f"sign.{name}": _text(form, f"sign.{name}", 500)
        for name in ("seal", "page", "x", "y", "reason", "location")
    }
    errors: Errors = {}
    upload = form.get("sign.file")
    content, file_name = b"", ""
    if isinstance(upload, UploadFile) and upload.filename:
        content, file_name = await upload.read(MAX_UPLOAD + 1), upload.filename
    if not content:
        errors["sign.file"] = [_said("seals.file_missing", "pdf", "required")]
    elif len(content) > MAX_UPLOAD:
        errors["sign.file"] = [_said("seals.file_too_large", "pdf", "max_size")]
    page = _page_number(values["sign.page"])
    if page is None:
        errors["sign.page"] = [_said("seals.page_number", "page", "whole_number")]
    x, y = _millimetres(values["sign.x"]), _millimetres(values["sign.y"])
    for name, number in (("x", x), ("y", y)):
        if number is None:
            errors[f"sign.{name}"] = [_said("seals.mm_number", name, "number")]
    if errors or page is None or x is None or y is None:
        return await seals_page(request, errors=errors, values=values, status=422)
    chosen = values["sign.seal"]
    message = seal_pb2.SignPdfRequest(
        uscc=uscc,
        # An owner picks a seal by its code; an authorised user by its kind.
        seal_code="" if chosen in KIND_ORDER else chosen,
        kind=kind_number(chosen) if chosen in KIND_ORDER else 0,
        pdf=content,
        page=page - 1,
        x=x * PT_PER_MM,
        y=y * PT_PER_MM,
        reason=values["sign.reason"],
        location=values["sign.location"],
    )
    try:
        signed = await _seal_call(request, account, "SignPdf", message)
    except Forbidden as error:
        # A refusal that names its rule (revoked, expired, a kind not granted) is shown on the
        # form; a plain one (not the company's user at all) is the usual 403 page.
        if not error.rejections:
            raise
        found = placed("sign", error.rejections, SIGN_FIELDS)
        return await seals_page(request, errors=found, values=values, status=403)
    except BackendError as error:
        found, status = refusal_on_form("sign", error, SIGN_FIELDS)
        return await seals_page(request, errors=found, values=values, status=status)
    plain, original = sealed_file_name(file_name)
    disposition = f'attachment; filename="{plain}"'
    if original != plain:
        disposition += f"; filename*=UTF-8''{quote(original)}"
    return pdf_response(signed.signed_pdf, disposition, {"x-seal-code": signed.seal_code})


def routes() -> list[BaseRoute]:
    return [
        Route("/seals", seals_index),
        Route("/seals/{uscc}", seals_page),
        post("/seals/{uscc}/signers", grant_signer),
        post("/seals/{uscc}/signers/revoke", revoke_signer),
        post("/seals/{uscc}/sign", sign_with_seal),
    ]
