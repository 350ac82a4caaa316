"""The seal service's authorised users as a real process on the real broker: the owner grants,
limits and revokes who else may seal its PDFs, each signature is entered in the seal usage
register, and a grant expires on the business clock."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_status import rpc_status

from onestop.seal.v1 import seal_pb2, seal_pb2_grpc
from onestop_common.clock import SHANGHAI
from onestop_common.protoconv import from_timestamp, rejections_from_status
from onestop_common.signing import validate_pdf
from tests.integration.conftest import PlatformFactory
from tests.support.identities import new_uscc
from tests.support.infra import free_port_base, signing_server
from tests.support.participant import channel_to, credential
from tests.support.pdfs import sample_pdf
from tests.support.seal_platform import (
    STANDARD,
    K,
    SealPlatform,
    grpc_error,
    start_seal_service,
)

# Grant rules and the business clock; the seal service's store is run on PostgreSQL by
# test_seal_service.
pytestmark = pytest.mark.db_independent

# --------------------------------------------------------------------------- authorised users


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_an_authorised_user_signs_and_the_usage_register_records_each_signature(
    seals: SealPlatform,
) -> None:
    uscc, _, issued = seals.company_with_seals(applicant="grace")
    by_kind = {s.kind: s for s in issued.seals}
    granted = seals.authorise(uscc, "heidi", owner="grace", note="行政主管")
    assert list(granted.kinds) == list(STANDARD)  # no kinds asked: every electronic seal
    assert granted.active and granted.granted_by == "grace" and granted.note == "行政主管"
    assert not granted.HasField("valid_until") and not granted.HasField("revoked_at")

    contract = sample_pdf()
    signed = seals.sign_as("heidi", uscc, contract, reason="代表公司签署合同")
    assert signed.seal_code == by_kind[K.SEAL_KIND_OFFICIAL].seal_code
    report = validate_pdf(signed.signed_pdf, trust_root=seals.pki().root_certificate())
    assert report.ok, report.pretty()
    (signature,) = report.signatures
    assert signature.signer_serial == int(by_kind[K.SEAL_KIND_OFFICIAL].certificate_serial, 16)

    # The owner countersigns the signed PDF with the finance seal; then a second document.
    countersigned = seals.sign_as(
        "grace", uscc, signed.signed_pdf, K.SEAL_KIND_FINANCE, x=100, reason="财务确认"
    )
    report = validate_pdf(countersigned.signed_pdf, trust_root=seals.pki().root_certificate())
    assert report.ok and len(report.signatures) == 2, report.pretty()
    invoice = sample_pdf(pages=2)
    third = seals.sign_as("heidi", uscc, invoice, K.SEAL_KIND_INVOICE, page=1)

    usages = seals.usages(uscc, "grace")
    assert [(u.signer, u.capacity, u.seal_code, u.field_name) for u in usages] == [
        (
            "heidi",
            seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER,
            third.seal_code,
            third.field_name,
        ),
        (
            "grace",
            seal_pb2.SIGNER_CAPACITY_OWNER,
            countersigned.seal_code,
            countersigned.field_name,
        ),
        ("heidi", seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER, signed.seal_code, signed.field_name),
    ]
    newest, middle, oldest = usages
    assert (oldest.input_sha256, oldest.signed_sha256) == (
        sha256(contract),
        sha256(signed.signed_pdf),
    )
    assert (middle.input_sha256, middle.signed_sha256) == (
        sha256(signed.signed_pdf),
        sha256(countersigned.signed_pdf),
    )
    assert (newest.input_sha256, newest.signed_sha256) == (
        sha256(invoice),
        sha256(third.signed_pdf),
    )
    assert [u.kind for u in usages] == [
        K.SEAL_KIND_INVOICE,
        K.SEAL_KIND_FINANCE,
        K.SEAL_KIND_OFFICIAL,
    ]
    assert (oldest.reason, middle.reason, newest.reason) == (
        "代表公司签署合同",
        "财务确认",
        "加盖发票专用章",
    )
    assert oldest.certificate_serial == by_kind[K.SEAL_KIND_OFFICIAL].certificate_serial
    assert all(u.uscc == uscc for u in usages)
    times = [u.signed_at.ToNanoseconds() for u in usages]
    assert all(times) and times == sorted(times, reverse=True)

    # Pages of one entry give the same register, and an administrator reads it too.
    assert seals.usages(uscc, "grace", page_size=1) == usages
    admin = credential(seals.settings, "admin", "root")
    listed = seals.service.ListSealUsages(seal_pb2.ListSealUsagesRequest(uscc=uscc), metadata=admin)
    assert list(listed.usages) == usages

    # The register and the full list of signers are the owner's; a user sees only itself.
    ivan = seals.authorise(uscc, "ivan", owner="grace", kinds=(K.SEAL_KIND_LEGAL_REP,))
    assert seals.signers(uscc, "grace") == [granted, ivan]
    assert seals.signers(uscc, "heidi") == [granted]
    assert seals.signers(uscc, "ivan") == [ivan]
    capacity = {
        who: seals.service.ListSigners(
            seal_pb2.ListSignersRequest(uscc=uscc), metadata=seals.owner(who)
        ).caller_capacity
        for who in ("grace", "heidi")
    }
    assert capacity == {
        "grace": seal_pb2.SIGNER_CAPACITY_OWNER,
        "heidi": seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER,
    }
    assert grpc_error(lambda: seals.usages(uscc, "heidi"))[0] == grpc.StatusCode.PERMISSION_DENIED
    code, found = grpc_error(
        lambda: seals.service.ListSealUsages(
            seal_pb2.ListSealUsagesRequest(uscc=uscc, page_token="abc"),
            metadata=seals.owner("grace"),
        )
    )
    assert (code, found) == (grpc.StatusCode.INVALID_ARGUMENT, [("page_token", "format")])


def test_strangers_limited_and_revoked_users_cannot_sign(seals: SealPlatform) -> None:
    uscc, _, issued = seals.company_with_seals(applicant="ivy")
    official = next(s for s in issued.seals if s.kind == K.SEAL_KIND_OFFICIAL)
    pdf = sample_pdf()
    denied = grpc.StatusCode.PERMISSION_DENIED

    def refused(who: str, **fields: Any) -> tuple[grpc.StatusCode, list[tuple[str, str]]]:
        return grpc_error(lambda: seals.sign_as(who, uscc, pdf, **fields))

    # A stranger learns nothing about the seals: refused before the seal is even chosen.
    assert refused("mallory") == (denied, [("subject", "authorised_user")])
    assert refused("mallory", seal_code="1201001999999", kind=0) == (
        denied,
        [("subject", "authorised_user")],
    )

    finance_only = seals.authorise(uscc, "judy", owner="ivy", kinds=(K.SEAL_KIND_FINANCE,))
    assert list(finance_only.kinds) == [K.SEAL_KIND_FINANCE]
    assert refused("judy") == (denied, [("kind", "authorised_kind")])
    assert refused("judy", seal_code=official.seal_code, kind=0) == (
        denied,
        [("kind", "authorised_kind")],
    )
    signed = seals.sign_as("judy", uscc, pdf, K.SEAL_KIND_FINANCE)
    assert validate_pdf(signed.signed_pdf, trust_root=seals.pki().root_certificate()).ok

    # Nor may she manage the grants or read the register.
    for call in (
        lambda: seals.authorise(uscc, "mallory", owner="judy"),
        lambda: seals.service.RevokeSigner(
            seal_pb2.RevokeSignerRequest(uscc=uscc, subject="judy", reason="x"),
            metadata=seals.owner("judy"),
        ),
        lambda: seals.usages(uscc, "judy"),
        lambda: seals.signers(uscc, "mallory"),
        lambda: seals.service.AuthoriseSigner(
            seal_pb2.AuthoriseSignerRequest(uscc=uscc, subject="judy"), metadata=seals.maker()
        ),
    ):
        assert grpc_error(call)[0] == denied

    revoke = seal_pb2.RevokeSignerRequest(uscc=uscc, subject="judy", reason="调岗，不再负责财务")
    revoked = seals.service.RevokeSigner(revoke, metadata=seals.owner("ivy")).signer
    assert not revoked.active and revoked.revoked_by == "ivy"
    assert revoked.revoke_reason == "调岗，不再负责财务" and revoked.revoked_at.seconds > 0
    assert refused("judy", kind=K.SEAL_KIND_FINANCE) == (
        denied,
        [("subject", "authorisation_revoked")],
    )
    # Idempotent: revoking again keeps who, when and why of the first revocation.
    again = seals.service.RevokeSigner(
        seal_pb2.RevokeSignerRequest(uscc=uscc, subject="judy", reason="重复撤销"),
        metadata=seals.owner("ivy"),
    ).signer
    assert again == revoked
    assert seals.signers(uscc, "ivy") == []
    assert seals.signers(uscc, "ivy", include_revoked=True) == [revoked]
    assert seals.signers(uscc, "judy") == []
    assert seals.signers(uscc, "judy", include_revoked=True) == [revoked]
    unknown = seal_pb2.RevokeSignerRequest(uscc=uscc, subject="nobody", reason="x")
    assert (
        grpc_error(lambda: seals.service.RevokeSigner(unknown, metadata=seals.owner("ivy")))[0]
        == grpc.StatusCode.NOT_FOUND
    )
    no_reason = seal_pb2.RevokeSignerRequest(uscc=uscc, subject="judy")
    assert grpc_error(
        lambda: seals.service.RevokeSigner(no_reason, metadata=seals.owner("ivy"))
    ) == (grpc.StatusCode.INVALID_ARGUMENT, [("reason", "required")])

    # Only the one signature that succeeded is in the register.
    (usage,) = seals.usages(uscc, "ivy")
    assert (usage.signer, usage.kind, usage.signed_sha256) == (
        "judy",
        K.SEAL_KIND_FINANCE,
        sha256(signed.signed_pdf),
    )

    # Granting again restores the row: one per subject, now with the official seal too.
    regranted = seals.authorise(
        uscc, "judy", owner="ivy", kinds=(K.SEAL_KIND_OFFICIAL, K.SEAL_KIND_FINANCE)
    )
    assert regranted.active and not regranted.HasField("revoked_at") and not regranted.revoke_reason
    assert list(regranted.kinds) == [K.SEAL_KIND_OFFICIAL, K.SEAL_KIND_FINANCE]
    assert seals.signers(uscc, "ivy", include_revoked=True) == [regranted]
    assert seals.sign_as("judy", uscc, pdf).seal_code == official.seal_code
    # The same grant once more changes nothing, not even its time.
    assert (
        seals.authorise(
            uscc, "judy", owner="ivy", kinds=(K.SEAL_KIND_FINANCE, K.SEAL_KIND_OFFICIAL)
        )
        == regranted
    )


def test_bad_grants_get_field_named_errors_and_change_nothing(seals: SealPlatform) -> None:
    uscc, _, _ = seals.company_with_seals(applicant="karl")
    other_uscc, _, _ = seals.company_with_seals(applicant="lena")
    existing = seals.authorise(uscc, "mike", owner="karl", kinds=(K.SEAL_KIND_OFFICIAL,))
    now = seals.settings.clock().now()
    invalid = grpc.StatusCode.INVALID_ARGUMENT

    def grant(
        who: str = "karl", company: str = uscc, **fields: Any
    ) -> tuple[grpc.StatusCode, list[tuple[str, str]]]:
        values: dict[str, Any] = {"subject": "mike", "kinds": (K.SEAL_KIND_FINANCE,)} | fields
        return grpc_error(lambda: seals.authorise(company, owner=who, **values))

    assert grant(subject="") == (invalid, [("subject", "required")])
    assert grant(subject="   ") == (invalid, [("subject", "required")])
    assert grant(subject="karl") == (invalid, [("subject", "not_owner")])
    assert grant(valid_until=now - timedelta(minutes=1)) == (invalid, [("valid_until", "future")])
    assert grant(kinds=(K.SEAL_KIND_CONTRACT,)) == (
        invalid,
        [("kinds[0]", "electronic_seal_of_company")],
    )
    assert grant(kinds=(K.SEAL_KIND_FINANCE, 99)) == (invalid, [("kinds[1]", "seal_kind")])
    assert grant(note="备" * 501) == (invalid, [("note", "max_length")])
    # Several problems at once are all named.
    assert grant(subject="", valid_until=datetime(2020, 1, 1, tzinfo=SHANGHAI)) == (
        invalid,
        [("subject", "required"), ("valid_until", "future")],
    )
    assert grant(company="") == (invalid, [("uscc", "required")])
    assert grant(company=new_uscc())[0] == grpc.StatusCode.NOT_FOUND
    assert grant(who="lena")[0] == grpc.StatusCode.PERMISSION_DENIED
    # The errors carry both languages.
    with pytest.raises(grpc.RpcError) as caught:
        seals.authorise(uscc, "karl", owner="karl")
    status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
    assert status is not None
    (rejected,) = rejections_from_status(status)
    assert "申请人" in rejected.message_zh and "owns the company" in rejected.message_en

    assert seals.signers(uscc, "karl", include_revoked=True) == [existing]
    assert seals.signers(other_uscc, "lena", include_revoked=True) == []
    # Still only the official seal: the refused finance grants did not widen it.
    code, found = grpc_error(lambda: seals.sign_as("mike", uscc, sample_pdf(), K.SEAL_KIND_FINANCE))
    assert (code, found) == (grpc.StatusCode.PERMISSION_DENIED, [("kind", "authorised_kind")])


def test_a_grant_signs_until_it_expires_on_the_business_clock(
    tmp_path: Path, vhost: str, database_url: str
) -> None:
    """Two seal processes on one database whose business clocks are two days apart: "today"
    grants until tomorrow and signs; "the day after" sees the same grant expired. Time passes
    without anyone waiting for it."""
    origin = datetime.now(SHANGHAI)
    today = {"ONESTOP_CLOCK_ORIGIN": origin.isoformat(), "ONESTOP_CLOCK_START": origin.isoformat()}
    factory = PlatformFactory(tmp_path, vhost, database_url)
    with start_seal_service(factory, **today) as platform:
        uscc, _, _ = platform.company_with_seals(applicant="nina")
        until = platform.settings.clock().now() + timedelta(days=1)
        granted = platform.authorise(uscc, "omar", owner="nina", valid_until=until)
        assert from_timestamp(granted.valid_until) == until and granted.active
        pdf = sample_pdf()
        signed = platform.sign_as("omar", uscc, pdf)
        root = platform.pki().root_certificate()
        assert validate_pdf(signed.signed_pdf, trust_root=root).ok

        day_after = origin + timedelta(days=2)
        factory.port_base, base = free_port_base(), factory.port_base
        try:
            later = factory.start(
                ("seal",),
                ONESTOP_CLOCK_ORIGIN=origin.isoformat(),
                ONESTOP_CLOCK_START=day_after.isoformat(),
            )
        finally:
            factory.port_base = base
        with signing_server(later.settings), channel_to(later.settings, "seal") as channel:
            service = seal_pb2_grpc.SealServiceStub(channel)
            request = seal_pb2.SignPdfRequest(
                uscc=uscc, kind=K.SEAL_KIND_OFFICIAL, pdf=pdf, x=300, y=120
            )
            code, found = grpc_error(
                lambda: service.SignPdf(request, metadata=platform.owner("omar"))
            )
            assert (code, found) == (
                grpc.StatusCode.PERMISSION_DENIED,
                [("subject", "authorisation_expired")],
            )
            # The owner still signs on that day; the grant is listed as no longer active.
            owner_signed = service.SignPdf(request, metadata=platform.owner("nina"))
            assert owner_signed.seal_code == signed.seal_code
            (expired,) = service.ListSigners(
                seal_pb2.ListSignersRequest(uscc=uscc), metadata=platform.owner("nina")
            ).signers
            assert not expired.active and not expired.HasField("revoked_at")
        (still,) = platform.signers(uscc, "nina")
        assert still.active  # "today" it has not expired
        usages = platform.usages(uscc, "nina")
        assert [(u.signer, u.capacity) for u in usages] == [
            ("nina", seal_pb2.SIGNER_CAPACITY_OWNER),
            ("omar", seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER),
        ]
        assert from_timestamp(usages[0].signed_at) >= day_after  # type: ignore[operator]
