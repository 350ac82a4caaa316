"""Every page of the e-license bundle renders inside its page: the text positions (pypdfium2's
character boxes) checked against the media box, the side margins, the header rule and the footer
rule, for the sample case and for a worst case (long names and addresses, a business scope longer
than a page, twenty seals, every invoice rule, a thousand employees); long tables continue on
titled continuation pages with their header row repeated, and nothing is lost."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pypdfium2
import pytest
from reportlab.lib.units import mm

from onestop.bank.v1 import bank_pb2
from onestop.common.v1 import application_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop.social_insurance.v1 import social_insurance_pb2
from onestop_cli.verify import verify_bundle
from onestop_common.identifiers import citizen_id_check_char, mask_id_number
from onestop_common.protoconv import money, timestamp
from orchestrator.bundle import BundleInputs, render_pages
from orchestrator.bundle.layout import (
    FOOTER_RULE,
    HEADER_RULE,
    HEADER_RULE_GAP,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    TITLE_BASELINE,
    bundle_fonts,
    frame_text,
)
from svc_invoice.domain import decide_vat_status
from svc_invoice.rulebook import default_book
from svc_seal.impression import SealKind, SealSpec, render_seal_pdf
from svc_social_insurance.domain import monthly_contribution
from svc_social_insurance.reference import rate_table
from tests.support.bundle import (
    SEAL_KINDS,
    USCC,
    World,
    _at,
    _timing,
    build,
    certified_seal,
    make_inputs,
)
from tests.support.tags import read_tags

# Character boxes are computed from the font's outlines; allow a hair for rounding.
TOLERANCE = 0.5
EMPLOYEES = 1000
SEALS = 20
LONG_NAME = (
    "天津市宝坻区"
    + "京津冀协同发展示范区新一代信息技术与高端装备制造" * 4
    + "产业链供应链数字化综合服务科技发展集团股份有限公司"
)
SEAL_NAME = LONG_NAME[:30]  # the seal service's limit for the name on a seal
SECTIONS = ("营业执照", "印章", "税务登记与发票", "社会保险登记", "银行基本存款账户")


@dataclasses.dataclass(frozen=True)
class Glyph:
    char: str
    left: float
    bottom: float
    right: float
    top: float


@dataclasses.dataclass(frozen=True)
class PageText:
    number: int
    media: tuple[float, float, float, float]
    glyphs: tuple[Glyph, ...]
    text: str
    title: str

    @property
    def flat(self) -> str:
        return flat(self.text)


def flat(text: str) -> str:
    """Text without any whitespace: extraction breaks lines where the layout wrapped them."""
    return re.sub(r"\s+", "", text)


def read_pages(pdf: bytes) -> list[PageText]:
    """Every page's glyphs with their boxes (PDF user space), its text, and its page title."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            glyphs = []
            for i in range(textpage.count_chars()):
                char = textpage.get_text_range(i, 1)
                if char.strip():
                    glyphs.append(Glyph(char, *textpage.get_charbox(i)))
            media = page.get_mediabox()
            title_band = (
                MARGIN,
                TITLE_BASELINE - 3 * mm,
                PAGE_WIDTH - MARGIN,
                HEADER_RULE - HEADER_RULE_GAP,
            )
            pages.append(
                PageText(
                    index + 1,
                    (media[0], media[1], media[2], media[3]),
                    tuple(glyphs),
                    textpage.get_text_range(),
                    flat(textpage.get_text_bounded(*title_band)),
                )
            )
            textpage.close()
            page.close()
    finally:
        document.close()
    return pages


def layout_problems(page: PageText, inputs: BundleInputs, total: int) -> list[str]:
    """Everything on ``page`` that is off the page, in a side margin, across a rule, or in the
    header or footer without being the header or footer."""
    problems = []
    x0, y0, x1, y1 = page.media
    header: list[str] = []
    footer: list[str] = []
    for g in page.glyphs:
        where = f"page {page.number}: {g.char!r} at x {g.left:.1f}-{g.right:.1f}, y {g.bottom:.1f}"
        if g.left < x0 or g.right > x1 or g.bottom < y0 or g.top > y1:
            problems.append(f"{where} lies outside the media box {page.media}")
        if g.left < MARGIN - TOLERANCE or g.right > PAGE_WIDTH - MARGIN + TOLERANCE:
            problems.append(f"{where} runs into the side margin")
        if g.bottom >= HEADER_RULE:
            header.append(g.char)
        elif g.top <= FOOTER_RULE:
            footer.append(g.char)
        elif g.bottom < FOOTER_RULE - TOLERANCE or g.top > HEADER_RULE - HEADER_RULE_GAP:
            problems.append(f"{where} crosses the header or the footer rule")
    frame = frame_text(inputs, page.number, total, bundle_fonts())
    for zone, found, lines in (("header", header, frame.header), ("footer", footer, frame.footer)):
        expected = Counter(flat("".join(line.text for line in lines)))
        if Counter(found) != expected:
            extra = "".join((Counter(found) - expected).elements())
            missing = "".join((expected - Counter(found)).elements())
            problems.append(
                f"page {page.number}: the {zone} holds {extra!r} besides its own text"
                + (f" and lacks {missing!r}" if missing else "")
            )
    return problems


# --- a worst case -----------------------------------------------------------------------------


def _seals(world: World) -> tuple[seal_pb2.Seal, ...]:
    ca = world.pki.load_identity("seal")
    kinds = [*SEAL_KINDS, (application_pb2.SEAL_KIND_CONTRACT, SealKind.CONTRACT)]
    seals = []
    for serial in range(SEALS):
        proto_kind, kind = kinds[serial % len(kinds)]
        code = f"1201002{serial:06d}"
        seal = certified_seal(
            ca,
            proto_kind,
            kind,
            code,
            company_name=SEAL_NAME,
            certificate_name=LONG_NAME[:14],  # an X.509 common name holds 64 bytes
        )
        if serial % 3:  # the others are drawn from the seal's facts
            spec = SealSpec(kind, SEAL_NAME, code, uscc=USCC, person_name="欧阳建国")
            seal.impression_pdf = render_seal_pdf(spec)
        seals.append(seal)
    return tuple(seals)


def _taxpayer(base: invoice_pb2.Taxpayer) -> invoice_pb2.Taxpayer:
    """The invoice service's real rules, sources and legal basis: every one of them."""
    book = default_book()
    rules = [*book.rules.values(), *(office.as_rule() for office in book.offices.values())]
    taxpayer = invoice_pb2.Taxpayer()
    taxpayer.CopyFrom(base)
    taxpayer.company_name = LONG_NAME
    taxpayer.vat_status_legal_basis = decide_vat_status(
        False, False, book, _at(24, 9).date()
    ).legal_basis
    del taxpayer.rules[:]
    taxpayer.rules.extend(
        invoice_pb2.RuleReference(rule=r.name, value=r.value, verified=r.verified, source=r.source)
        for r in rules
    )
    taxpayer.rules.append(
        invoice_pb2.RuleReference(
            rule="zz_long_value_last_rule",
            value="规则取值很长，" * 300 + "最后一行的结尾",
            verified="unverified",
            source="from memory, text not read here",
        )
    )
    return taxpayer


def _citizen_id(index: int) -> str:
    first17 = f"12011519900101{index:03d}"
    return first17 + citizen_id_check_char(first17)


def _employer(base: social_insurance_pb2.Employer) -> social_insurance_pb2.Employer:
    """A thousand employees at the social insurance service's real (unverified) rates."""
    table = rate_table()
    employer = social_insurance_pb2.Employer()
    employer.CopyFrom(base)
    employer.company_name = LONG_NAME
    del employer.enrolments[:]
    employer_sum = employee_sum = Decimal(0)
    for index in range(EMPLOYEES):
        wage = Decimal(3000 + 37 * index)
        month = monthly_contribution(wage, table, risk_class=1 + index % 8)
        name = "员工" + "长名" * 48 if index % 250 == 7 else f"员工{index:04d}"
        employer.enrolments.append(
            social_insurance_pb2.Enrolment(
                social_security_number=_citizen_id(index % 1000),
                name=name,
                start_date="2026-11-24",
                contribution_base=money(month.base),
                base_adjusted=month.base_adjusted,
                contributions=[
                    social_insurance_pb2.Contribution(
                        insurance=line.insurance,
                        employer_rate=format(line.employer_rate, "f"),
                        employee_rate=format(line.employee_rate, "f"),
                        employer_amount=money(line.employer_amount),
                        employee_amount=money(line.employee_amount),
                        verified=line.verified,
                    )
                    for line in month.lines
                ],
                employer_total=money(month.employer_total),
                employee_total=money(month.employee_total),
                active=True,
            )
        )
        employer_sum += month.employer_total
        employee_sum += month.employee_total
    employer.employer_total.CopyFrom(money(employer_sum))
    employer.employee_total.CopyFrom(money(employee_sum))
    employer.rate_table_version = table.version
    employer.rate_table_note = table.note
    return employer


def _account(base: bank_pb2.Account) -> bank_pb2.Account:
    account = bank_pb2.Account()
    account.CopyFrom(base)
    account.company_name = LONG_NAME
    account.branch_name = "中国工商银行股份有限公司天津宝坻" + "经济开发区" * 10 + "支行"
    del account.due_diligence[:]
    account.due_diligence.extend(
        bank_pb2.DueDiligenceCheck(
            check=f"check_{index:02d}",
            passed=True,
            detail=f"第{index}项核查：" + "营业执照、法定代表人身份及受益所有人信息一致；" * 6,
        )
        for index in range(30)
    )
    del account.beneficial_owners[:]
    account.beneficial_owners.extend(
        bank_pb2.BeneficialOwner(
            name=f"受益人{index:02d}", id_number_masked="120***********0033", share="0.05"
        )
        for index in range(20)
    )
    return account


def make_worst_inputs(world: World) -> BundleInputs:
    base = make_inputs(world)
    seals = _seals(world)
    license = registration_pb2.License()
    license.CopyFrom(base.license)
    license.company_name = LONG_NAME
    license.domicile = "天津市宝坻区宝坻经济开发区" + "宝旺道六号科技园区二号楼" * 40 + "301室"
    license.business_scope = (
        "一般项目："
        + "；".join(f"第{i}项经营活动：软件开发、信息系统集成服务、技术咨询" for i in range(300))
        + "。经营范围到此为止"
    )
    license.legal_representative = "欧阳建国"
    license.commitment_state = "open"
    license.commitment_due_at.CopyFrom(timestamp(_at(23, 15) + timedelta(days=60)))
    license.committed_materials.extend(
        application_pb2.MissingMaterial(
            code=f"M{index:02d}",
            name_zh=f"第{index}份承诺补交材料：住所使用证明及产权证明复印件",
            name_en=f"committed material {index}: proof of the right to use the domicile",
        )
        for index in range(12)
    )
    seal_certs = {f"seal-{s.seal_code}": s.certificate_pem.encode() for s in seals}
    ca_certs = {k: v for k, v in base.certificates.items() if not k.startswith("seal-")}
    slow = _timing("seal", "刻章备案", "0.5", _at(23, 15), _at(24, 15))
    return dataclasses.replace(
        base,
        company_name=LONG_NAME,
        license=license,
        seals=seals,
        taxpayer=_taxpayer(base.taxpayer),
        employer=_employer(base.employer),
        account=_account(base.account),
        certificates=ca_certs | seal_certs,
        timings=(base.timings[0], slow, *base.timings[2:]),
        business_clock_speed=60.0,
    )


@pytest.fixture(scope="module")
def worst(world: World) -> BundleInputs:
    return make_worst_inputs(world)


@pytest.fixture(scope="module")
def worst_pdf(world: World, worst: BundleInputs) -> bytes:
    return build(world, worst)


@pytest.fixture(scope="module")
def worst_pages(worst_pdf: bytes) -> list[PageText]:
    return read_pages(worst_pdf)


# --- the tests ----------------------------------------------------------------------------------


def test_sample_pages_fit_inside_their_boxes(bundle: bytes, inputs: BundleInputs) -> None:
    pages = read_pages(bundle)
    assert len(pages) == 6
    for page in pages:
        assert page.media == pytest.approx((0, 0, PAGE_WIDTH, PAGE_HEIGHT), abs=0.01)
    problems = [p for page in pages for p in layout_problems(page, inputs, len(pages))]
    assert not problems, "\n".join(problems[:20])


def test_worst_case_pages_fit_inside_their_boxes(
    worst_pages: list[PageText], worst: BundleInputs
) -> None:
    assert len(worst_pages) > 30
    problems = [p for page in worst_pages for p in layout_problems(page, worst, len(worst_pages))]
    assert not problems, "\n".join(problems[:20])


def test_the_render_check_catches_text_in_the_footer(world: World, inputs: BundleInputs) -> None:
    # The check itself: text drawn over the footer, or off the page, must be reported.
    pages = read_pages(render_pages(inputs, trust_root=world.root))
    page = pages[3]
    stray = dataclasses.replace(
        page,
        glyphs=(
            *page.glyphs,
            Glyph("漏", MARGIN + 10, FOOTER_RULE - 9, MARGIN + 19, FOOTER_RULE - 1),
            Glyph("x", PAGE_WIDTH - 5, 300, PAGE_WIDTH + 2, 308),
            Glyph("y", MARGIN + 40, FOOTER_RULE - 3, MARGIN + 44, FOOTER_RULE + 4),
        ),
    )
    assert not layout_problems(page, inputs, len(pages))
    problems = "\n".join(layout_problems(stray, inputs, len(pages)))
    assert "the footer holds '漏' besides its own text" in problems
    assert "'x' at x 590.3" in problems and "outside the media box" in problems
    assert "'y' at x" in problems and "crosses the header or the footer rule" in problems


def test_worst_case_loses_nothing(worst_pages: list[PageText], worst: BundleInputs) -> None:
    text = "".join(page.flat for page in worst_pages)
    tax = worst.taxpayer
    for rule in tax.rules:
        assert rule.rule in text
    assert text.count("最后一行的结尾") == 1  # the last rule's value, split across pages
    assert flat("登记事项以主管税务机关的记录为准") in text  # the tax page's closing note
    assert "经营范围到此为止" in text and "301室" in text
    assert text.count(LONG_NAME) >= 4  # cover, license, tax, social insurance, bank
    for seal in worst.seals:
        assert seal.seal_code in text and seal.filing_number in text
    for enrolment in worst.employer.enrolments:
        assert flat(enrolment.name) in text
    assert mask_id_number(worst.employer.enrolments[-1].social_security_number) in text
    assert f"合计total({EMPLOYEES})" in text
    assert worst.account.due_diligence[-1].check in text
    assert worst.account.beneficial_owners[-1].name in text
    assert flat("完整账号见银行出具的开户信息告知书") in text  # the bank page's closing note
    assert "超时overby3.5h" in text


def test_continuation_pages_are_titled_and_repeat_table_headers(
    worst_pages: list[PageText],
) -> None:
    titles = [page.title for page in worst_pages[1:]]
    seen: list[str] = []
    for title in titles:
        section = next((s for s in SECTIONS if title.startswith(s)), None)
        if section is None:
            assert title.startswith("企业开办电子证照包（续）")
            assert not seen, "the cover continues after a section began"
            continue
        continued = title.startswith(f"{section}（续）")
        assert continued == (section in seen), f"{title!r} after {seen}"
        if not continued:
            assert seen == list(SECTIONS[: SECTIONS.index(section)]), "sections out of order"
            seen.append(section)
    assert seen == list(SECTIONS)
    for section in SECTIONS:
        assert sum(t.startswith(f"{section}（续）") for t in titles) >= 1, section
    rules = list(default_book().rules)
    employees = re.compile(r"120\*{11}\d{3}[\dX]")
    for page in worst_pages:
        if any(rule in page.flat for rule in rules):
            assert "规则rule取值value" in page.flat, f"page {page.number} lost the header"
        if employees.search(page.flat) and "社会保险登记" in page.title:
            assert "社会保障号码SSN(masked)" in page.flat, f"page {page.number}"


def test_long_footer_names_are_shortened_to_fit(
    worst_pages: list[PageText], worst: BundleInputs
) -> None:
    fonts = bundle_fonts()
    total = len(worst_pages)
    owner, pages = frame_text(worst, total, total, fonts).footer[:2]
    assert owner.text.endswith(f"…  统一社会信用代码 {USCC}")
    assert pages.text == f"第 {total} 页 共 {total} 页 · Page {total} of {total}"
    assert flat(pages.text) in worst_pages[-1].flat


def test_worst_case_is_tagged_throughout(worst_pdf: bytes, worst: BundleInputs) -> None:
    """Tables and sections continued over many pages stay tagged (test_bundle_tags has the rest):
    every mark is tagged or an artifact, each part of a split table has its header cells."""
    tags = read_tags(worst_pdf, text=False)
    assert tags.root is not None
    for page, (mcids, outside) in enumerate(zip(tags.mcids, tags.unmarked, strict=True)):
        assert not outside, f"page {page + 1} paints outside marked content: {outside}"
        assert sorted(mcids) == list(range(len(mcids))), f"page {page + 1}"
    drawn = {(page, mcid) for page, mcids in enumerate(tags.mcids) for mcid in mcids}
    assert drawn == set(tags.owners) and tags.owners == tags.parent_tree
    tables = [node for node in tags.root.walk() if node.role == "Table"]
    assert all(any(c.role == "TH" for row in t.kids for c in row.kids) for t in tables)
    figures = [node for node in tags.root.walk() if node.role == "Figure"]
    assert len(figures) == 2 + len(worst.seals) and all(f.alt for f in figures)


def test_worst_case_bundle_verifies(worst_pdf: bytes, world: World) -> None:
    report = verify_bundle(worst_pdf, trust_root=world.root)
    assert report.ok, report.pretty()
    assert sum(check.name.startswith("seal ") for check in report.checks) == SEALS


def test_cover_explains_the_two_clocks(
    world: World, inputs: BundleInputs, worst_pages: list[PageText]
) -> None:
    cover = read_pages(render_pages(inputs, trust_root=world.root))[0].flat
    for phrase in (
        "提交时间（业务时钟）",
        "办结时间（业务时钟）",
        "签名时间是实际时间（挂钟时间），取自平台签名所附的时间戳",
        "业务时钟只在工作日的办公时间内计时，办公时间以外、周末和法定节假日不计",
        "在演示环境中业务时钟快于实际时间",
        "thesigningtimeiswall-clocktime,fromthetimestampintheplatform'ssignature",
        "arebusiness-clocktimes",
        "notnights,weekendsorpublicholidays",
        "runsfasterthanthewallclock",
    ):
        assert flat(phrase) in cover, phrase
    assert "倍速" not in cover
    cover_pages = [
        p for p in worst_pages if p.number == 1 or p.title.startswith("企业开办电子证照包（续）")
    ]
    assert len(cover_pages) == 2  # the long name pushes the signature box onto a second page
    worst_cover = "".join(p.flat for p in cover_pages)
    assert "本案业务时钟为实际时间的60倍速" in worst_cover
    assert "Inthiscasethebusinessclockranat60timesthewallclock" in worst_cover


WORKING_NOTES = (
    "未核实",
    "部分核实",
    "已核实",
    "核实程度",
    "非确定法规",
    "unverified",
    "partly",
    "from memory",
    "not read",
    "not settled",
    "recalled",
    "general knowledge",
    "repository not recorded",
    "rate table",
)


def test_pages_carry_no_working_notes(bundle: bytes, worst_pages: list[PageText]) -> None:
    for page in [*read_pages(bundle), *worst_pages]:
        text = page.flat.lower()
        found = [note for note in WORKING_NOTES if flat(note).lower() in text]
        assert not found, f"page {page.number} ({page.title}) carries {found}"
    # What the sample's pages used to print next to the figures.
    sample_text = "".join(page.flat for page in read_pages(bundle))
    assert "费率为配置值" not in sample_text and "tianjin-2026-v1" not in sample_text
    assert "小规模纳税人" in sample_text and "养老保险pension" in sample_text
