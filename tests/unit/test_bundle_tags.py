"""The e-license bundle is a tagged PDF a screen reader can follow (issue 18, item 6): the signed
bundle's structure tree is walked and held against what its pages draw. Language zh-CN, marked
and titled; every mark on every page belongs to a structure element or is an artifact; the
headings come in reading order without skipped levels; every figure (seal impressions, the QR
code, the time chart) has alternate text; tables have header cells; and the text under the
tags is the text the pages show; and pdfua, a checker of PDF/UA-1's machine-checkable rules,
finds nothing but the absent conformance claim."""

from __future__ import annotations

import io
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pdfua
import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from onestop_common.identifiers import mask_id_number
from orchestrator.bundle import BundleError, BundleInputs
from orchestrator.bundle.tagging import Tagger
from tests.support.bundle import CASE_ID, USCC
from tests.support.tags import ARTIFACT, Node, Tags, read_tags

LEAVES = {"P", "H1", "H2", "H3", "TH", "TD", "Figure"}


@pytest.fixture(scope="module")
def tags(bundle: bytes) -> Tags:
    return read_tags(bundle)


def _root(tags: Tags) -> Node:
    assert tags.root is not None, "the bundle has no structure tree"
    return tags.root


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_bundle_declares_itself_tagged_chinese_and_titled(
    tags: Tags, inputs: BundleInputs
) -> None:
    assert tags.catalog == {"Marked": True, "Lang": "zh-CN", "DisplayDocTitle": True}
    assert inputs.company_name in tags.title
    assert _root(tags).role == "Document"


def test_every_mark_on_every_page_is_tagged_or_an_artifact(tags: Tags) -> None:
    # Content belongs to the leaves; the containers (Document, Sect, Table, TR) hold elements.
    assert all(node.role in LEAVES for node in _root(tags).walk() if node.content)
    for page, (mcids, outside) in enumerate(zip(tags.mcids, tags.unmarked, strict=True)):
        assert not outside, f"page {page + 1} paints outside marked content: {outside}"
        assert not tags.text.get((page, None)), f"page {page + 1} has untagged text"
        assert tags.struct_parents[page] == page
        assert len(mcids) == len(set(mcids)) and set(mcids) == set(range(len(mcids)))
        drawn = {(page, mcid) for mcid in mcids}
        in_tree = {item for item in tags.owners if item[0] == page}
        in_parent_tree = {item for item in tags.parent_tree if item[0] == page}
        assert drawn == in_tree == in_parent_tree, f"page {page + 1}"
    assert tags.owners == tags.parent_tree


def test_headings_in_reading_order(tags: Tags, inputs: BundleInputs) -> None:
    headings = [
        (node.role, _squeezed(tags.text_of(node)))
        for node in _root(tags).walk()
        if re.fullmatch(r"H\d", node.role)
    ]
    titles = [text for role, text in headings if role == "H1"]
    expected = ["企业开办电子证照包", "营业执照", "印章", "税务登记与发票", "社会保险登记"]
    expected += ["银行基本存款账户"] + (["申请人签署"] if inputs.person_signatures else [])
    assert len(titles) == len(expected)
    assert all(t.startswith(e) for t, e in zip(titles, expected, strict=True)), titles
    subheadings = [text for role, text in headings if role == "H2"]
    for heading in ("办理时限", "内容与验证", "原件", "公章", "发票核定", "职工参保", "分险种"):
        assert any(text.startswith(heading) for text in subheadings), heading
    # A screen reader's outline: no level is skipped on the way down.
    levels = [int(role[1]) for role, _text in headings]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels
    # Each section is a Sect that starts with its title.
    sections = [kid for kid in _root(tags).kids if kid.role == "Sect"]
    assert len(sections) == len(expected)


def test_figures_have_alternate_text(tags: Tags, inputs: BundleInputs) -> None:
    figures = [node for node in _root(tags).walk() if node.role == "Figure"]
    # The time chart, the QR code and one impression per seal.
    assert len(figures) == 2 + len(inputs.seals)
    alts = [node.alt or "" for node in figures]
    assert all(alt.strip() for alt in alts), alts
    assert all(node.content for node in figures)
    assert any("QR" in alt and inputs.verification_url in alt for alt in alts)
    assert any(alt.startswith("办理时限图") and "营业执照" in alt for alt in alts)
    for seal in inputs.seals:
        assert any("印模" in alt and seal.seal_code in alt for alt in alts), seal.seal_code


def test_tables_have_header_cells(tags: Tags) -> None:
    tables = [node for node in _root(tags).walk() if node.role == "Table"]
    assert len(tables) >= 10
    for table in tables:
        rows = table.kids
        assert rows and all(row.role == "TR" for row in rows)
        assert all(cell.role in ("TH", "TD") for row in rows for cell in row.kids)
        headers = [cell for row in rows for cell in row.kids if cell.role == "TH"]
        assert headers, _squeezed(tags.text_of(table))[:60]
        assert all(str(cell.attributes.get("Scope")) in ("/Row", "/Column") for cell in headers)
    columns = [
        _squeezed(tags.text_of(node))
        for node in _root(tags).walk()
        if node.role == "TH" and str(node.attributes.get("Scope")) == "/Column"
    ]
    assert "社会保障号码SSN(masked)" in columns and "险种insurance" in columns


def test_tagged_text_is_the_text_the_pages_show(
    tags: Tags, bundle: bytes, inputs: BundleInputs
) -> None:
    reader = PdfReader(io.BytesIO(bundle))
    root = _root(tags)
    for page, shown in enumerate(page.extract_text() for page in reader.pages):
        marked = "".join(text for (p, _mcid), text in tags.text.items() if p == page)
        assert Counter(_squeezed(marked)) == Counter(_squeezed(shown)), f"page {page + 1}"
    # Every paragraph and heading reads as something; cells may be empty.
    for node in root.walk():
        if node.role in ("P", "H1", "H2", "H3"):
            assert _squeezed(tags.text_of(node)), f"an empty {node.role}"
    # What a reader hears, artifacts (running heads, page numbers) left out.
    heard = _squeezed(tags.text_of(root))
    furniture = "".join(text for (_p, mcid), text in tags.text.items() if mcid == ARTIFACT)
    assert "第1页共" in _squeezed(furniture) and "第1页共" not in heard
    for fact in (inputs.company_name, USCC, CASE_ID, inputs.license.license_number):
        assert fact in heard
    for seal in inputs.seals:
        assert seal.seal_code in heard
    for employee in inputs.form.employees:
        assert mask_id_number(employee.person.id_number) in heard


def test_the_pdfua_checker_finds_nothing(bundle: bytes, tmp_path: Path) -> None:
    """pdfua checks a machine-checkable subset of PDF/UA-1 (structure tree, MarkInfo, tagged or
    artifact content, language, figure alternates, tables, headings, title). The one finding
    left is deliberate: the bundle does not claim PDF/UA conformance (no ``pdfuaid:part``),
    since nothing here checks the rest of the standard."""
    path = tmp_path / "bundle.pdf"
    path.write_bytes(bundle)
    report = pdfua.validate(str(path))
    findings = [f"{f.rule_id}: {f.message}" for f in report.findings if f.rule_id != "UA-28-004"]
    assert not findings and not report.skipped, findings


def test_marked_content_does_not_nest() -> None:
    tagger = Tagger()
    canvas = Canvas(io.BytesIO())
    outer, inner = tagger.add("P"), tagger.add("P")
    with tagger.mark(canvas, outer), pytest.raises(BundleError), tagger.mark(canvas, inner):
        pass
    assert tagger.pages() == {0: 1}
