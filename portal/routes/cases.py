"""An entrepreneur's cases: the list with their drafts, a case's page and its live part (server-sent
events from the orchestrator's WatchApplication stream), withdrawing a case, supplying a material
promised under the commitment route, and downloading the bundle."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common.permissions import Action
from portal import formdata
from portal.backend import BackendError, Forbidden, Missing, Rejected, Unavailable
from portal.i18n import enum_label, pair, translator
from portal.store import Account
from portal.views import TERMINAL, case_view
from portal.web import (
    APPLICANTS,
    CASE_READERS,
    KEEPALIVE_SECONDS,
    MAX_UPLOAD,
    call_orchestrator,
    form_items,
    get_case,
    lang_of,
    my_cases,
    pdf_response,
    portal_of,
    post,
    redirect,
    render,
    require,
    require_to,
    session,
)

log = logging.getLogger(__name__)


async def cases_page(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    listed = await my_cases(request, account)
    drafts = await run_in_threadpool(portal_of(request).store.drafts, account.username)
    lang = lang_of(request)
    return render(
        request,
        "cases.html",
        cases=[case_view(a, lang) for a in listed.applications],
        drafts=drafts,
    )


async def case_page(request: Request, error: str = "", status: int = 200) -> Response:
    account = await require(request, CASE_READERS)
    app = await get_case(request, account, request.path_params["case_id"])
    view = case_view(app, lang_of(request))
    summary = formdata.from_proto(app.form)
    return render(
        request, "case.html", status, case=view, form=app.form, summary=summary, error=error
    )


def sse(event: str, data: str, event_id: str = "") -> bytes:
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return ("\n".join(lines) + "\n\n").encode()


async def case_events(request: Request) -> Response:
    """Server-sent events: the live part of the case page, re-rendered on every change the
    orchestrator's WatchApplication stream reports."""
    account = await require(request, CASE_READERS)
    case_id = request.path_params["case_id"]
    await get_case(request, account, case_id)  # 403/404 before the stream starts
    lang = lang_of(request)
    portal = portal_of(request)
    templates = portal.templates
    csrf = session(request).csrf
    watch = pb.WatchApplicationRequest(case_id=case_id)
    stream = portal.backend.stream(account, "WatchApplication", watch)

    def fragment(app: pb.Application) -> str:
        return templates.get_template("_live.html").render(
            case=case_view(app, lang),
            t=translator(lang),
            lang=lang,
            csrf=csrf,
            label=lambda kind, value: enum_label(kind, value, lang),
            pair=lambda zh, en: pair(zh, en, lang),
        )

    async def events() -> AsyncIterator[bytes]:
        yield b"retry: 3000\n\n"
        async for kind, value in pump(stream):
            if kind == "update":
                app = value.application
                yield sse("live", fragment(app), str(value.event.sequence))
                if app.state in TERMINAL:
                    yield sse("end", app.case_id)
                    return
            elif kind == "keepalive":
                yield b": keepalive\n\n"
            elif kind == "error":
                yield sse("failed", str(value))
                return
            else:
                yield sse("end", case_id)
                return

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


async def pump(stream: Any) -> AsyncIterator[tuple[str, Any]]:
    """Runs a blocking gRPC stream in its own thread and hands its messages to the event loop.
    Leaving the loop (the browser went away) cancels the gRPC call, which ends the thread; a
    worker-pool thread could not be interrupted while it waits for the next message."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def put(item: tuple[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def run() -> None:
        try:
            for message in stream:
                put(("update", message))
            put(("end", None))
        except BackendError as error:
            put(("error", error.message))
        except Exception as error:
            log.warning("watch stream failed: %s", error)
            put(("error", "stream failed"))

    thread = threading.Thread(target=run, name="watch", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ("keepalive", None)
                continue
            yield item
            if item[0] != "update":
                return
    finally:
        stream.cancel()


async def act_on_case(
    request: Request, account: Account, case_id: str, method: str, message: Any
) -> Response:
    """Sends the applicant's action on their case and goes back to the case page; a refusal is
    shown on it: the rules the orchestrator names (else its message) for a rejected input, its
    message for a conflict with the case's state."""
    try:
        await call_orchestrator(request, account, method, message)
    except Rejected as error:
        lang = lang_of(request)
        text = (
            "; ".join(pair(r.message_zh, r.message_en, lang) for r in error.rejections)
            or error.message
        )
        return await case_page(request, error=text, status=422)
    except BackendError as error:
        if isinstance(error, (Forbidden, Missing, Unavailable)):
            raise
        return await case_page(request, error=error.message, status=409)
    return redirect(f"/cases/{case_id}")


async def cancel_case(request: Request) -> Response:
    account = await require_to(request, Action.ACT_ON_CASE)
    case_id = request.path_params["case_id"]
    form = await form_items(request)
    reason = str(form.get("reason", "")).strip()[:500] or "申请人撤回 / withdrawn by the applicant"
    message = pb.CancelApplicationRequest(case_id=case_id, reason=reason)
    return await act_on_case(request, account, case_id, "CancelApplication", message)


async def fulfil_commitment(request: Request) -> Response:
    account = await require_to(request, Action.ACT_ON_CASE)
    case_id = request.path_params["case_id"]
    form = await form_items(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        text = translator(lang_of(request))("case.material_file_missing")
        return await case_page(request, error=text, status=422)
    message = pb.FulfillCommitmentRequest(
        case_id=case_id,
        material_code=str(form.get("material_code", "")),
        file_name=(upload.filename or "material")[:200],
        content=await upload.read(MAX_UPLOAD + 1),
        content_type=upload.content_type or "application/octet-stream",
    )
    return await act_on_case(request, account, case_id, "FulfillCommitment", message)


async def bundle(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    case_id = request.path_params["case_id"]
    found = await run_in_threadpool(portal_of(request).backend.bundle, account, case_id)
    safe_name = "".join(ch for ch in found.file_name if ch.isalnum() or ch in "-_.") or "bundle.pdf"
    disposition = f'attachment; filename="{safe_name}"'
    return pdf_response(found.data, disposition, {"x-content-sha256": found.sha256})


def routes() -> list[BaseRoute]:
    return [
        Route("/cases", cases_page),
        Route("/cases/{case_id}", case_page),
        Route("/cases/{case_id}/events", case_events),
        Route("/cases/{case_id}/bundle", bundle),
        post("/cases/{case_id}/cancel", cancel_case),
        post("/cases/{case_id}/commitment", fulfil_commitment),
    ]
