"""A person named in an application confirms it: the requests waiting for the signed-in person
(found by the ID number the real-name provider verified), the application to read (the PDF and
who has signed so far), and signing or declining it. The orchestrator has the platform sign the
application PDF for the person (engine.consent); a local account, whose identity nobody verified,
is sent to real-name sign-in instead."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common.clock import to_shanghai
from onestop_common.permissions import Action
from onestop_common.protoconv import from_timestamp
from portal.backend import BackendError, Missing, Unavailable
from portal.i18n import translate
from portal.store import Account
from portal.web import (
    APPLICANTS,
    call_orchestrator,
    form_items,
    lang_of,
    pdf_response,
    post,
    redirect,
    render,
    require,
    require_to,
    session,
)

SIGNATURE_STATES = {
    pb.SIGNATURE_STATE_WAITING: "waiting",
    pb.SIGNATURE_STATE_SIGNED: "signed",
    pb.SIGNATURE_STATE_DECLINED: "declined",
}
ROLES = (
    "legal_representative",
    "shareholder",
    "chair",
    "director",
    "sole_director",
    "supervisor",
    "manager",
    "executive_partner",
    "officer",
)
MAX_REASON = 500


def _when(ts: Any) -> str:
    value = from_timestamp(ts)
    return "" if value is None else f"{to_shanghai(value):%Y-%m-%d %H:%M}"


def _roles(roles: Any, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(translate(f"sign.role.{r}", lang) if r in ROLES else r for r in roles)


def _request_view(item: pb.SignatureRequest, lang: str) -> dict[str, str]:
    return {
        "case_id": item.case_id,
        "company_name": item.company_name,
        "roles": _roles(item.roles, lang),
        "submitted": _when(item.submitted_at),
        "expires": _when(item.expires_at),
        "state": SIGNATURE_STATES.get(item.state, "waiting"),
    }


def _signature_view(item: pb.PersonSignature, lang: str) -> dict[str, str]:
    return {
        "name": item.name,
        "id": item.masked_id_number,
        "roles": _roles(item.roles, lang),
        "state": SIGNATURE_STATES.get(item.state, "waiting"),
        "signed_at": _when(item.signed_at),
        "reason": item.reason,
    }


async def _verified(request: Request, action: Action | None = None) -> Account | None:
    """The signed-in person if the real-name provider verified them; None for a local account."""
    account = await (require_to(request, action) if action else require(request, APPLICANTS))
    return account if account.person_id else None


async def requests_page(request: Request) -> Response:
    account = await _verified(request)
    if account is None:
        return render(request, "sign_list.html", verified=False, requests=[])
    found = await call_orchestrator(
        request, account, "ListSignatureRequests", pb.ListSignatureRequestsRequest()
    )
    lang = lang_of(request)
    return render(
        request,
        "sign_list.html",
        verified=True,
        requests=[_request_view(r, lang) for r in found.requests],
    )


def _case_id(request: Request) -> str:
    case_id: str = request.path_params["case_id"]
    return case_id[:32]


async def _to_sign(request: Request, account: Account) -> pb.GetApplicationToSignResponse:
    """The application the person is asked to sign: its PDF and who has signed so far."""
    message = pb.GetApplicationToSignRequest(case_id=_case_id(request))
    shown: pb.GetApplicationToSignResponse = await call_orchestrator(
        request, account, "GetApplicationToSign", message
    )
    return shown


async def application_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    account = await _verified(request)
    if account is None:
        return redirect("/sign")
    shown = await _to_sign(request, account)
    lang = lang_of(request)
    return render(
        request,
        "sign.html",
        status,
        case_id=_case_id(request),
        mine=_request_view(shown.request, lang) if shown.HasField("request") else None,
        signatures=[_signature_view(s, lang) for s in shown.signatures],
        form_sha256=shown.form_sha256,
        error=error,
    )


async def application_pdf(request: Request) -> Response:
    account = await _verified(request)
    if account is None:
        return redirect("/sign")
    shown = await _to_sign(request, account)
    disposition = f'inline; filename="application-{_case_id(request)}.pdf"'
    return pdf_response(shown.pdf, disposition)


async def sign(request: Request) -> Response:
    account = await _verified(request, Action.SIGN_APPLICATION)
    if account is None:
        return redirect("/sign")
    form = await form_items(request)
    message = pb.SignApplicationRequest(
        case_id=_case_id(request), form_sha256=str(form.get("form_sha256", ""))[:64]
    )
    return await _answer(request, account, "SignApplication", message, done="sign.done")


async def decline(request: Request) -> Response:
    account = await _verified(request, Action.SIGN_APPLICATION)
    if account is None:
        return redirect("/sign")
    form = await form_items(request)
    reason = str(form.get("reason", "")).strip()
    if not reason:
        # Checked before anything is sent: a refusal without a reason tells the applicant nothing.
        error = translate("sign.reason_required", lang_of(request))
        return await application_page(request, error=error, status=422)
    message = pb.DeclineApplicationRequest(case_id=_case_id(request), reason=reason[:MAX_REASON])
    return await _answer(request, account, "DeclineApplication", message, done="sign.declined")


async def _answer(
    request: Request, account: Account, method: str, message: Any, *, done: str
) -> Response:
    """Sends the person's answer (signed or declined) and goes back to their requests with the
    ``done`` note; a refusal shows the application again with the platform's reason."""
    try:
        await call_orchestrator(request, account, method, message)
    except BackendError as refused:
        return await _refused(request, refused)
    session(request).flash(done)
    return redirect("/sign")


async def _refused(request: Request, refused: BackendError) -> Response:
    """The application again with the platform's reason (already signed, no longer waiting, a
    name that differs from the verified one); an outage goes to the error page."""
    if isinstance(refused, (Unavailable, Missing)):
        raise refused
    return await application_page(request, error=refused.message, status=409)


def routes() -> list[BaseRoute]:
    return [
        Route("/sign", requests_page),
        Route("/sign/{case_id}", application_page),
        Route("/sign/{case_id}/application.pdf", application_pdf),
        post("/sign/{case_id}", sign),
        post("/sign/{case_id}/decline", decline),
    ]
