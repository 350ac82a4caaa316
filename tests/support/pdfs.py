"""Documents for tests that seal or sign PDFs."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas


def sample_pdf(pages: int = 1) -> bytes:
    """A plain A4 document of ``pages`` pages."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for number in range(pages):
        canvas.drawString(72, 760, f"Contract page {number + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
