"""Seal impressions match their reviewed fixtures, fill exactly their box, stay vector and embed
their fonts."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from svc_seal.impression import MM, SealKind, SealSpec, render_seal_pdf, render_seal_png

# Anti-aliasing may differ a little between pdfium builds; a changed glyph may not.
MAX_MEAN_DIFF = 1.0
MAX_SHARE_DIFFERING = 0.005
DIFFERING = 64


def _load_regen_script() -> ModuleType:
    # The samples live in the regeneration script so the fixtures and the tests cannot drift.
    path = Path(__file__).resolve().parents[2] / "scripts" / "regen_seal_fixtures.py"
    spec = importlib.util.spec_from_file_location("regen_seal_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


regen = _load_regen_script()


def _difference(actual_png: bytes, expected_png: bytes) -> tuple[float, float]:
    """Mean absolute difference (0–255) and the share of pixels differing by more than 64."""
    actual = Image.open(io.BytesIO(actual_png)).convert("L")
    expected = Image.open(io.BytesIO(expected_png)).convert("L")
    assert actual.size == expected.size, f"size {actual.size} != fixture {expected.size}"
    diff = ImageChops.difference(actual, expected)
    histogram = diff.histogram()
    share = sum(histogram[DIFFERING + 1 :]) / (diff.width * diff.height)
    return ImageStat.Stat(diff).mean[0], share


def _within_tolerance(actual_png: bytes, expected_png: bytes) -> bool:
    mean, share = _difference(actual_png, expected_png)
    return mean < MAX_MEAN_DIFF and share < MAX_SHARE_DIFFERING


def _page(spec: SealSpec) -> Any:
    return PdfReader(io.BytesIO(render_seal_pdf(spec))).pages[0]


@pytest.mark.parametrize("kind", list(SealKind), ids=lambda kind: kind.value)
def test_seal_matches_its_fixture(kind: SealKind) -> None:
    actual = render_seal_png(regen.sample_spec(kind), dpi=regen.FIXTURE_DPI)
    expected = regen.fixture_path(kind).read_bytes()
    mean, share = _difference(actual, expected)
    assert mean < MAX_MEAN_DIFF and share < MAX_SHARE_DIFFERING, (
        f"{kind.value} seal differs from its fixture (mean {mean:.3f}, {share:.2%} of pixels); "
        "if the change is deliberate, run scripts/regen_seal_fixtures.py and look at the PNGs"
    )


@pytest.mark.parametrize("kind", [SealKind.OFFICIAL, SealKind.INVOICE], ids=lambda kind: kind.value)
def test_changed_company_name_fails_the_comparison(kind: SealKind) -> None:
    changed = regen.sample_spec(kind, company_name="天津宝坻示例科创有限公司")
    actual = render_seal_png(changed, dpi=regen.FIXTURE_DPI)
    assert not _within_tolerance(actual, regen.fixture_path(kind).read_bytes())


def test_changed_person_name_fails_the_comparison() -> None:
    changed = SealSpec(
        SealKind.LEGAL_REP, regen.SAMPLE_COMPANY, regen.SAMPLE_SEAL_CODE, person_name="张三风"
    )
    actual = render_seal_png(changed, dpi=regen.FIXTURE_DPI)
    assert not _within_tolerance(actual, regen.fixture_path(SealKind.LEGAL_REP).read_bytes())


@pytest.mark.parametrize(
    ("kind", "size_mm"),
    [
        (SealKind.OFFICIAL, (40, 40)),
        (SealKind.FINANCE, (40, 40)),
        (SealKind.CONTRACT, (40, 40)),
        (SealKind.INVOICE, (40, 30)),
        (SealKind.LEGAL_REP, (20, 20)),
    ],
    ids=lambda value: value.value if isinstance(value, SealKind) else "",
)
def test_page_is_exactly_the_seal(kind: SealKind, size_mm: tuple[int, int]) -> None:
    box = _page(regen.sample_spec(kind)).mediabox
    assert float(box.left) == 0 and float(box.bottom) == 0
    assert float(box.width) == pytest.approx(size_mm[0] * MM, abs=0.01)
    assert float(box.height) == pytest.approx(size_mm[1] * MM, abs=0.01)


@pytest.mark.parametrize("kind", list(SealKind), ids=lambda kind: kind.value)
def test_fonts_are_embedded(kind: SealKind) -> None:
    fonts = _page(regen.sample_spec(kind))["/Resources"]["/Font"]
    assert len(fonts) > 0
    for name in fonts:
        font = fonts[name].get_object()
        if font["/Subtype"] == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in font["/FontDescriptor"], f"{font['/BaseFont']} is not embedded"


@pytest.mark.parametrize("kind", list(SealKind), ids=lambda kind: kind.value)
def test_seal_is_vector(kind: SealKind) -> None:
    resources = _page(regen.sample_spec(kind))["/Resources"]
    xobjects = resources.get("/XObject", {})
    subtypes = [xobjects[name].get_object()["/Subtype"] for name in xobjects]
    assert "/Image" not in subtypes


def test_same_spec_gives_the_same_pdf() -> None:
    spec = regen.sample_spec(SealKind.OFFICIAL)
    assert render_seal_pdf(spec) == render_seal_pdf(spec)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": SealKind.OFFICIAL, "seal_code": "120115001001"},
        {"kind": SealKind.OFFICIAL, "company_name": " "},
        {"kind": SealKind.INVOICE, "uscc": "91120115MA05L7XY3"},
        {"kind": SealKind.LEGAL_REP, "person_name": "张"},
    ],
    ids=["short-code", "blank-name", "short-uscc", "one-char-person"],
)
def test_spec_rejects_what_cannot_be_engraved(fields: dict[str, Any]) -> None:
    values: dict[str, Any] = {
        "company_name": regen.SAMPLE_COMPANY,
        "seal_code": regen.SAMPLE_SEAL_CODE,
        "uscc": regen.SAMPLE_USCC,
        "person_name": regen.SAMPLE_PERSON,
    }
    with pytest.raises(ValueError):
        SealSpec(**(values | fields))
