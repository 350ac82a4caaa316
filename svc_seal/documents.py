"""Looks at a PDF a caller wants sealed (with pypdf) before anything signs it: is it a PDF, is it
encrypted, which pages and signature fields it has."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from onestop_common.errors import InvalidInput, violation
from svc_seal.domain import PageBox

# The PDF header may follow a little junk; readers look for it in the first 1 KiB.
_HEADER_WINDOW = 1024

# pypdf warns about every repaired oddity of real-world files; the verdict below is enough.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class PdfFacts:
    pages: tuple[PageBox, ...]
    field_names: tuple[str, ...]


def _not_a_pdf(detail_zh: str, detail_en: str) -> InvalidInput:
    return InvalidInput.of([violation("pdf", "pdf_format", detail_zh, detail_en)])


def inspect_pdf(data: bytes) -> PdfFacts:
    """The document's page boxes and field names; InvalidInput when it cannot be sealed."""
    if not data:
        raise _not_a_pdf("未提供PDF文件", "no PDF was sent")
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise _not_a_pdf(
            "文件不是PDF（缺少 %PDF- 文件头）", "the file is not a PDF (no %PDF- header)"
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise _not_a_pdf(
            f"PDF文件已损坏，无法读取：{error}", f"the PDF is damaged and cannot be read: {error}"
        ) from None
    if encrypted:
        raise InvalidInput.of(
            [
                violation(
                    "pdf",
                    "pdf_encrypted",
                    "PDF已加密，请上传未加密的文件后再盖章",
                    "the PDF is encrypted; send an unencrypted copy to seal it",
                )
            ]
        )
    try:
        pages = tuple(_visible_box(page) for page in reader.pages)
        fields = tuple((reader.get_fields() or {}).keys())
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise _not_a_pdf(
            f"PDF文件结构有误，无法读取页面：{error}",
            f"the PDF's structure is broken, its pages cannot be read: {error}",
        ) from None
    if not pages:
        raise _not_a_pdf("PDF没有页面", "the PDF has no pages")
    return PdfFacts(pages, fields)


def _visible_box(page: object) -> PageBox:
    box = page.cropbox  # type: ignore[attr-defined]
    left, right = sorted((float(box.left), float(box.right)))
    bottom, top = sorted((float(box.bottom), float(box.top)))
    return PageBox(left, bottom, right, top)
