"""The e-license bundle as built, without the services, in the world of tests/support/bundle.py (a
PKI in a temporary directory, a license certified by the registration authority, seal
certificates from the seal CA, the step results filled in as the services would): it verifies,
and its pages, fonts and embedded files are as they should be. The other bundle tests:
test_bundle_tamper (changed bytes and revisions), test_bundle_verify (trust, revocation, the
manifest, malformed input and the command), test_bundle_layout, test_bundle_provenance."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from pypdf import PdfReader

from onestop.common.v1 import application_pb2
from onestop.seal.v1 import seal_pb2
from onestop_cli.verify import BundleReport, verify_bundle
from onestop_common.identifiers import mask_id_number
from onestop_common.signing import list_attachments
from orchestrator.bundle import (
    MANIFEST_NAME,
    SIGNATURE_FIELD,
    BundleInputs,
    mask_account_number,
    render_pages,
)
from tests.support.bundle import (
    CASE_ID,
    LICENSE_NUMBER,
    SEAL_KINDS,
    USCC,
    USED_CAS,
    World,
    _at,
    _signature_gaps,
    _timing,
    catalog,
    content_of,
)


@pytest.fixture(scope="module")
def report(world: World, bundle: bytes) -> BundleReport:
    return verify_bundle(bundle, trust_root=world.root)


# --- the untouched bundle ---------------------------------------------------------------------


def test_untouched_bundle_verifies(report: BundleReport) -> None:
    assert report.ok, report.pretty()
    assert "CN=OneStop Platform Bundle Signer" in report.signer
    assert report.signed_at is not None
    assert abs(report.signed_at - datetime.now(UTC)) < timedelta(minutes=10)
    names = [check.name for check in report.checks]
    for expected in (
        f"platform signature ({SIGNATURE_FIELD}) integrity",
        "signer trusted",
        "signer not revoked",
        "signature timestamp",
        "document timestamp",
        "every byte accounted for",
        "embedded files match the manifest",
        "embedded original license.pdf",
        "license.pdf is the registered original",
    ):
        assert expected in names
    assert sum(name.startswith("seal ") for name in names) == len(SEAL_KINDS)
    text = report.pretty()
    assert text.startswith("OneStop e-license bundle: VALID")
    assert "✗" not in text and text.count("✓") == len(report.checks)


def test_bundle_is_pades_b_lta_with_one_platform_signature(bundle: bytes) -> None:
    gaps = _signature_gaps(bundle)
    assert SIGNATURE_FIELD in gaps and len(gaps) == 2  # the signature and the document timestamp
    reader = PdfReader(io.BytesIO(bundle))
    assert "/DSS" in catalog(reader)


def test_pages_and_masked_ids(bundle: bytes, inputs: BundleInputs) -> None:
    reader = PdfReader(io.BytesIO(bundle))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) == 6
    assert [t.count("电子证照包") > 0 for t in texts] == [True] * 6
    cover, license, seals, tax, social, bank = texts
    assert inputs.company_name in cover and USCC in cover and CASE_ID in cover
    assert "2026-11-23 09:30" in cover and "2026-11-24 16:32" in cover
    assert inputs.verification_url in cover.replace("\n", "")
    assert LICENSE_NUMBER in license and "天津市宝坻区市场监督管理局" in license
    for seal in inputs.seals:
        assert seal.seal_code in seals and seal.filing_number in seals
        assert seal.certificate_serial in seals
    assert "小规模纳税人" in tax and "100,000.00" in tax
    assert inputs.employer.registration_number in social
    for employee in inputs.form.employees:
        full = employee.person.id_number
        assert mask_id_number(full) in social
        assert all(full not in text for text in texts)
    for person in (inputs.form.legal_representative, inputs.form.contact.person):
        assert all(person.id_number not in text for text in texts)
    number = inputs.account.account_number
    assert mask_account_number(number) in bank and number not in bank
    assert inputs.account.filing_number in bank


def test_pages_use_embedded_fonts_only(bundle: bytes) -> None:
    reader = PdfReader(io.BytesIO(bundle))
    for page in reader.pages:
        fonts = cast(Any, page["/Resources"])["/Font"]
        for font in fonts.values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get(
                "/FontDescriptor"
            )
            assert descriptor is not None, f"{font.get('/BaseFont')} is not embedded"


def test_breached_step_is_marked(inputs: BundleInputs, world: World) -> None:
    # The seal step (0.5 working days = 3.5 h) taking a whole working day: 7 working hours.
    slow = _timing("seal", "刻章备案", "0.5", _at(23, 15), _at(24, 15))
    late = dataclasses.replace(inputs, timings=(inputs.timings[0], slow, *inputs.timings[2:]))
    late_cover = PdfReader(io.BytesIO(render_pages(late, trust_root=world.root))).pages[0]
    assert "超时 over by 3.5 h" in late_cover.extract_text()
    assert "7.0 / 3.5 h" in late_cover.extract_text()
    cover = PdfReader(io.BytesIO(render_pages(inputs, trust_root=world.root))).pages[0]
    assert "over by" not in cover.extract_text()
    # The breach is drawn red: the bar, besides the legend's swatch.
    red = b".8 .08 .08 rg"
    assert content_of(late_cover).count(red) > content_of(cover).count(red)


def test_more_seals_continue_on_another_page(inputs: BundleInputs, world: World) -> None:
    contract = seal_pb2.Seal()
    contract.CopyFrom(inputs.seals[0])
    contract.seal_code = "1201001000021"
    contract.kind = application_pb2.SEAL_KIND_CONTRACT
    contract.ClearField("impression_pdf")  # drawn from the seal's facts instead
    more = dataclasses.replace(inputs, seals=(*inputs.seals, contract))
    pages = PdfReader(io.BytesIO(render_pages(more, trust_root=world.root))).pages
    assert len(pages) == 7
    continued = pages[3].extract_text()
    assert "印章（续）" in continued and "1201001000021" in continued and "合同专用章" in continued
    assert "1201001000021" not in pages[2].extract_text()


def test_embedded_files(bundle: bytes, inputs: BundleInputs) -> None:
    files = list_attachments(bundle)
    seal_certs = [f"certificates/seal-{s.seal_code}.pem" for s in inputs.seals]
    expected = sorted(
        ["license.pdf", MANIFEST_NAME]
        + [f"certificates/{ca}.pem" for ca in USED_CAS]
        + seal_certs
        + [f"crls/{ca}.crl" for ca in USED_CAS]
    )
    assert list(files) == expected
    assert files["license.pdf"] == inputs.license_pdf
    manifest = json.loads(files[MANIFEST_NAME])
    assert set(manifest["files"]) == set(expected) - {MANIFEST_NAME}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest()


def test_manifest_contents(bundle: bytes, inputs: BundleInputs) -> None:
    raw = list_attachments(bundle)[MANIFEST_NAME]
    manifest = json.loads(raw)
    assert manifest["case_id"] == CASE_ID and manifest["uscc"] == USCC
    assert manifest["verification_url"] == (
        f"https://onestop.example.gov.cn/verify/{USCC}/{LICENSE_NUMBER}"
    )
    assert [s["name"] for s in manifest["steps"]] == [t.name for t in inputs.timings]
    assert all(s["within_limit"] for s in manifest["steps"])
    seals = manifest["results"]["seal"]["seals"]
    for seal, entry in zip(inputs.seals, seals, strict=True):
        assert "impression_pdf" not in entry
        assert entry["impression_pdf_sha256"] == hashlib.sha256(seal.impression_pdf).hexdigest()
        assert entry["certificate_file"] == f"certificates/seal-{seal.seal_code}.pem"
        assert entry["certificate_pem"] == seal.certificate_pem
    assert manifest["results"]["license"]["pdf_sha256"] == inputs.license.pdf_sha256
    text = raw.decode("utf-8")
    people = [inputs.form.legal_representative, *(e.person for e in inputs.form.employees)]
    for person in people:
        assert person.id_number not in text
    assert inputs.account.account_number not in text
    assert "13800000001" not in text  # the applicant's phone
