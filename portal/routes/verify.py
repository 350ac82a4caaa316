"""The public verification page, open to everyone without signing in: the page a license's QR
code opens (/verify/{USCC}/{license number}) shows the license's current status from the
registration service, the form on /verify looks one up by code and number, and an uploaded
e-license bundle gets the same checks as ``onestop verify``.

Per client address (as the trusted proxies say), lookups and uploads are limited per minute in
the sign-in throttle's table, so every portal replica counts together.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from onestop.registration.v1 import registration_pb2 as reg_pb
from onestop.registration.v1 import registration_pb2_grpc as reg_grpc
from onestop_cli.verify import BundleReport, load_root, verify_bundle
from onestop_common.clock import to_shanghai
from portal.backend import Missing, Unavailable, translate_error
from portal.throttle import retry_after_seconds
from portal.verification import (
    check_rows,
    license_view,
    not_found_view,
    number_error,
    say,
    signed_at_text,
    uscc_error,
)
from portal.web import csrf_protected, form_items, lang_of, portal_of, redirect, render

LOOKUPS_PER_MINUTE = 30
UPLOADS_PER_MINUTE = 5
WINDOW = timedelta(minutes=1)
MAX_BUNDLE = 20 * 1024 * 1024
# Room for the multipart envelope and the CSRF field around the file.
_FORM_OVERHEAD = 64 * 1024
LOOKUP_SECONDS = 10.0

Endpoint = Callable[[Request], Awaitable[Response]]


def _page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    lang = lang_of(request)
    base: dict[str, Any] = {
        "v": lambda key, **values: say(key, lang, **values),
        "errors": {},
        "uscc": "",
        "license_number": "",
        "throttled": "",
        "upload_error": "",
    }
    base.update(context)
    return render(request, name, status, **base)


async def _limited(request: Request, kind: str, limit: int) -> Response | None:
    """A 429 page (in both languages, with Retry-After) when this address has used up its
    ``kind`` requests for the minute; None when it may go on (and this one is counted)."""
    address = request.client.host if request.client else "-"
    now = datetime.now(UTC)
    store = portal_of(request).store
    until = await run_in_threadpool(
        store.count_request, f"verify-{kind}:{address}", limit, WINDOW, now
    )
    if until is None:
        return None
    seconds = retry_after_seconds(until, now)
    values = {"lookups": LOOKUPS_PER_MINUTE, "uploads": UPLOADS_PER_MINUTE, "seconds": seconds}
    text = f"{say('throttled.body', 'zh', **values)} / {say('throttled.body', 'en', **values)}"
    response = _page(request, "verify.html", 429, throttled=text)
    response.headers["retry-after"] = str(seconds)
    return response


def _input_errors(uscc: str, number: str) -> dict[str, str]:
    errors = {"uscc": uscc_error(uscc), "license_number": number_error(number)}
    return {field: text for field, text in errors.items() if text}


async def verify_form(request: Request) -> Response:
    """The form; submitted (GET, so the result has an address to share), it goes to the
    license's page once code and number are well-formed."""
    query = request.query_params
    if "uscc" not in query and "license_number" not in query:
        return _page(request, "verify.html")
    limited = await _limited(request, "lookup", LOOKUPS_PER_MINUTE)
    if limited is not None:
        return limited
    uscc = query.get("uscc", "").strip().upper()[:40]
    number = query.get("license_number", "").strip().upper()[:60]
    errors = _input_errors(uscc, number)
    if errors:
        return _page(request, "verify.html", 400, errors=errors, uscc=uscc, license_number=number)
    return redirect(f"/verify/{uscc}/{number}")


async def license_status(request: Request) -> Response:
    limited = await _limited(request, "lookup", LOOKUPS_PER_MINUTE)
    if limited is not None:
        return limited
    uscc = request.path_params["uscc"][:40]
    number = request.path_params["license_no"][:60]
    errors = _input_errors(uscc, number)
    if errors:
        return _page(request, "verify.html", 400, errors=errors, uscc=uscc, license_number=number)
    scanned = request.query_params.get("v", "")
    scanned_version = int(scanned) if scanned.isdigit() and len(scanned) < 6 else 0
    backend = portal_of(request).backend
    stub = reg_grpc.RegistrationServiceStub(backend.channel("registration"))
    asked = reg_pb.GetLicenseStatusRequest(uscc=uscc, license_number=number)
    try:
        # Public in the permission table: no credential is sent.
        status = await run_in_threadpool(stub.GetLicenseStatus, asked, timeout=LOOKUP_SECONDS)
    except grpc.RpcError as error:
        problem = translate_error(error)
        if not isinstance(problem, Missing):
            raise problem from error
        view = not_found_view(uscc, number)
        return _page(request, "verify_result.html", 404, license=view, report=None)
    view = license_view(status, scanned_version)
    as_of = f"{to_shanghai(datetime.now(UTC)):%Y-%m-%d %H:%M} (UTC+8)"
    return _page(request, "verify_result.html", license=view, report=None, as_of=as_of)


def _upload_guard(endpoint: Endpoint) -> Endpoint:
    """Refuses an oversized upload before its body is read, and counts the address's uploads,
    then runs ``endpoint`` behind the usual CSRF check."""
    inner = csrf_protected(endpoint)

    async def guarded(request: Request) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BUNDLE + _FORM_OVERHEAD:
            return _too_large(request)
        limited = await _limited(request, "upload", UPLOADS_PER_MINUTE)
        if limited is not None:
            return limited
        return await inner(request)

    guarded.__name__ = endpoint.__name__
    guarded.csrf_protected = True  # type: ignore[attr-defined]
    return guarded


def _too_large(request: Request) -> Response:
    mb = MAX_BUNDLE // (1024 * 1024)
    text = (
        f"{say('error.file_too_large', 'zh', mb=mb)} / {say('error.file_too_large', 'en', mb=mb)}"
    )
    response = _page(request, "verify.html", 413, upload_error=text)
    response.headers["connection"] = "close"
    return response


def _trust_root(request: Request) -> Any:
    path = portal_of(request).settings.pki_dir / "root.pem"
    try:
        return load_root(path)
    except (OSError, ValueError) as error:
        raise Unavailable(
            grpc.StatusCode.UNAVAILABLE,
            f"平台根证书不可用 / the platform root certificate is not available: {error}",
        ) from error


async def verify_upload(request: Request) -> Response:
    form = await form_items(request)
    upload = form.get("bundle")
    content = b""
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_BUNDLE + 1)
    if not content:
        text = f"{say('error.file_missing', 'zh')} / {say('error.file_missing', 'en')}"
        return _page(request, "verify.html", 400, upload_error=text)
    if len(content) > MAX_BUNDLE:
        return _too_large(request)
    root = await run_in_threadpool(_trust_root, request)
    # pypdf warns about every oddity of a damaged file; the report says what matters.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    report: BundleReport = await run_in_threadpool(verify_bundle, content, trust_root=root)
    name = upload.filename if isinstance(upload, UploadFile) else ""
    return _page(
        request,
        "verify_result.html",
        license=None,
        report=report,
        rows=check_rows(report.checks, lang_of(request)),
        failed=len(report.failures),
        file_name=(name or "")[:120],
        signed_at=signed_at_text(report.signed_at),
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/verify", verify_form),
        Route("/verify/bundle", _upload_guard(verify_upload), methods=["POST"]),
        Route("/verify/{uscc}/{license_no}", license_status),
    ]
