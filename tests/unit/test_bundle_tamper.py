"""A signed e-license bundle changed after signing fails verification: any one byte flipped,
or an embedded file swapped in a later revision."""

from __future__ import annotations

import io
import json
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from onestop_cli.verify import verify_bundle
from onestop_common.signing import list_attachments
from orchestrator.bundle import MANIFEST_NAME, SIGNATURE_FIELD
from tests.support.bundle import (
    World,
    _embedded_stream,
    _failed,
    _first_page_stream,
    _flip,
    _signature_gaps,
    _timestamp_gap,
    sample_form,
    signed_license,
)

# --- one changed byte -------------------------------------------------------------------------


def _positions(pdf: bytes) -> dict[str, int]:
    gaps = _signature_gaps(pdf)
    sig_start, sig_end = gaps[SIGNATURE_FIELD]
    ts_start, ts_end = _timestamp_gap(pdf)
    return {
        "header": 2,
        "first page stream": _first_page_stream(pdf) + 20,
        "embedded license.pdf stream": _embedded_stream(pdf, "license.pdf") + 100,
        "embedded manifest stream": _embedded_stream(pdf, MANIFEST_NAME) + 10,
        "platform signature container": sig_start + 301,
        "platform signature padding": sig_end - 20,
        "document timestamp container": ts_start + 1001,
        "document timestamp signature value": ts_start + 2 * _der_length(pdf, ts_start) - 41,
        "document timestamp padding": ts_end - 7,
        "near the end": len(pdf) - 12,
        "last byte": len(pdf) - 1,
    }


def _der_length(pdf: bytes, gap_start: int) -> int:
    """Length in bytes of the DER object whose hex starts after '<' at gap_start."""
    head = bytes.fromhex(pdf[gap_start + 1 : gap_start + 13].decode())
    count = head[1] & 0x7F
    return 2 + count + int.from_bytes(head[2 : 2 + count], "big")


POSITIONS = (
    "header",
    "first page stream",
    "embedded license.pdf stream",
    "embedded manifest stream",
    "platform signature container",
    "platform signature padding",
    "document timestamp container",
    "document timestamp signature value",
    "document timestamp padding",
    "near the end",
    "last byte",
)


@pytest.mark.parametrize("where", POSITIONS)
def test_one_changed_byte_is_detected(where: str, bundle: bytes, world: World) -> None:
    tampered = _flip(bundle, _positions(bundle)[where])
    report = verify_bundle(tampered, trust_root=world.root)
    assert not report.ok, f"a byte changed in the {where} went unnoticed"
    assert _failed(report)


def test_hex_case_of_the_last_container_is_detected(bundle: bytes, world: World) -> None:
    start, end = _timestamp_gap(bundle)
    letter = next(i for i in range(start + 1, end) if bundle[i : i + 1] in b"ABCDEF")
    report = verify_bundle(_flip(bundle, letter, 0x20), trust_root=world.root)
    assert not report.ok
    assert any("canonical" in line for line in _failed(report))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_changed_byte_is_detected(data: st.DataObject, bundle: bytes, world: World) -> None:
    position = data.draw(st.integers(0, len(bundle) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != bundle[position]), label="value")
    tampered = bytearray(bundle)
    tampered[position] = value
    assert not verify_bundle(bytes(tampered), trust_root=world.root).ok


# --- changes in a later revision ----------------------------------------------------------------


def _replace_attachment(pdf: bytes, name: str, data: bytes) -> bytes:
    """An incremental update that swaps the embedded file's stream for ``data``."""
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    names = cast(Any, writer.root_object)["/Names"]["/EmbeddedFiles"]["/Names"]
    for key, spec in zip(names[::2], names[1::2], strict=True):
        if key == name:
            # Same object number, new content: pypdf writes the changed stream in a new revision.
            stream = spec.get_object()["/EF"]["/F"].get_object()
            stream.set_data(data)
            break
    else:
        raise AssertionError(f"{name} is not embedded")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_swapped_manifest_in_later_revision_is_detected(bundle: bytes, world: World) -> None:
    manifest = json.loads(list_attachments(bundle)[MANIFEST_NAME])
    manifest["company_name"] = "天津冒名科技有限公司"
    forged = json.dumps(manifest, ensure_ascii=False).encode()
    tampered = _replace_attachment(bundle, MANIFEST_NAME, forged)
    assert list_attachments(tampered)[MANIFEST_NAME] == forged
    report = verify_bundle(tampered, trust_root=world.root)
    assert not report.ok
    failed = "\n".join(_failed(report))
    assert "coverage" in failed and "OTHER CHANGES" in failed


def test_swapped_license_in_later_revision_is_detected(bundle: bytes, world: World) -> None:
    # A validly certified license, but another one: the manifest hash and the record catch it too.
    other = signed_license(world, sample_form())
    tampered = _replace_attachment(bundle, "license.pdf", other)
    report = verify_bundle(tampered, trust_root=world.root)
    assert not report.ok
    failed = "\n".join(_failed(report))
    assert "license.pdf: SHA-256 differs from the manifest" in failed
    assert "license.pdf is the registered original" in failed
