"""Verifying the e-license bundle: trust and revocation, the manifest under a valid signature,
malformed input, the ``onestop verify`` command, and the inputs the builder refuses."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from onestop_cli.verify import manifest_files_check, run_verify, verify_bundle
from onestop_common.pki import RevokedEntry, build_crl
from onestop_common.signing import list_attachments
from orchestrator.bundle import (
    MANIFEST_NAME,
    SIGNATURE_FIELD,
    BundleInputs,
    bundle_attachments,
    mask_account_number,
    render_pages,
    sign_bundle,
)
from tests.support.bundle import (
    DER,
    PEM,
    World,
    _failed,
    _first_page_stream,
    _flip,
    build,
    make_inputs,
    make_world,
    platform_signer,
)


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("foreign") / "pki")


# --- trust and revocation -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def foreign_bundle(foreign: World) -> bytes:
    return build(foreign, make_inputs(foreign))


def test_bundle_under_another_root_is_untrusted(
    foreign_bundle: bytes, world: World, foreign: World
) -> None:
    assert verify_bundle(foreign_bundle, trust_root=foreign.root).ok
    report = verify_bundle(foreign_bundle, trust_root=world.root)
    assert not report.ok
    failed = dict(line.split(": ", 1) for line in _failed(report))
    assert "does NOT chain to the root" in failed["signer trusted"]
    assert "embedded original license.pdf" in failed
    assert all(f"seal {s}" in " ".join(failed) for s in ("1201001000017", "1201001000020"))


def test_seal_revoked_before_signing_is_reported(world: World, inputs: BundleInputs) -> None:
    revoked = inputs.seals[1]
    serial = int(revoked.certificate_serial, 16)
    now = datetime.now(UTC)
    crl = build_crl(
        world.pki.load_identity("seal"),
        [RevokedEntry(serial, now - timedelta(minutes=1), x509.ReasonFlags.key_compromise)],
        this_update=now - timedelta(seconds=30),
        next_update=now + timedelta(days=7),
        crl_number=2,
    )
    crls = dict(inputs.crls) | {"seal": crl.public_bytes(DER)}
    report = verify_bundle(
        build(world, dataclasses.replace(inputs, crls=crls)), trust_root=world.root
    )
    assert not report.ok
    failed = _failed(report)
    assert len(failed) == 1, failed
    assert failed[0].startswith(f"seal {revoked.seal_code} (finance seal) certificate: REVOKED")
    assert report.signer and report.signed_at is not None


def test_b_lt_without_document_timestamp_verifies(world: World, inputs: BundleInputs) -> None:
    report = verify_bundle(build(world, inputs, lta=False), trust_root=world.root)
    assert report.ok, report.pretty()
    details = {check.name: check.detail for check in report.checks}
    assert details["document timestamp"].startswith("none")
    # The validation data sits in the signed revision itself: no byte is left unsigned.
    assert "covered by no signature" not in details["every byte accounted for"]


# --- the manifest -------------------------------------------------------------------------------


def test_manifest_mismatch_is_caught_under_a_valid_signature(
    world: World, inputs: BundleInputs
) -> None:
    attachments = list(bundle_attachments(inputs))
    index = next(i for i, a in enumerate(attachments) if a.name == "crls/seal.crl")
    stale = world.pki.load_crl("root").public_bytes(DER)
    attachments[index] = dataclasses.replace(attachments[index], data=stale)
    pdf = sign_bundle(
        render_pages(inputs, attachments, trust_root=world.root),
        attachments,
        company_name=inputs.company_name,
        signer=platform_signer(world),
        trust_root=world.root,
    )
    report = verify_bundle(pdf, trust_root=world.root)
    assert not report.ok
    details = {check.name: check for check in report.checks}
    assert details[f"platform signature ({SIGNATURE_FIELD}) integrity"].ok
    check = details["embedded files match the manifest"]
    assert not check.ok and "crls/seal.crl: SHA-256 differs from the manifest" in check.detail


def test_manifest_check_names_missing_and_extra_files(bundle: bytes) -> None:
    files = list_attachments(bundle)
    manifest = json.loads(files[MANIFEST_NAME])
    assert manifest_files_check(files, manifest).ok
    files.pop("crls/root.crl")
    files["notes.txt"] = b"added"
    check = manifest_files_check(files, manifest)
    assert not check.ok
    assert "crls/root.crl is missing" in check.detail
    assert "notes.txt is not in the manifest" in check.detail


# --- malformed input and the command --------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"not a pdf at all", b"%PDF-1.7\n%garbage\n", b"%PDF-1.7\n" + bytes(range(256)) * 8],
    ids=["empty", "text", "header only", "binary"],
)
def test_unparseable_input_gives_a_failed_report(data: bytes, world: World) -> None:
    report = verify_bundle(data, trust_root=world.root)
    assert not report.ok and len(report.checks) == 1
    assert report.signer == "" and report.signed_at is None
    assert "✗" in report.pretty()


def test_truncated_bundle_gives_a_failed_report(bundle: bytes, world: World) -> None:
    report = verify_bundle(bundle[: len(bundle) // 2], trust_root=world.root)
    assert not report.ok


def test_unsigned_pages_are_not_a_bundle(world: World, inputs: BundleInputs) -> None:
    report = verify_bundle(render_pages(inputs, trust_root=world.root), trust_root=world.root)
    assert not report.ok
    assert "no signatures" in report.checks[0].detail


@pytest.fixture
def files(tmp_path: Path, bundle: bytes, world: World, foreign: World) -> Iterator[Path]:
    (tmp_path / "bundle.pdf").write_bytes(bundle)
    (tmp_path / "tampered.pdf").write_bytes(_flip(bundle, _first_page_stream(bundle) + 20))
    (tmp_path / "root.pem").write_bytes(world.root.public_bytes(PEM))
    (tmp_path / "root.der").write_bytes(world.root.public_bytes(DER))
    (tmp_path / "foreign.pem").write_bytes(foreign.root.public_bytes(PEM))
    yield tmp_path


def test_run_verify_valid(files: Path) -> None:
    out = io.StringIO()
    assert run_verify(str(files / "bundle.pdf"), str(files / "root.pem"), out=out) == 0
    text = out.getvalue()
    assert "OneStop e-license bundle: VALID" in text
    assert "Signed by: CN=OneStop Platform Bundle Signer" in text
    assert "All " in text and "checks hold." in text


def test_run_verify_default_root_in_der(files: Path) -> None:
    out = io.StringIO()
    assert (
        run_verify(str(files / "bundle.pdf"), None, out=out, default_root=files / "root.der") == 0
    )


def test_run_verify_invalid(files: Path) -> None:
    out = io.StringIO()
    assert run_verify(str(files / "tampered.pdf"), str(files / "root.pem"), out=out) == 1
    assert "NOT VALID" in out.getvalue() and "✗" in out.getvalue()
    out = io.StringIO()
    assert run_verify(str(files / "bundle.pdf"), str(files / "foreign.pem"), out=out) == 1
    assert "does NOT chain to the root" in out.getvalue()


def test_run_verify_usage_errors(files: Path) -> None:
    out = io.StringIO()
    assert run_verify(str(files / "bundle.pdf"), None, out=out) == 2
    assert "--root" in out.getvalue()
    out = io.StringIO()
    missing = files / "nowhere.pem"
    assert run_verify(str(files / "bundle.pdf"), None, out=out, default_root=missing) == 2
    assert "does not exist" in out.getvalue()
    out = io.StringIO()
    assert run_verify(str(files / "bundle.pdf"), str(files / "bundle.pdf"), out=out) == 2
    assert "cannot use" in out.getvalue()
    out = io.StringIO()
    assert run_verify(str(files / "absent.pdf"), str(files / "root.pem"), out=out) == 2
    assert "cannot read" in out.getvalue()


def test_bad_inputs_are_refused(inputs: BundleInputs, world: World) -> None:
    from orchestrator.bundle import BundleError

    with pytest.raises(BundleError, match="license_pdf is not a PDF"):
        build(world, dataclasses.replace(inputs, license_pdf=b"nope"))
    with pytest.raises(BundleError, match="must be 1 to 81 letters"):
        build(world, dataclasses.replace(inputs, crls={"../etc": inputs.crls["root"]}))
    with pytest.raises(BundleError, match="not a DER CRL"):
        build(world, dataclasses.replace(inputs, crls={"root": b"junk"}))


def test_account_number_masking() -> None:
    assert mask_account_number("10201150100000428") == "1020 ********* 0428"
    assert mask_account_number("12345678") == "********"
