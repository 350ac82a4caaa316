"""The platform's RFC 3161 timestamp authority over HTTP; the signing server starts it.

The tokens come from ``signing.InProcessTimestamper`` (all pyHanko use stays in ``signing``);
this module is the HTTP front: content type, size limit, and a rejection for a malformed request.
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from asn1crypto import core, tsp

from onestop_common.pki import SigningIdentity
from onestop_common.signing import InProcessTimestamper

log = logging.getLogger(__name__)

_TIMESTAMP_QUERY = "application/timestamp-query"
_TIMESTAMP_REPLY = "application/timestamp-reply"
_MAX_TSA_REQUEST = 64 * 1024


class TsaServer(ThreadingHTTPServer):
    """An RFC 3161 timestamp server over HTTP; run ``serve_forever()`` where it suits you."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], identity: SigningIdentity) -> None:
        self.timestamper = InProcessTimestamper(identity)
        super().__init__(address, _TsaRequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host_text}:{port}/"


class _TsaRequestHandler(BaseHTTPRequestHandler):
    server: TsaServer

    def do_POST(self) -> None:
        if self.headers.get("Content-Type", "").split(";")[0].strip() != _TIMESTAMP_QUERY:
            self._plain(415, f"send {_TIMESTAMP_QUERY}")
            return
        length = _content_length(self.headers.get("Content-Length"))
        if not 0 < length <= _MAX_TSA_REQUEST:
            self._plain(413, f"request body must be 1 to {_MAX_TSA_REQUEST} bytes")
            return
        reply = _answer_timestamp_request(self.server.timestamper, self.rfile.read(length))
        body = reply.dump()
        self.send_response(200)
        self.send_header("Content-Type", _TIMESTAMP_REPLY)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _plain(self, status: int, message: str) -> None:
        body = message.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("tsa %s: " + format, self.client_address[0], *args)


def _content_length(header: str | None) -> int:
    try:
        return int(header or 0)
    except ValueError:
        return 0


def _answer_timestamp_request(
    timestamper: InProcessTimestamper, body: bytes
) -> tsp.TimeStampResp | _StatusOnlyResp:
    try:
        request = tsp.TimeStampReq.load(body)
    except (ValueError, TypeError):
        request = None
    response = None if request is None else timestamper.answer(request)
    if response is None:
        log.info("tsa: rejected a malformed timestamp request")
        return _rejection("bad_request")
    return response


class _StatusOnlyResp(core.Sequence):
    """TimeStampResp without a token; asn1crypto's own class wrongly requires the token."""

    _fields = [("status", tsp.PKIStatusInfo)]  # noqa: RUF012 - asn1crypto's declaration style


def _rejection(reason: str) -> _StatusOnlyResp:
    status = tsp.PKIStatusInfo({"status": "rejection", "fail_info": tsp.PKIFailureInfo({reason})})
    return _StatusOnlyResp({"status": status})


def serve_tsa(host: str, port: int, identity: SigningIdentity) -> TsaServer:
    """Bind an RFC 3161 server (port 0: any free port; see ``.url``); not yet serving."""
    return TsaServer((host, port), identity)
