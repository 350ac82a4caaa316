"""Where an electronic seal's impression may be placed on a PDF page, and the name of the
signature field it goes in."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from onestop_common.errors import RuleViolation, violation
from svc_seal.impression import MM, SealKind, seal_size_mm


@dataclass(frozen=True)
class PageBox:
    """The visible area of a page (its crop box), in PDF points."""

    left: float
    bottom: float
    right: float
    top: float


def impression_size_pt(kind: SealKind) -> tuple[float, float]:
    width, height = seal_size_mm(kind)
    return width * MM, height * MM


def placement_violations(
    pages: Sequence[PageBox], page: int, x: float, y: float, kind: SealKind
) -> list[RuleViolation]:
    """The impression must sit entirely on an existing page."""
    if not 0 <= page < len(pages):
        return [
            violation(
                "page",
                "page_exists",
                f"文件共{len(pages)}页，没有第{page + 1}页（页码从0开始计）",
                f"the document has {len(pages)} page(s); there is no page index {page} "
                "(zero-based)",
            )
        ]
    if not (math.isfinite(x) and math.isfinite(y)):
        return [violation("x", "finite", "位置须为有限数值", "the position must be finite numbers")]
    box = pages[page]
    width, height = impression_size_pt(kind)
    if box.left <= x and x + width <= box.right and box.bottom <= y and y + height <= box.top:
        return []
    return [
        violation(
            "x",
            "on_page",
            f"印章（{width:.0f}×{height:.0f}点）放在({x:.0f}, {y:.0f})会超出第{page + 1}页"
            f"（{box.left:.0f}–{box.right:.0f} × {box.bottom:.0f}–{box.top:.0f}点）",
            f"a {width:.0f}x{height:.0f} pt impression at ({x:.0f}, {y:.0f}) does not fit on "
            f"page {page} ({box.left:.0f}..{box.right:.0f} x {box.bottom:.0f}..{box.top:.0f} pt)",
        )
    ]


def signature_field_name(seal_code: str, existing: Iterable[str]) -> str:
    """A fresh field name for another impression of the same seal on the same document."""
    taken = set(existing)
    number = 1
    while f"seal-{seal_code}-{number}" in taken:
        number += 1
    return f"seal-{seal_code}-{number}"
