"""A correction: which parts of the form the named fields let the applicant change, and the
case's form with the corrected parts put in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from onestop.common.v1 import common_pb2
from portal.formdata.fields import MULTI, ROWS, SIMPLE, Fields, ancestors, under
from portal.formdata.layout import Section


@dataclass(frozen=True)
class Scope:
    """What a correction may change: form paths, as the update mask sends them (empty: the
    whole form)."""

    paths: tuple[str, ...]

    @property
    def whole(self) -> bool:
        return not self.paths

    def holds(self, name: str) -> bool:
        return self.whole or any(under(name, p) for p in self.paths)

    def shows(self, section: Section) -> bool:
        return self.whole or any(
            under(p, s) or under(s, p) for p in self.paths for s in section.paths
        )


_LISTS = ("shareholders", "officers", "employees", "business_scope", "seals")
_LISTS_IN = ("invoice.kinds", "commitment.materials")


def correction_scope(rejections: Iterable[common_pb2.Rejection]) -> Scope:
    """The form paths the named fields ask to correct: a field of a list takes the whole list
    ("employees[1].person.id_number" → "employees"), a field the page has no input for takes
    its nearest part that has inputs ("domicile.district" → "domicile"); "form" is the whole."""
    paths: list[str] = []
    for rejection in rejections:
        path = _scope_path(rejection.field.removeprefix("form.").removeprefix("form"))
        if not path:
            return Scope(())
        if path not in paths:
            paths.append(path)
    kept = [p for p in paths if not any(q != p and under(p, q) for q in paths)]
    return Scope(tuple(kept))


def _scope_path(path: str) -> str:
    for group in (*_LISTS_IN, *_LISTS):
        if under(path, group):
            return group
    inputs = set(SIMPLE) | MULTI
    for candidate in ancestors(path):
        if any(under(name, candidate) for name in inputs):
            return candidate
    return ""


def corrected(base: Mapping[str, str], posted: Mapping[str, str], scope: Scope) -> Fields:
    """The case's form with the posted inputs of ``scope`` taking the place of its own."""
    if scope.whole:
        return dict(posted)
    merged = {k: v for k, v in base.items() if not scope.holds(k)}
    merged.update({k: v for k, v in posted.items() if scope.holds(k)})
    for group in ROWS:
        if not scope.holds(f"rows.{group}"):
            merged[f"rows.{group}"] = base.get(f"rows.{group}", "")
    return merged
