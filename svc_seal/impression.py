"""Renders Chinese company seal impressions as a one-page PDF or a PNG.

The drawing itself is ``onestop_common.seal_drawing`` and the seal's kinds, specification and
size ``onestop_common.seal_spec``, shared with the bundle; they are re-exported here.
"""

from __future__ import annotations

import io

import pypdfium2
from reportlab.pdfgen.canvas import Canvas

from onestop_common.fonts import cjk_font
from onestop_common.seal_drawing import SEAL_RED, draw_seal
from onestop_common.seal_spec import MM, SealKind, SealSpec, seal_size_mm

__all__ = [
    "MM",
    "SEAL_RED",
    "SealKind",
    "SealSpec",
    "draw_seal",
    "render_seal_pdf",
    "render_seal_png",
    "seal_size_mm",
]


def render_seal_pdf(spec: SealSpec) -> bytes:
    """A one-page PDF whose page is exactly the seal, with its fonts embedded (subset)."""
    width, height = (side * MM for side in seal_size_mm(spec.kind))
    buffer = io.BytesIO()
    # invariant=1 drops the timestamp and random file id, so the same spec gives the same bytes;
    # the initial font would otherwise be a non-embedded Helvetica reference on every page.
    canvas = Canvas(
        buffer,
        pagesize=(width, height),
        invariant=1,
        pageCompression=1,
        initialFontName=cjk_font("song"),
    )
    canvas.setTitle(f"{spec.kind.label_zh} {spec.company_name}")
    draw_seal(canvas, spec, 0, 0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_seal_png(spec: SealSpec, dpi: int = 300) -> bytes:
    """The seal rasterised on white, as PNG bytes."""
    document = pypdfium2.PdfDocument(render_seal_pdf(spec))
    try:
        bitmap = document[0].render(scale=dpi / 72, fill_color=(255, 255, 255, 255))
        image = bitmap.to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
