"""The bundle as a tagged PDF: its structure tree, recorded while reportlab draws.

reportlab has no tagging API, so the drawers say what they draw:

    with tagging.element("P", canvas):      # a structure element whose content is drawn here
        ...
    with tagging.element("Table"):          # a container: its kids tag themselves
        ...
    with tagging.artifact(canvas):          # page furniture: rules, backgrounds, running heads
        ...

Each leaf element's drawing is wrapped in a marked-content sequence (``/P <</MCID n>> BDC …
EMC``, written with the canvas's ``addLiteral``) and recorded as (page, MCID) under the element.
After rendering, ``write_structure`` writes the structure tree (``/StructTreeRoot`` with a
``/ParentTree`` and each page's ``/StructParents``), ``/MarkInfo``, ``/Lang``, the title and
the viewer preferences into the PDF with pikepdf, before the bundle is signed.

The order of the tree is the order in which elements are opened, which is the reading order: an
element may be opened before the content it describes is drawn (the page title is drawn when
the page ends) and given that content later (``mark``), or reserve an MCID for a later stage
(``reserve``: the seal impressions merged after rendering).

The helpers do nothing when no ``Tagger`` is active, so a flowable can still be drawn alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from reportlab.pdfgen.canvas import Canvas

from orchestrator.bundle.model import BundleError

LANGUAGE = "zh-CN"
CELLS = ("TH", "TD")


@dataclass(frozen=True)
class MarkedContent:
    """One marked-content sequence: its page (0-based) and its MCID on that page."""

    page: int
    mcid: int


@dataclass
class Element:
    """A structure element: a standard role (``P``, ``H1``, ``Table``, ``TH``, ``Figure`` …),
    its alternate text and attributes, and its kids in reading order."""

    role: str
    alt: str | None = None
    attributes: dict[str, str | int] = field(default_factory=dict)
    kids: list[Element | MarkedContent] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        yield self
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.walk()


class Tagger:
    """The structure tree of one rendering pass."""

    def __init__(self) -> None:
        self.root = Element("Document")
        self._stack = [self.root]
        self._next_mcid: dict[int, int] = {}
        self._open: MarkedContent | None = None

    @property
    def current(self) -> Element:
        return self._stack[-1]

    def start_section(self) -> Element:
        """A new ``Sect`` under the document; what follows goes into it."""
        sect = Element("Sect")
        self.root.kids.append(sect)
        self._stack = [self.root, sect]
        return sect

    def add(
        self,
        role: str,
        *,
        alt: str | None = None,
        attributes: Mapping[str, str | int] | None = None,
    ) -> Element:
        """A new element under the current one, not entered."""
        element = Element(role, alt, dict(attributes or {}))
        self.current.kids.append(element)
        return element

    @contextmanager
    def enter(self, element: Element) -> Iterator[Element]:
        self._stack.append(element)
        try:
            yield element
        finally:
            self._stack.pop()

    def reserve(self, page: int, element: Element) -> int:
        """The next MCID of ``page`` (0-based), recorded as content of ``element``."""
        mcid = self._next_mcid.get(page, 0)
        self._next_mcid[page] = mcid + 1
        element.kids.append(MarkedContent(page, mcid))
        return mcid

    @contextmanager
    def mark(self, canvas: Canvas, element: Element) -> Iterator[None]:
        """What is drawn inside is content of ``element`` on the canvas's current page."""
        if self._open is not None:
            raise BundleError(f"marked content opened inside another ({self._open})")
        page = canvas.getPageNumber() - 1
        mcid = self.reserve(page, element)
        self._open = MarkedContent(page, mcid)
        canvas.addLiteral(f"/{element.role} <</MCID {mcid}>> BDC")
        try:
            yield
        finally:
            canvas.addLiteral("EMC")
            self._open = None

    @contextmanager
    def artifact(self, canvas: Canvas, kind: str = "Layout") -> Iterator[None]:
        if self._open is not None:
            raise BundleError(f"an artifact opened inside marked content ({self._open})")
        if kind in ("Header", "Footer"):
            canvas.addLiteral(f"/Artifact <</Type /Pagination /Subtype /{kind}>> BDC")
        else:
            canvas.addLiteral(f"/Artifact <</Type /{kind}>> BDC")
        self._open = MarkedContent(-1, -1)
        try:
            yield
        finally:
            canvas.addLiteral("EMC")
            self._open = None

    def pages(self) -> dict[int, int]:
        """Each page's number of MCIDs."""
        return dict(self._next_mcid)


_ACTIVE: ContextVar[Tagger | None] = ContextVar("bundle_tagger", default=None)


@contextmanager
def recording(tagger: Tagger) -> Iterator[Tagger]:
    """Make ``tagger`` the one the drawing helpers below record into."""
    token = _ACTIVE.set(tagger)
    try:
        yield tagger
    finally:
        _ACTIVE.reset(token)


def active() -> Tagger | None:
    return _ACTIVE.get()


@contextmanager
def element(
    role: str,
    canvas: Canvas | None = None,
    *,
    alt: str | None = None,
    attributes: Mapping[str, str | int] | None = None,
) -> Iterator[Element | None]:
    """A structure element under the current one. With ``canvas``, what is drawn inside is its
    content (a leaf); without, its kids are the elements opened inside.

    A paragraph in a table cell is no element of its own: it is the cell's content (fewer
    objects for a validator to read, and a screen reader announces the cell's text alike)."""
    tagger = _ACTIVE.get()
    if tagger is None:
        yield None
        return
    if role == "P" and canvas is not None and tagger.current.role in CELLS:
        with tagger.mark(canvas, tagger.current):
            yield tagger.current
        return
    new = tagger.add(role, alt=alt, attributes=attributes)
    with tagger.enter(new):
        if canvas is None:
            yield new
        else:
            with tagger.mark(canvas, new):
                yield new


@contextmanager
def mark(canvas: Canvas, target: Element | None) -> Iterator[None]:
    """Content of an element opened earlier (``target`` None: nothing is recorded)."""
    tagger = _ACTIVE.get()
    if tagger is None or target is None:
        yield
        return
    with tagger.mark(canvas, target):
        yield


@contextmanager
def artifact(canvas: Canvas, kind: str = "Layout") -> Iterator[None]:
    """Page furniture (``Layout``), or a running ``Header`` / ``Footer``: not read aloud."""
    tagger = _ACTIVE.get()
    if tagger is None:
        yield
        return
    with tagger.artifact(canvas, kind):
        yield


# --- writing the tree -----------------------------------------------------------------------


def write_structure(doc: pikepdf.Pdf, tagger: Tagger, *, title: str) -> None:
    pages = list(doc.pages)
    counts = tagger.pages()
    parents: dict[int, list[pikepdf.Object | None]] = {
        page: [None] * count for page, count in counts.items()
    }
    tree_root = doc.make_indirect(Dictionary(Type=Name.StructTreeRoot))

    def build(node: Element, parent: pikepdf.Object) -> pikepdf.Object:
        item = doc.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name("/" + node.role), P=parent)
        )
        if node.alt is not None:
            item.Alt = String(node.alt)
        if node.attributes:
            # Only table attributes are used: a header cell's scope, a cell's column span.
            attributes = Dictionary(O=Name.Table)
            for key, value in node.attributes.items():
                attributes[Name("/" + key)] = Name("/" + value) if isinstance(value, str) else value
            item.A = attributes
        kids = Array()
        first_page = next((k.page for k in node.kids if isinstance(k, MarkedContent)), None)
        if first_page is not None:
            item.Pg = pages[first_page].obj
        for kid in node.kids:
            if isinstance(kid, Element):
                kids.append(build(kid, item))
                continue
            if kid.page == first_page:
                kids.append(kid.mcid)
            else:
                kids.append(Dictionary(Type=Name.MCR, Pg=pages[kid.page].obj, MCID=kid.mcid))
            parents[kid.page][kid.mcid] = item
        # One content item alone is written as itself, as most writers do.
        item.K = kids[0] if len(kids) == 1 and isinstance(node.kids[0], MarkedContent) else kids
        return item

    tree_root.K = build(tagger.root, tree_root)
    nums = Array()
    for index, page in enumerate(pages):
        page.obj.StructParents = index
        owners = parents.get(index, [])
        if any(owner is None for owner in owners):
            raise BundleError(f"page {index + 1} has marked content that no element owns")
        nums.append(index)
        nums.append(doc.make_indirect(Array(owners)))
        page.obj.Tabs = Name.S
    tree_root.ParentTree = doc.make_indirect(Dictionary(Nums=nums))
    tree_root.ParentTreeNextKey = len(pages)
    root = doc.Root
    root.StructTreeRoot = tree_root
    root.MarkInfo = Dictionary(Marked=True)
    root.Lang = String(LANGUAGE)
    root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    doc.docinfo.Title = String(title)
    with doc.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
