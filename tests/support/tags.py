"""Reading a tagged PDF back: its structure tree (pikepdf), each page's marked content and the
text drawn inside each marked-content sequence (pypdf's text extraction, told where each
sequence begins and ends), for the bundle's accessibility tests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import pikepdf
from pypdf import PdfReader

# Operators that put something on the page: text, paths, shadings, XObjects, inline images
# (as pikepdf names them).
PAINTING = {
    "Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do",
    "INLINE IMAGE",
}  # fmt: skip
ARTIFACT = -1


@dataclass
class Node:
    """One structure element as read back."""

    role: str
    alt: str | None
    attributes: dict[str, Any]
    kids: list[Node] = field(default_factory=list)
    content: list[tuple[int, int]] = field(default_factory=list)  # (page, MCID)

    def walk(self) -> Iterator[Node]:
        yield self
        for kid in self.kids:
            yield from kid.walk()


@dataclass
class Tags:
    """What a tagged PDF says about itself and what its pages hold."""

    catalog: dict[str, Any]
    title: str
    root: Node | None
    parent_tree: dict[tuple[int, int], tuple[int, int]]  # (page, MCID) -> element's objgen
    owners: dict[tuple[int, int], tuple[int, int]]  # the same, as the tree's /K entries say
    struct_parents: list[int | None]
    # Per page: the MCIDs in content-stream order, and the painting operators outside any
    # marked-content sequence.
    mcids: list[list[int]]
    unmarked: list[list[str]]
    # (page, MCID, ARTIFACT or None for outside any sequence) -> the text drawn there
    text: dict[tuple[int, int | None], str]

    def text_of(self, node: Node) -> str:
        """The text of an element and its descendants, in reading order."""
        return "".join(self.text.get(item, "") for kid in node.walk() for item in kid.content)


def read_tags(pdf: bytes, *, text: bool = True) -> Tags:
    """The tags of ``pdf``; without ``text`` (much faster), no text is extracted."""
    with pikepdf.open(BytesIO(pdf)) as doc:
        pages = {page.obj.objgen: index for index, page in enumerate(doc.pages)}
        root = doc.Root
        catalog = {
            "Marked": bool(root.get("/MarkInfo", pikepdf.Dictionary()).get("/Marked", False)),
            "Lang": str(root.get("/Lang", "")),
            "DisplayDocTitle": bool(
                root.get("/ViewerPreferences", pikepdf.Dictionary()).get("/DisplayDocTitle", False)
            ),
        }
        title = str(doc.docinfo.get("/Title", ""))
        tree = root.get("/StructTreeRoot")
        owners: dict[tuple[int, int], tuple[int, int]] = {}
        parent_tree: dict[tuple[int, int], tuple[int, int]] = {}
        top = None
        if tree is not None:
            top = _node(tree.K, pages, owners, None)
            nums = list(tree.ParentTree.Nums)
            for key, value in zip(nums[::2], nums[1::2], strict=True):
                for mcid, owner in enumerate(value):
                    parent_tree[(int(key), mcid)] = owner.objgen
        struct_parents = [
            int(page.obj.StructParents) if "/StructParents" in page.obj else None
            for page in doc.pages
        ]
        mcids, unmarked = [], []
        for page in doc.pages:
            found, outside = _marked_content(page)
            mcids.append(found)
            unmarked.append(outside)
    texts = _texts(pdf) if text else {}
    return Tags(catalog, title, top, parent_tree, owners, struct_parents, mcids, unmarked, texts)


def _node(
    obj: Any,
    pages: dict[tuple[int, int], int],
    owners: dict[tuple[int, int], tuple[int, int]],
    page: int | None,
) -> Node:
    alt = obj.get("/Alt")
    attributes = {str(k)[1:]: v for k, v in obj.get("/A", {}).items()} if "/A" in obj else {}
    node = Node(str(obj.S)[1:], None if alt is None else str(alt), attributes)
    if "/Pg" in obj:
        page = pages[obj.Pg.objgen]
    kids = obj.get("/K")
    items = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    for kid in items:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR:
            item = (pages[kid.Pg.objgen], int(kid.MCID))
        elif isinstance(kid, pikepdf.Dictionary):
            node.kids.append(_node(kid, pages, owners, page))
            continue
        else:
            assert page is not None, f"{node.role} has content but no page"
            item = (page, int(kid))
        node.content.append(item)
        owners[item] = obj.objgen
    return node


def _marked_content(page: pikepdf.Page) -> tuple[list[int], list[str]]:
    depth: list[int | None] = []
    mcids, outside = [], []
    for instruction in pikepdf.parse_content_stream(page):
        operands, op = instruction.operands, str(instruction.operator)
        if op == "BDC":
            props = operands[1]
            mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
            depth.append(None if mcid is None else int(mcid))
            if mcid is not None:
                mcids.append(int(mcid))
        elif op == "BMC":
            depth.append(None)
        elif op == "EMC":
            depth.pop()
        elif op in PAINTING and not depth:
            outside.append(op)
    return mcids, outside


def _texts(pdf: bytes) -> dict[tuple[int, int | None], str]:
    texts: dict[tuple[int, int | None], str] = defaultdict(str)
    for number, page in enumerate(PdfReader(BytesIO(pdf)).pages):
        stack: list[int] = []

        def before(op: bytes, args: Any, _cm: Any, _tm: Any, stack: list[int] = stack) -> None:
            if op == b"BDC":
                props = args[1]
                mcid = props.get("/MCID") if hasattr(props, "get") else None
                stack.append(ARTIFACT if mcid is None else int(mcid))
            elif op == b"BMC":
                stack.append(ARTIFACT)
            elif op == b"EMC":
                stack.pop()

        def text(chunk: str, *_args: Any, number: int = number, stack: list[int] = stack) -> None:
            texts[(number, stack[-1] if stack else None)] += chunk

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return dict(texts)
