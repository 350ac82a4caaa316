"""Draws Chinese company seal impressions as vector graphics on a reportlab canvas."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from itertools import pairwise

from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from onestop_common.fonts import cjk_font
from onestop_common.seal_spec import MM, ROUND_KINDS, SealKind, SealSpec, seal_size_mm

SEAL_RED = Color(0xD0 / 255, 0, 0)


def draw_seal(canvas: Canvas, spec: SealSpec, x: float, y: float) -> None:
    """Draw the seal with the lower-left corner of its bounding box at (x, y), in points."""
    width, height = seal_size_mm(spec.kind)
    canvas.saveState()
    canvas.translate(x + width * MM / 2, y + height * MM / 2)
    canvas.setFillColor(SEAL_RED)
    canvas.setStrokeColor(SEAL_RED)
    if spec.kind in ROUND_KINDS:
        _draw_round(canvas, spec)
    elif spec.kind is SealKind.INVOICE:
        _draw_invoice(canvas, spec)
    else:
        _draw_name_seal(canvas, spec)
    canvas.restoreState()


# --- Text styles and tracks ---------------------------------------------------------------

_RIM = 1.0 * MM
_RIM_GAP = 0.6 * MM
# The light Song face is stroked as well as filled, because engraved seal strokes are bolder.
_SONG_WEIGHT = 0.12 * MM

# Where the ink of a glyph sits in its em box, measured on UMing and WenQuanYi Zen Hei: the
# ideographs fill about 0.92 em centred 0.38 em above the baseline, digits 0.69 em centred at 0.34.
_INK_HEIGHT_CJK = 0.92
_INK_HEIGHT_LATIN = 0.69


@dataclass(frozen=True)
class _TextStyle:
    font: str
    size: float
    x_scale: float = 1.0
    weight: float = _SONG_WEIGHT


@dataclass(frozen=True)
class _Track:
    """The curve `inset` inside an ellipse with semi-axes a, b (a circle when a == b).

    Positions on it are the ellipse's parameter t in degrees: 90 is the top, 270 the bottom.
    """

    a: float
    b: float
    inset: float

    def deeper(self, extra: float) -> _Track:
        return replace(self, inset=self.inset + extra)

    def point(self, t_deg: float) -> tuple[float, float, float]:
        """x, y of the point at t, and the direction of the outward normal in degrees."""
        t = math.radians(t_deg)
        nx, ny = self.b * math.cos(t), self.a * math.sin(t)
        norm = math.hypot(nx, ny)
        nx, ny = nx / norm, ny / norm
        normal_deg = math.degrees(math.atan2(ny, nx))
        return (
            self.a * math.cos(t) - self.inset * nx,
            self.b * math.sin(t) - self.inset * ny,
            normal_deg,
        )

    def length(self, t_from: float, t_to: float) -> float:
        return self._sample(t_from, t_to)[1][-1]

    def spread(self, t_from: float, t_to: float, count: int) -> list[float]:
        """Parameters of `count` points evenly spaced by arc length from t_from to t_to."""
        if count == 1:
            return [(t_from + t_to) / 2]
        params, lengths = self._sample(t_from, t_to)
        targets = [lengths[-1] * k / (count - 1) for k in range(count)]
        return [_interpolate(params, lengths, target) for target in targets]

    def centred(self, centre_deg: float, length: float, count: int) -> list[float]:
        """`count` evenly spaced points covering `length` of curve centred on centre_deg."""
        params, lengths = self._sample(centre_deg, centre_deg + 90)
        half = _interpolate(params, lengths, length / 2) - centre_deg
        return self.spread(centre_deg - half, centre_deg + half, count)

    def _sample(self, t_from: float, t_to: float) -> tuple[list[float], list[float]]:
        """Sampled parameters and the arc length travelled up to each of them."""
        samples = 720
        params = [t_from + (t_to - t_from) * i / samples for i in range(samples + 1)]
        points = [self.point(t)[:2] for t in params]
        lengths = [0.0]
        for p, q in pairwise(points):
            lengths.append(lengths[-1] + math.dist(p, q))
        return params, lengths


def _interpolate(params: list[float], lengths: list[float], target: float) -> float:
    i = min(max(bisect.bisect_left(lengths, target), 1), len(lengths) - 1)
    share = (target - lengths[i - 1]) / ((lengths[i] - lengths[i - 1]) or 1.0)
    return params[i - 1] + share * (params[i] - params[i - 1])


# --- Round seals (公章, 财务专用章, 合同专用章): Ø40 mm -------------------------------------


def _draw_round(canvas: Canvas, spec: SealSpec) -> None:
    radius = 20 * MM - _RIM
    song = cjk_font("song")
    _draw_rim(canvas, radius, radius)
    _draw_star(canvas, 0, 0 if spec.kind is SealKind.OFFICIAL else 1.0 * MM, 7.0 * MM)
    _draw_name_arc(canvas, spec.company_name, radius, radius, span_deg=230.0, max_size=6.4 * MM)
    if spec.kind is not SealKind.OFFICIAL:
        _draw_line(canvas, spec.kind.label_zh, _TextStyle(song, 4.4 * MM, 0.8), -10.6 * MM)
    _draw_code_arc(canvas, spec.seal_code, radius, radius, size=2.3 * MM)


# --- Invoice seal (发票专用章): ellipse 40 × 30 mm ---------------------------------------


def _draw_invoice(canvas: Canvas, spec: SealSpec) -> None:
    a, b = 20 * MM - _RIM, 15 * MM - _RIM
    song, sans = cjk_font("song"), cjk_font("sans")
    _draw_rim(canvas, a, b)
    _draw_name_arc(canvas, spec.company_name, a, b, span_deg=220.0, max_size=4.8 * MM)
    _draw_line(canvas, spec.uscc, _TextStyle(sans, 3.3 * MM, 0.62, 0.04 * MM), 0.6 * MM)
    _draw_line(canvas, spec.kind.label_zh, _TextStyle(song, 4.0 * MM, 0.9), -5.0 * MM)
    _draw_code_arc(canvas, spec.seal_code, a, b, size=2.0 * MM)


# --- Legal representative's name seal (法定代表人名章): square 20 × 20 mm --------------------

# Columns read right to left, each top to bottom: (column, row) with column 1 = right, row 0 = top.
_NAME_CELLS = ((1, 0), (1, 1), (0, 0), (0, 1))


def _draw_name_seal(canvas: Canvas, spec: SealSpec) -> None:
    half = 10 * MM - _RIM / 2
    canvas.setLineWidth(_RIM)
    canvas.rect(-half, -half, 2 * half, 2 * half, stroke=1, fill=0)
    cell = (20 * MM - 2 * _RIM - 2 * 0.7 * MM) / 2
    style = _TextStyle(cjk_font("song"), cell * 0.97, weight=0.2 * MM)
    for char, (column, row) in zip(_name_seal_chars(spec.person_name), _NAME_CELLS, strict=True):
        canvas.saveState()
        canvas.translate((column - 0.5) * cell, (0.5 - row) * cell)
        _draw_glyph(canvas, char, style)
        canvas.restoreState()


def _name_seal_chars(name: str) -> str:
    """The four characters in _NAME_CELLS order: right column first, each top to bottom."""
    if len(name) == 2:
        return name + "之印"
    if len(name) == 3:
        # 回文印: surname and 印 share the right column, so the given name stays together.
        return name[0] + "印" + name[1:]
    return name


# --- Shared drawing -----------------------------------------------------------------------


def _draw_rim(canvas: Canvas, a: float, b: float) -> None:
    """Stroke the rim so its outer edge touches the bounding box; a, b are the inner semi-axes."""
    canvas.setLineWidth(_RIM)
    half = _RIM / 2
    canvas.ellipse(-a - half, -b - half, a + half, b + half, stroke=1, fill=0)


def _draw_star(canvas: Canvas, cx: float, cy: float, radius: float) -> None:
    """A filled five-pointed star, one point up; the inner radius is that of a regular star."""
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(54))
    path = canvas.beginPath()
    for i in range(10):
        r = radius if i % 2 == 0 else inner
        angle = math.radians(90 + 36 * i)
        x, y = cx + r * math.cos(angle), cy + r * math.sin(angle)
        if i == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_name_arc(
    canvas: Canvas, name: str, a: float, b: float, *, span_deg: float, max_size: float
) -> None:
    """The company name along the upper arc, left to right, glyph tops toward the rim."""
    # Short names keep full-width glyphs on a shorter arc rather than gaping apart.
    span = min(span_deg, 26.0 * max(len(name) - 1, 1))
    style, track = _fit_name(len(name), a, b, span, max_size)
    # Spacing along the glyphs' inner edge keeps them apart where an ellipse bends sharply.
    inner = track.deeper(0.4 * _INK_HEIGHT_CJK * style.size)
    for char, t in zip(name, inner.spread(90 + span / 2, 90 - span / 2, len(name)), strict=True):
        _place_glyph(canvas, char, style, track, t, upright_out=True)


def _fit_name(
    count: int, a: float, b: float, span: float, max_size: float
) -> tuple[_TextStyle, _Track]:
    """Narrow the glyphs for a long name, as engravers do, and shrink them only past that."""
    song = cjk_font("song")
    size = max_size
    for _ in range(2):
        track = _Track(a, b, _RIM_GAP + _INK_HEIGHT_CJK * size / 2)
        step = track.length(90 + span / 2, 90 - span / 2) / max(count - 1, 1)
        x_scale = min(1.0, 0.92 * step / size)
        if x_scale >= 0.62:
            break
        size = max(0.92 * step / 0.62, 3.0 * MM)
    return _TextStyle(song, size, x_scale), track


def _draw_code_arc(canvas: Canvas, code: str, a: float, b: float, *, size: float) -> None:
    """The seal code along the bottom arc, left to right, glyph tops toward the centre."""
    style = _TextStyle(cjk_font("sans"), size, 0.85, weight=0.0)
    track = _Track(a, b, _RIM_GAP + _INK_HEIGHT_LATIN * size / 2)
    pitch = pdfmetrics.stringWidth("0", style.font, size) * 0.95
    for char, t in zip(code, track.centred(270, pitch * (len(code) - 1), len(code)), strict=True):
        _place_glyph(canvas, char, style, track, t, upright_out=False)


def _draw_line(canvas: Canvas, text: str, style: _TextStyle, centre_y: float) -> None:
    """One horizontal line of text centred on (0, centre_y)."""
    canvas.saveState()
    canvas.translate(0, centre_y)
    _draw_glyph(canvas, text, style)
    canvas.restoreState()


def _place_glyph(
    canvas: Canvas, char: str, style: _TextStyle, track: _Track, t: float, *, upright_out: bool
) -> None:
    """One glyph on the track at t, its top pointing out to the rim or in to the centre."""
    x, y, normal = track.point(t)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.rotate(normal - 90 if upright_out else normal + 90)
    _draw_glyph(canvas, char, style)
    canvas.restoreState()


def _draw_glyph(canvas: Canvas, text: str, style: _TextStyle) -> None:
    """Draw `text` with the centre of its ink on the origin."""
    width = pdfmetrics.stringWidth(text, style.font, style.size) * style.x_scale
    ink_centre = 0.34 if text.isascii() else 0.38
    text_object = canvas.beginText()
    text_object.setFont(style.font, style.size)
    text_object.setHorizScale(style.x_scale * 100)
    text_object.setTextRenderMode(2 if style.weight > 0 else 0)
    text_object.setTextOrigin(-width / 2, -ink_centre * style.size)
    text_object.textOut(text)
    canvas.setLineWidth(style.weight)
    canvas.drawText(text_object)
