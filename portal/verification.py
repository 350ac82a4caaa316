"""What the public verification page shows, pure: a license's status as the public may read it
(no ID numbers, the legal representative masked), the checks of an uploaded bundle in the page's
language, and the page's words in Chinese and English.

The routes (:mod:`portal.routes.verify`) ask the registration service and run the checks of
``onestop verify``; this module only decides what of it reaches the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from onestop.registration.v1 import registration_pb2 as reg_pb
from onestop_common.clock import to_shanghai
from onestop_common.identifiers import validate_uscc
from onestop_common.logs import mask_ids
from onestop_common.verification import valid_license_number

# Every word of the verification pages, by key: (Chinese, English).
TEXT: dict[str, tuple[str, str]] = {
    "title": ("营业执照在线核验", "Business license verification"),
    "intro": (
        "银行、交易相对方等任何人均可在此核验本平台核发的电子营业执照，无需登录。"
        "可扫描执照上的二维码，或输入统一社会信用代码和执照编号，或上传电子证照包。",
        "Anyone (a bank, a counterparty) can check a business license this platform issued, "
        "without signing in: scan the QR code on the license, enter the USCC and license "
        "number, or upload the e-license bundle.",
    ),
    "lookup": ("按代码和编号查询", "Look up by code and number"),
    "uscc": ("统一社会信用代码", "Unified social credit code (USCC)"),
    "license_number": ("执照编号", "License number"),
    "check": ("查询", "Check"),
    "upload": ("上传电子证照包核验", "Verify an e-license bundle"),
    "upload_hint": (
        "与命令 onestop verify 执行相同的检查（签名、时间戳、吊销列表、附件），文件不会保存。"
        "大小上限 20 MB。",
        "Runs the same checks as the command onestop verify (signatures, timestamps, CRLs, "
        "embedded files); the file is not kept. Up to 20 MB.",
    ),
    "file": ("电子证照包（PDF）", "E-license bundle (PDF)"),
    "verify": ("核验", "Verify"),
    "result": ("核验结果", "Verification result"),
    "state.valid": ("有效", "Valid"),
    "state.revoked": ("已吊销（撤销登记）", "Revoked"),
    "state.changed": ("有效（已变更登记）", "Valid (changed)"),
    "state.not_found": ("未查到", "Not found"),
    "valid.body": (
        "该营业执照由本平台登记机关核发，现行有效。",
        "This business license was issued by this platform's registration authority and is "
        "in force.",
    ),
    "revoked.body": (
        "该营业执照已被撤销，不再有效。",
        "This business license has been revoked and is no longer in force.",
    ),
    "changed.body": (
        "该营业执照有效，并已办理变更登记，现行为第 {version} 版。",
        "This business license is in force and has been changed; the current version is {version}.",
    ),
    "older": (
        "您扫描的是第 {scanned} 版，已被第 {version} 版取代，请以现行版本为准。",
        "You scanned version {scanned}, which version {version} has replaced: rely on the "
        "current version.",
    ),
    "not_found.body": (
        "本平台未核发统一社会信用代码为 {uscc}、执照编号为 {number} 的营业执照。请核对代码和编号。",
        "This platform issued no business license with USCC {uscc} and license number "
        "{number}. Check both.",
    ),
    "company": ("企业名称", "Company name"),
    "established": ("成立日期", "Date of establishment"),
    "legal_rep": ("法定代表人", "Legal representative"),
    "version": ("版本", "Version"),
    "changed_on": ("最近变更", "Last changed"),
    "revoked_on": ("吊销日期", "Revoked on"),
    "revocation": ("吊销原因类别", "Reason category"),
    "category.opening_undone": (
        "企业开办未完成，登记已撤销",
        "the company's opening was not completed and the registration was undone",
    ),
    "category.commitment_unfulfilled": (
        "告知承诺未在期限内履行",
        "the commitment (告知承诺制) was not fulfilled in time",
    ),
    "category.unspecified": ("未说明", "not stated"),
    "as_of": ("查询时间", "As of"),
    "another": ("核验另一份执照", "Check another license"),
    "bundle.valid": (
        "电子证照包有效：全部 {n} 项检查通过。",
        "The bundle is VALID: all {n} checks hold.",
    ),
    "bundle.invalid": (
        "电子证照包无效：{failed} 项检查未通过（共 {n} 项），请勿依赖此文件。",
        "The bundle is NOT VALID: {failed} of {n} checks failed. Do not rely on it.",
    ),
    "bundle.file": ("文件", "File"),
    "bundle.signed_at": ("签名时间", "Signed at"),
    "bundle.check": ("检查项", "Check"),
    "bundle.outcome": ("结果", "Result"),
    "bundle.detail": ("详情（英文）", "Detail"),
    "ok": ("通过", "holds"),
    "failed": ("未通过", "FAILED"),
    "status_online": ("该执照的当前状态", "The license's current status"),
    "error.uscc_invalid": ("统一社会信用代码：{zh}", "USCC: {en}"),
    "error.number_invalid": (
        "执照编号：应为数字和大写字母（至多 40 位）。",
        "License number: digits and capital letters only (up to 40).",
    ),
    "error.file_missing": (
        "电子证照包：请选择一个 PDF 文件。",
        "E-license bundle: choose a PDF file.",
    ),
    "error.file_too_large": (
        "电子证照包：文件超过 {mb} MB 上限。",
        "E-license bundle: the file is larger than the {mb} MB limit.",
    ),
    "throttled.title": ("查询过于频繁", "Too many requests"),
    "throttled.body": (
        "同一地址每分钟最多查询 {lookups} 次、上传 {uploads} 次。请 {seconds} 秒后再试。",
        "One address may look up {lookups} licenses and upload {uploads} bundles a minute. "
        "Try again in {seconds} seconds.",
    ),
}

# Names of the checks of onestop verify (onestop_cli.verify), in Chinese; the English page shows
# them as the command prints them.
_CHECKS_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"platform signature \((.+)\) integrity", r"平台签名（\1）完整"),
        (r"platform signature \((.+)\) coverage", r"平台签名（\1）覆盖范围"),
        (r"platform signature \((.+)\) readable", r"平台签名（\1）可读"),
        (r"platform signature \((.+)\)", r"平台签名（\1）"),
        (r"signer trusted", "签名人证书链至平台根证书"),
        (r"signer is the platform's bundle signer", "签名人为平台证照包签名证书"),
        (r"signer not revoked", "签名证书未被吊销"),
        (r"signature timestamp", "签名时间戳"),
        (r"document timestamp", "文档时间戳"),
        (r"every byte accounted for", "每个字节均在签名保护之内"),
        (r"no other signatures", "无其他签名"),
        (r"readable PDF", "可读的 PDF 文件"),
        (r"readable, signed PDF", "可读且已签名的 PDF 文件"),
        (r"verification", "核验"),
        (r"manifest", "清单 manifest.json"),
        (r"embedded files match the manifest", "附件与清单一致"),
        (r"embedded files", "附件"),
        (r"embedded original license\.pdf", "内嵌营业执照原件 license.pdf"),
        (r"license\.pdf is the registered original", "license.pdf 为登记在案的原件"),
        (r"seal (\S+) \(official seal\) certificate", r"印章 \1（公章）证书"),
        (r"seal (\S+) \(finance seal\) certificate", r"印章 \1（财务专用章）证书"),
        (r"seal (\S+) \(invoice seal\) certificate", r"印章 \1（发票专用章）证书"),
        (
            r"seal (\S+) \(legal representative's seal\) certificate",
            r"印章 \1（法定代表人名章）证书",
        ),
        (r"seal (\S+) \(contract seal\) certificate", r"印章 \1（合同专用章）证书"),
        (r"seal (\S+) \((.+)\) certificate", r"印章 \1（\2）证书"),
        (r"seal certificates", "印章证书"),
        (r"application-signed\.pdf: every person named signed", "申请书：所列人员均已签署"),
    )
)
_APPLICATION_SIGNER = re.compile(r"application signed by (.+?) \((.*)\)")


def say(key: str, lang: str, **values: object) -> str:
    zh, en = TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


def mask_name(name: str) -> str:
    """A person's name as the public page may show it: the first character, then one star for
    each further one (张伟 → 张*)."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def uscc_error(uscc: str) -> str:
    """Empty when ``uscc`` is exactly a valid USCC; else why not, naming the field in Chinese
    and English."""
    verdict = validate_uscc(uscc)
    if verdict.ok:
        return ""
    # The identifiers' reasons mostly name the code already; the field is named once either way.
    zh, en = verdict.reason_zh, verdict.reason_en
    if not zh.startswith("统一社会信用代码"):
        zh = say("error.uscc_invalid", "zh", zh=zh)
    if not en.startswith("USCC"):
        en = say("error.uscc_invalid", "en", en=en)
    return f"{zh} / {en}"


def number_error(number: str) -> str:
    if valid_license_number(number):
        return ""
    return f"{say('error.number_invalid', 'zh')} / {say('error.number_invalid', 'en')}"


@dataclass(frozen=True)
class LicenseView:
    """A license's status as the public page shows it."""

    state: str  # valid | changed | revoked | not_found
    uscc: str
    license_number: str
    company_name: str = ""
    established: str = ""
    legal_rep_masked: str = ""
    version: int = 0
    scanned_version: int = 0
    changed_on: str = ""
    revoked_on: str = ""
    revocation_category: str = ""

    @property
    def scanned_is_older(self) -> bool:
        return 0 < self.scanned_version < self.version


_CATEGORIES = {
    reg_pb.REVOCATION_CATEGORY_OPENING_UNDONE: "opening_undone",
    reg_pb.REVOCATION_CATEGORY_COMMITMENT_UNFULFILLED: "commitment_unfulfilled",
}


def _day(moment: datetime) -> str:
    return to_shanghai(moment).date().isoformat()


def license_view(status: reg_pb.GetLicenseStatusResponse, scanned_version: int = 0) -> LicenseView:
    """What of the registration service's answer the public sees: no reason text (it may name
    people or internal steps), only its category, and the legal representative masked."""
    revoked = status.status == reg_pb.LICENSE_STATUS_REVOKED
    version = status.version or 1
    state = "revoked" if revoked else ("changed" if version > 1 else "valid")
    return LicenseView(
        state=state,
        uscc=status.uscc,
        license_number=status.license_number,
        company_name=status.company_name,
        established=status.date_of_establishment,
        legal_rep_masked=mask_name(status.legal_representative),
        version=version,
        scanned_version=scanned_version,
        changed_on=_day(status.changed_at.ToDatetime(tzinfo=UTC))
        if status.HasField("changed_at")
        else "",
        revoked_on=_day(status.revoked_at.ToDatetime(tzinfo=UTC))
        if status.HasField("revoked_at")
        else "",
        revocation_category=(
            _CATEGORIES.get(status.revocation_category, "unspecified") if revoked else ""
        ),
    )


def not_found_view(uscc: str, license_number: str) -> LicenseView:
    return LicenseView("not_found", uscc, license_number)


@dataclass(frozen=True)
class CheckRow:
    """One check of an uploaded bundle, named in the page's language."""

    name: str
    ok: bool
    detail: str


def check_name(name: str, lang: str) -> str:
    signer = _APPLICATION_SIGNER.fullmatch(name)
    if signer:
        who, roles = mask_name(signer.group(1)), signer.group(2)
        return (
            f"申请书由 {who}（{roles}）签署"
            if lang == "zh"
            else f"application signed by {who} ({roles})"
        )
    if lang != "zh":
        return name
    for pattern, zh in _CHECKS_ZH:
        if pattern.fullmatch(name):
            return pattern.sub(zh, name)
    return name


def check_rows(checks: Iterable[Any], lang: str) -> list[CheckRow]:
    """The checks of a :class:`onestop_cli.verify.BundleReport`, for the page: names in its
    language, any ID number in a detail masked."""
    return [CheckRow(check_name(c.name, lang), c.ok, mask_ids(c.detail)) for c in checks]


def signed_at_text(moment: datetime | None) -> str:
    return f"{to_shanghai(moment):%Y-%m-%d %H:%M:%S} (UTC+8)" if moment else ""
