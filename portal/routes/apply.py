"""The application form's pages: the form checked section by section as the applicant leaves
each part, autosaved as a draft, reviewed whole ("核对信息") before it is submitted, and a case's
correction holding only the fields a step sent back; and the live checks of a company name and
an ID number while they are typed.

Every check is the orchestrator's ValidateApplication (the form's completeness and all five
participants' rules); the portal adds only what it finds while reading the form (text in a
whole-number field, a required input left empty) and places each rejection next to its input.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import grpc
from google.protobuf import field_mask_pb2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.registration.v1 import registration_pb2, registration_pb2_grpc
from onestop_common.identifiers import validate_citizen_id
from onestop_common.permissions import Action
from portal import catalogue, formdata
from portal.backend import BackendError, Forbidden, Missing, Rejected, Unavailable
from portal.i18n import MATERIALS, enum_label, translate
from portal.store import Account, AccountError
from portal.views import StepView, answers, case_view, rejection_text
from portal.web import (
    APPLICANTS,
    call,
    call_orchestrator,
    form_items,
    get_case,
    lang_of,
    portal_of,
    post,
    redirect,
    render,
    require,
    require_to,
    session,
    text_items,
)

# The placeholder row number in the page's row templates (the script puts the real one in).
ROW_PLACEHOLDER = "__I__"


# ---------------------------------------------------------------------------- rendering


def form_page(
    request: Request,
    fields: formdata.Fields,
    *,
    problems: Sequence[formdata.Problem] = (),
    draft_id: str = "",
    action: str = "/apply",
    idempotency_key: str = "",
    correction_of: str = "",
    scope: formdata.Scope | None = None,
    waiting: Sequence[StepView] = (),
    focus: str = "",
    status: int = 200,
    notice: str = "",
) -> Response:
    lang = lang_of(request)
    scope = scope or formdata.Scope(())
    errors: dict[str, list[Any]] = {}
    for problem in problems:
        errors.setdefault(problem.anchor, []).append(problem.rejection)

    def touches(path: str) -> bool:
        return scope.whole or any(
            formdata.under(p, path) or formdata.under(path, p) for p in scope.paths
        )

    def section_shown(key: str) -> bool:
        return scope.shows(formdata.SECTION_BY_KEY[key])

    return render(
        request,
        "form.html",
        status,
        fields=formdata.template_fields(fields, ROW_PLACEHOLDER),
        errors=errors,
        problems=list(problems),
        dom_id=formdata.dom_id,
        values=lambda name: formdata.values(fields, name),
        rows=lambda group: range(formdata.rows(fields, group)),
        shown=scope.holds,
        touches=touches,
        section_shown=section_shown,
        is_required=formdata.required,
        focus=focus,
        draft_id=draft_id,
        action=action,
        idempotency_key=idempotency_key or uuid.uuid4().hex,
        correction_of=correction_of,
        waiting=list(waiting),
        # Sections are checked as the applicant leaves them, and drafts saved as they type, on
        # the application form; a correction is checked when it is sent.
        checking=not correction_of,
        autosave=not correction_of,
        notice=notice,
        scope_items=catalogue.scope_items(),
        materials=MATERIALS,
        F=formdata,
        id_type_options=_enum_options("id_type", formdata.ID_TYPES, lang),
        enterprise_type_options=_enum_options("enterprise_type", formdata.ENTERPRISE_TYPES, lang),
        contribution_options=_enum_options("contribution_form", formdata.CONTRIBUTION_FORMS, lang),
        officer_role_options=_enum_options("officer_role", formdata.OFFICER_ROLES, lang),
        org_form_options=[(c.value, c.label(lang)) for c in catalogue.organisational_forms()],
        industry_options=[(c.value, c.label(lang)) for c in catalogue.industries()],
        district_options=[(c.value, c.label(lang)) for c in catalogue.served_districts()],
        bank_options=[(c.value, f"{c.value} {c.label(lang)}") for c in catalogue.banks()],
    )


def _enum_options(kind: str, names: Iterable[str], lang: str) -> list[tuple[str, str]]:
    return [(name, enum_label(kind, name, lang)) for name in names]


def row_command(fields: formdata.Fields, command: str) -> str:
    """Applies "add:<group>" or "remove:<group>:<row>" (the page without its script); the
    input to focus afterwards."""
    kind, _, rest = command.partition(":")
    group, _, index = rest.partition(":")
    if group not in formdata.ROWS:
        return ""
    if kind == "add":
        if formdata.add_row(fields, group):
            return f"{group}[{formdata.rows(fields, group) - 1}].person.name"
        return ""
    if kind == "remove" and index.isdigit():
        formdata.remove_row(fields, group, int(index))
    return ""


# ---------------------------------------------------------------------------- checking


async def validate(
    request: Request,
    account: Account,
    fields: formdata.Fields,
    converted: formdata.Converted,
    sections: Sequence[str] = (),
) -> tuple[list[common_pb2.Rejection], pb.ValidateApplicationResponse]:
    """Every problem of the form (or of ``sections``: "form.employees"...), the platform's and
    what the portal found reading it; the platform's answer, for its participant checks."""
    response = await call_orchestrator(
        request,
        account,
        "ValidateApplication",
        pb.ValidateApplicationRequest(form=converted.form, sections=list(sections)),
    )
    return merge(local_problems(fields, converted, sections), response.rejections), response


def local_problems(
    fields: formdata.Fields, converted: formdata.Converted, sections: Sequence[str] = ()
) -> list[common_pb2.Rejection]:
    found = list(converted.problems) + formdata.missing(fields, translate)
    return [r for r in found if not sections or formdata.within(r.field, sections)]


def merge(
    local: Iterable[common_pb2.Rejection], platform: Iterable[common_pb2.Rejection]
) -> list[common_pb2.Rejection]:
    """One list, one message per problem: text in a whole-number field is the portal's to
    say (the platform saw a 0); otherwise the platform's rejection of a field, which names its
    person or row, stands for the portal's "required"."""
    local, platform = list(local), list(platform)
    unreadable = {_same(r.field) for r in local if r.rule == "integer"}
    named = {_same(r.field) for r in platform}
    kept = [r for r in platform if _same(r.field) not in unreadable]
    kept += [r for r in local if _same(r.field) in unreadable or _same(r.field) not in named]
    return kept


def _same(field: str) -> str:
    # A sum of money is one input: "form.registered_capital" and its ".amount" are one field.
    return field.removesuffix(".amount")


def placed(
    found: Iterable[common_pb2.Rejection],
    fields: formdata.Fields,
    row_map: Mapping[str, tuple[int, ...]] | None = None,
) -> list[formdata.Problem]:
    """The rejections at their inputs, in the order the page shows the inputs."""
    problems = formdata.place(found, fields, row_map)
    order = {name: i for i, name in enumerate(formdata.page_order(fields))}
    return sorted(problems, key=lambda p: order.get(p.anchor, len(order)))


# ---------------------------------------------------------------------------- the form


async def apply_page(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    draft_id = request.query_params.get("draft", "")
    if draft_id:
        draft = await run_in_threadpool(portal_of(request).store.draft, account.username, draft_id)
        if draft is None:
            raise Missing(grpc.StatusCode.NOT_FOUND, "no such draft")
        return form_page(request, dict(draft.fields), draft_id=draft.id, notice="form.resumed")
    return form_page(request, formdata.defaults())


async def apply(request: Request) -> Response:
    account = await require_to(request, Action.SUBMIT_CASE)
    form = await form_items(request)
    fields = formdata.from_multidict(text_items(form))
    command = str(form.get("do", "review"))
    draft_id = str(form.get("draft_id", ""))[:40]
    key = str(form.get("idempotency_key", ""))[:64]
    store = portal_of(request).store
    if command.startswith(("add:", "remove:")):
        focus = row_command(fields, command)
        return form_page(request, fields, draft_id=draft_id, idempotency_key=key, focus=focus)
    if command == "submit":
        return await submit(request, account, draft_id, key)
    if command not in ("draft", "review"):
        return form_page(request, fields, draft_id=draft_id, idempotency_key=key)
    try:
        draft_id = await run_in_threadpool(
            store.save_draft, account.username, fields, formdata.title(fields), draft_id
        )
    except AccountError:
        return form_page(
            request, fields, draft_id=draft_id, idempotency_key=key, notice="form.too_many_drafts"
        )
    if command == "draft":
        session(request).flash("form.saved")
        return redirect(f"/apply?draft={draft_id}")
    converted = formdata.to_proto(fields)
    found, _ = await validate(request, account, fields, converted)
    if found:
        return form_with_problems(request, fields, converted, found, draft_id, idempotency_key=key)
    return redirect(f"/apply/review?draft={draft_id}")


async def review_page(request: Request) -> Response:
    """Every answer, section by section, with a change link to each section; the submit button
    sends the draft exactly as listed here."""
    account = await require(request, APPLICANTS)
    draft_id = request.query_params.get("draft", "")[:40]
    draft = await run_in_threadpool(portal_of(request).store.draft, account.username, draft_id)
    if draft is None:
        raise Missing(grpc.StatusCode.NOT_FOUND, "no such draft")
    fields = dict(draft.fields)
    converted = formdata.to_proto(fields)
    found, response = await validate(request, account, fields, converted)
    if found:
        return form_with_problems(request, fields, converted, found, draft.id)
    lang = lang_of(request)
    return render(
        request,
        "review.html",
        sections=answers(fields, lang),
        checks=[
            {
                "participant": c.participant,
                "label": participant_label(c.participant, lang),
                "answered": c.answered,
            }
            for c in response.checks
        ],
        draft_id=draft.id,
        title=formdata.title(fields),
        idempotency_key=submission_key(account, draft.id, str(draft.updated_at)),
    )


def participant_label(participant: str, lang: str) -> str:
    try:
        return translate(f"participant.{participant}", lang)
    except KeyError:
        return participant


def submission_key(account: Account, draft_id: str, version: str) -> str:
    """The same reviewed draft submitted twice (a double click) makes one case."""
    text = f"{account.username}\n{draft_id}\n{version}"
    return "review-" + hashlib.sha256(text.encode()).hexdigest()[:32]


async def submit(request: Request, account: Account, draft_id: str, key: str) -> Response:
    """Submits the reviewed draft (what the review page listed, never unreviewed input)."""
    store = portal_of(request).store
    draft = await run_in_threadpool(store.draft, account.username, draft_id) if draft_id else None
    if draft is None:
        return redirect("/cases")
    fields = dict(draft.fields)
    converted = formdata.to_proto(fields)
    found = local_problems(fields, converted)
    if not found:
        message = pb.SubmitApplicationRequest(
            idempotency_key=key or submission_key(account, draft.id, str(draft.updated_at)),
            form=converted.form,
        )
        response, found = await send_form(request, account, "SubmitApplication", message)
        if not found:
            await run_in_threadpool(store.delete_draft, account.username, draft.id)
            return redirect(f"/cases/{response.application.case_id}")
    return form_with_problems(request, fields, converted, found, draft.id)


async def send_form(
    request: Request, account: Account, method: str, message: Any
) -> tuple[Any, list[common_pb2.Rejection]]:
    """Sends a form to the orchestrator: its answer, or the rules it names when it refuses the
    form (a refusal that names none is not the applicant's to fix, and is raised)."""
    try:
        return await call_orchestrator(request, account, method, message), []
    except Rejected as error:
        if not error.rejections:
            raise
        return None, error.rejections


def form_with_problems(
    request: Request,
    fields: formdata.Fields,
    converted: formdata.Converted,
    found: Sequence[common_pb2.Rejection],
    draft_id: str,
    idempotency_key: str = "",
) -> Response:
    """The form again (422), each problem shown at the field it names."""
    return form_page(
        request,
        fields,
        problems=placed(found, fields, converted.row_map),
        draft_id=draft_id,
        idempotency_key=idempotency_key,
        status=422,
    )


async def delete_draft(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    await run_in_threadpool(
        portal_of(request).store.delete_draft, account.username, request.path_params["draft_id"]
    )
    return redirect("/cases")


# ---------------------------------------------------------------------------- for the script


async def check_section_api(request: Request) -> Response:
    """One section of the form checked as the applicant leaves it: the same check as the whole
    form's, limited to the section; the messages in the page's language, with where they go."""
    account = await require(request, APPLICANTS)
    form = await form_items(request)
    section = formdata.SECTION_BY_KEY.get(str(form.get("section", "")))
    if section is None:
        return JSONResponse({"error": "unknown section"}, status_code=400)
    fields = formdata.from_multidict(text_items(form))
    converted = formdata.to_proto(fields)
    try:
        found, _ = await validate(request, account, fields, converted, section.check_paths)
    except (Unavailable, Missing, Forbidden):
        return JSONResponse({"section": section.key, "unavailable": True}, status_code=503)
    except BackendError as error:
        return JSONResponse(
            {"section": section.key, "unavailable": True, "detail": error.message},
            status_code=502,
        )
    lang = lang_of(request)
    problems = placed(found, fields, converted.row_map)
    return JSONResponse(
        {
            "section": section.key,
            "errors": [
                {
                    "anchor": p.anchor,
                    "target": formdata.dom_id(p.anchor),
                    "text": rejection_text(p.rejection, lang),
                }
                for p in problems
            ],
        }
    )


async def autosave_api(request: Request) -> Response:
    """The form as typed, kept in the applicant's draft (a new one the first time)."""
    account = await require(request, APPLICANTS)
    form = await form_items(request)
    fields = formdata.from_multidict(text_items(form))
    draft_id = str(form.get("draft_id", ""))[:40]
    try:
        draft_id = await run_in_threadpool(
            portal_of(request).store.save_draft,
            account.username,
            fields,
            formdata.title(fields),
            draft_id,
        )
    except AccountError as error:
        return JSONResponse({"saved": False, "detail": str(error)}, status_code=409)
    return JSONResponse({"saved": True, "draft_id": draft_id})


# ---------------------------------------------------------------------------- corrections


def waiting_steps(app: pb.Application, lang: str) -> list[StepView]:
    return [s for s in case_view(app, lang).steps if s.awaiting]


async def correct_page(request: Request) -> Response:
    """The fields the waiting step named, pre-filled from the case's form, with why."""
    account = await require(request, APPLICANTS)
    case_id = request.path_params["case_id"]
    app = await get_case(request, account, case_id)
    waiting = waiting_steps(app, lang_of(request))
    if not waiting:
        session(request).flash("correct.none")
        return redirect(f"/cases/{case_id}")
    fields = formdata.from_proto(app.form)
    named = [r for s in waiting for r in s.rejections]
    return form_page(
        request,
        fields,
        problems=placed(named, fields),
        action=f"/cases/{case_id}/correct",
        correction_of=case_id,
        scope=formdata.correction_scope(named),
        waiting=waiting,
    )


async def correct(request: Request) -> Response:
    """Sends the corrected fields with an update mask naming them: the rest of the case's form
    stands as it is."""
    account = await require_to(request, Action.ACT_ON_CASE)
    case_id = request.path_params["case_id"]
    action = f"/cases/{case_id}/correct"
    form = await form_items(request)
    app = await get_case(request, account, case_id)
    waiting = waiting_steps(app, lang_of(request))
    if not waiting:
        session(request).flash("correct.none")
        return redirect(f"/cases/{case_id}")
    named = [r for s in waiting for r in s.rejections]
    scope = formdata.correction_scope(named)
    posted = formdata.from_multidict(text_items(form))
    fields = formdata.corrected(formdata.from_proto(app.form), posted, scope)
    command = str(form.get("do", "stay"))

    def again(
        problems: Sequence[formdata.Problem] = (), status: int = 200, focus: str = ""
    ) -> Response:
        return form_page(
            request,
            fields,
            problems=problems,
            action=action,
            correction_of=case_id,
            scope=scope,
            waiting=waiting,
            focus=focus,
            status=status,
        )

    if command.startswith(("add:", "remove:")):
        return again(focus=row_command(fields, command))
    if command != "submit":
        return again()
    converted = formdata.to_proto(fields)
    paths = [f"form.{p}" for p in scope.paths]
    found = local_problems(fields, converted, paths)
    if not found:
        message = pb.CorrectApplicationRequest(
            case_id=case_id,
            form=converted.form,
            update_mask=field_mask_pb2.FieldMask(paths=list(scope.paths)),
        )
        _, found = await send_form(request, account, "CorrectApplication", message)
        if not found:
            session(request).flash("correct.sent")
            return redirect(f"/cases/{case_id}")
    return again(placed(found, fields, converted.row_map), status=422)


# ---------------------------------------------------------------------------- live checks


async def check_name_api(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    q = request.query_params
    name = registration_pb2.CheckNameRequest()
    for part in ("division", "trade_name", "industry", "organisational_form", "industry_code"):
        setattr(name.name, part, q.get(part, "").strip()[:100])
    with contextlib.suppress(ValueError):  # none chosen (yet): left unspecified
        name.enterprise_type = application_pb2.EnterpriseType.Value(
            f"ENTERPRISE_TYPE_{q.get('enterprise_type', '')}"
        )
    try:
        response = await call(
            request,
            account,
            registration_pb2_grpc.RegistrationServiceStub,
            "registration",
            "CheckName",
            name,
        )
    except Rejected as error:
        return JSONResponse(
            {
                "available": False,
                "full_name": "",
                "messages": [_message(r) for r in error.rejections],
            }
        )
    return JSONResponse(
        {
            "available": response.available,
            "full_name": response.full_name,
            "messages": [_message(r) for r in response.rejections],
        }
    )


def _message(rejection: Any) -> dict[str, str]:
    return {
        "field": rejection.field,
        "rule": rejection.rule,
        "zh": rejection.message_zh,
        "en": rejection.message_en,
    }


async def check_id_api(request: Request) -> Response:
    await require(request, APPLICANTS)
    value = request.query_params.get("value", "").strip().upper()[:40]
    today: date = portal_of(request).settings.clock().now().date()
    verdict = validate_citizen_id(value, today=today)
    return JSONResponse({"ok": verdict.ok, "zh": verdict.reason_zh, "en": verdict.reason_en})


def routes() -> list[BaseRoute]:
    return [
        Route("/apply", apply_page),
        post("/apply", apply),
        Route("/apply/review", review_page),
        post("/drafts/{draft_id}/delete", delete_draft),
        post("/api/draft", autosave_api),
        post("/api/check-section", check_section_api),
        Route("/api/check-name", check_name_api),
        Route("/api/check-id", check_id_api),
        Route("/cases/{case_id}/correct", correct_page),
        post("/cases/{case_id}/correct", correct),
    ]
