"""Finds the Debian CJK TrueType fonts and registers them with reportlab, once per process."""

from __future__ import annotations

import contextlib
import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CjkStyle = Literal["sans", "song"]

INSTALL_HINT = "apt-get install fonts-wqy-zenhei fonts-arphic-uming"


class CjkFontMissingError(RuntimeError):
    """No usable CJK TrueType font is installed for the requested style."""


@dataclass(frozen=True)
class CjkFontFile:
    """One TrueType collection a style can come from, and the Debian package that ships it."""

    font_name: str
    package: str
    candidates: tuple[Path, ...]
    # Subfont 0 is the simplified-Chinese face in both collections (UMing CN, WenQuanYi Zen Hei).
    subfont_index: int = 0

    def installed_path(self) -> Path | None:
        return next((path for path in self.candidates if path.is_file()), None)


WQY_ZENHEI = CjkFontFile(
    font_name="WenQuanYiZenHei",
    package="fonts-wqy-zenhei",
    candidates=(
        Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
        Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
    ),
)

ARPHIC_UMING = CjkFontFile(
    font_name="ARPLUMingCN",
    package="fonts-arphic-uming",
    candidates=(
        Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
        Path("/usr/share/fonts/arphic-uming/uming.ttc"),
    ),
)

# Song falls back to sans: a seal in the wrong style is still legible, a missing glyph is not.
_PREFERENCES: dict[str, tuple[CjkFontFile, ...]] = {
    "sans": (WQY_ZENHEI,),
    "song": (ARPHIC_UMING, WQY_ZENHEI),
}

_register_lock = threading.Lock()


def cjk_font(style: CjkStyle = "sans") -> str:
    """Return the reportlab font name for `style`, registering the font on first use."""
    try:
        preferences = _PREFERENCES[style]
    except KeyError:
        raise ValueError(f"unknown CJK font style {style!r}; use 'sans' or 'song'") from None
    for font in preferences:
        path = font.installed_path()
        if path is not None:
            return _register(font, path)
    wanted = ", ".join(f"{font.package} ({font.candidates[0]})" for font in preferences)
    raise CjkFontMissingError(
        f"no CJK TrueType font for style {style!r}: looked for {wanted}. "
        f"Install them with `{INSTALL_HINT}`."
    )


def register_all() -> None:
    """Registers every installed CJK font now. A process that draws on native threads under
    eventlet (``nameko_kit.offload``) calls this at start: registering takes a lock, and
    eventlet's patched lock must not be taken off the hub's thread."""
    for style in _PREFERENCES:
        with contextlib.suppress(CjkFontMissingError):
            cjk_font(style)  # type: ignore[arg-type]


@functools.cache
def _register(font: CjkFontFile, path: Path) -> str:
    # Parsing a 20 MB collection takes a while; the lock keeps two threads from doing it twice.
    with _register_lock:
        if font.font_name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(
                TTFont(font.font_name, str(path), subfontIndex=font.subfont_index)
            )
    return font.font_name
