"""``onestop bench signing``: license signatures per second through the signing server — the
registration authority's certification signature with a timestamp and the CRLs embedded (PAdES
B-LT), the license drawn once — with N concurrent callers, against 1 and then 2 replicas sharing
one port. Prints throughput and latency percentiles per replica count.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from onestop.signing.v1 import signing_pb2
from onestop_cli.supervisor import Supervisor
from onestop_common.grpc_options import MAX_BUNDLE_MESSAGE_BYTES
from onestop_common.settings import SIGNER, load_settings
from onestop_common.signer_client import GrpcioTransport, SignatureSpec, SignerClient
from svc_registration.domain import EnterpriseType, LicenseFacts, qr_payload
from svc_registration.license_pdf import SIGNATURE_FIELD, render_license

BENCH_PORT_BASE = 51250
USCC = "91120115MA05KUQX6N"


def run(
    *, signatures: int, concurrency: int, replicas: tuple[int, ...], out: Callable[[str], None]
) -> int:
    pdf = license_pdf()
    out(f"license PDF: {len(pdf)} bytes; {signatures} signatures, {concurrency} callers")
    for count in replicas:
        measured_rate(pdf, signatures, concurrency, count, out)
    return 0


def license_pdf() -> bytes:
    return render_license(_facts())


def measured_rate(
    pdf: bytes, signatures: int, concurrency: int, replicas: int, out: Callable[[str], None]
) -> float:
    """Signatures per second of ``replicas`` signing servers of their own (started and stopped
    here), printed with the latency percentiles."""
    with tempfile.TemporaryDirectory(prefix="onestop-bench-signing-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")},
            "ONESTOP_DATA_DIR": tmp,
            "ONESTOP_GRPC_PORT_BASE": str(BENCH_PORT_BASE),
            "ONESTOP_HTTP_PORT_BASE": str(BENCH_PORT_BASE + 100),
            "ONESTOP_SIGNER_REPLICAS": str(replicas),
            "ONESTOP_LOG_LEVEL": "WARNING",
        }
        settings = load_settings(env)
        supervisor = Supervisor(settings, env, components=(SIGNER,), log_dir=Path(tmp) / "logs")
        supervisor.start()
        try:
            return rate_through(settings, pdf, signatures, concurrency, replicas, out)
        finally:
            supervisor.stop()


def rate_through(
    settings: object,
    pdf: bytes,
    signatures: int,
    concurrency: int,
    replicas: int,
    out: Callable[[str], None],
) -> float:
    """Signatures per second of the signing servers ``settings`` names, ``concurrency`` callers
    each signing the license with a timestamp and embedded CRLs (after one to warm up)."""
    from onestop_common.pki import PkiStore

    store = PkiStore(settings.pki_dir, settings.kek)  # type: ignore[attr-defined]
    crls = tuple(
        store.load_crl(ca).public_bytes(serialization.Encoding.DER)
        for ca in ("root", "registration", "tsa")
    )
    spec = SignatureSpec(
        field_name=SIGNATURE_FIELD,
        timestamp=True,
        certify=True,
        embed_validation=True,
        crls=crls,
    )
    # One channel (and connection: no shared subchannel pool) per caller, so that callers spread
    # over the replicas the way the services' connections do.
    clients = [
        SignerClient(
            GrpcioTransport(settings.signing_targets(), MAX_BUNDLE_MESSAGE_BYTES),  # type: ignore[attr-defined]
            settings.token_secret,  # type: ignore[attr-defined]
            subject="registration",
        )
        for _ in range(concurrency)
    ]
    clients[0].sign(pdf, signing_pb2.PLATFORM_KEY_REGISTRATION, spec)  # warm up

    def one(n: int) -> float:
        began = time.perf_counter()
        clients[n % concurrency].sign(pdf, signing_pb2.PLATFORM_KEY_REGISTRATION, spec)
        return time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(one, range(signatures)))
    wall = time.perf_counter() - began
    for client in clients:
        client.transport.close()  # type: ignore[attr-defined]
    out(
        f"  {replicas} replica(s): {signatures / wall:6.1f} signatures/s; latency "
        f"p50 {statistics.median(latencies) * 1000:5.0f} ms, "
        f"p99 {latencies[int(0.99 * (len(latencies) - 1))] * 1000:5.0f} ms"
    )
    return signatures / wall


def _facts() -> LicenseFacts:
    return LicenseFacts(
        uscc=USCC,
        license_number="120115000000001",
        company_name="天津宝坻示例科技有限公司",
        enterprise_type=EnterpriseType.LLC,
        legal_representative="张三",
        registered_capital=Decimal("5000000"),
        date_of_establishment=date(2026, 11, 26),
        operating_term_years=0,
        domicile="天津市宝坻区宝坻经济开发区宝旺道6号2号楼301室",
        business_scope="一般项目：软件开发；信息系统集成服务；技术服务、技术开发、技术咨询。",
        registration_authority="天津市宝坻区市场监督管理局",
        issued_on=date(2026, 11, 26),
        qr_payload=qr_payload("", USCC, "120115000000001", 1),
    )
