"""The application form as the browser sends it (flat ``name → text`` fields, named after the
paths the platform's rejections use) and its conversion to and from ``ApplicationForm``.

Field names are the proto paths without the ``form.`` prefix, e.g.
``shareholders[1].person.id_number``, so a Rejection's field tells exactly where it belongs.
Values are kept exactly as typed (drafts, re-rendered forms); multi-valued fields (check-box
groups) are joined with newlines.

The parts, each importable on its own and all re-exported here (``formdata.to_proto``):

- ``fields``: which inputs exist, reading a posted form, defaults, adding and removing rows;
- ``convert``: inputs to an ``ApplicationForm`` and back;
- ``layout``: the page's sections and where each rejection is shown;
- ``labels``: what a form path is called on the page;
- ``required_inputs``: the required marks and the required inputs left empty;
- ``corrections``: what a correction may change, and the corrected form.
"""

from __future__ import annotations

from portal.formdata.convert import (
    Converted,
    from_proto,
    to_proto,
)
from portal.formdata.corrections import (
    Scope,
    corrected,
    correction_scope,
)
from portal.formdata.fields import (
    CONTRIBUTION_FORMS,
    DEFAULT_ROWS,
    ENTERPRISE_TYPES,
    ID_TYPES,
    INVOICE_KINDS,
    MAX_VALUE,
    MESSAGE_ROW,
    MULTI,
    OFFICER_ROLES,
    ROW_FIELDS,
    ROW_KEY,
    ROWS,
    SEAL_KINDS,
    SECTIONS,
    SIMPLE,
    Fields,
    add_row,
    allowed,
    ancestors,
    defaults,
    field_names,
    from_multidict,
    remove_row,
    row_defaults,
    row_is_empty,
    rows,
    template_fields,
    title,
    under,
    values,
    within,
)
from portal.formdata.labels import (
    LABELS,
    PERSON_FIELDS,
    PERSONS,
    Label,
    label_of,
)
from portal.formdata.layout import (
    ANCHORS,
    PAGE_SECTIONS,
    SECTION_BY_KEY,
    Problem,
    Section,
    dom_id,
    page_order,
    place,
)
from portal.formdata.required_inputs import (
    CHOSEN,
    REQUIRED,
    REQUIRED_IN_ROW,
    missing,
    required,
)

__all__ = [
    "ANCHORS",
    "CHOSEN",
    "CONTRIBUTION_FORMS",
    "DEFAULT_ROWS",
    "ENTERPRISE_TYPES",
    "ID_TYPES",
    "INVOICE_KINDS",
    "LABELS",
    "MAX_VALUE",
    "MESSAGE_ROW",
    "MULTI",
    "OFFICER_ROLES",
    "PAGE_SECTIONS",
    "PERSONS",
    "PERSON_FIELDS",
    "REQUIRED",
    "REQUIRED_IN_ROW",
    "ROWS",
    "ROW_FIELDS",
    "ROW_KEY",
    "SEAL_KINDS",
    "SECTIONS",
    "SECTION_BY_KEY",
    "SIMPLE",
    "Converted",
    "Fields",
    "Label",
    "Problem",
    "Scope",
    "Section",
    "add_row",
    "allowed",
    "ancestors",
    "corrected",
    "correction_scope",
    "defaults",
    "dom_id",
    "field_names",
    "from_multidict",
    "from_proto",
    "label_of",
    "missing",
    "page_order",
    "place",
    "remove_row",
    "required",
    "row_defaults",
    "row_is_empty",
    "rows",
    "template_fields",
    "title",
    "to_proto",
    "under",
    "values",
    "within",
]
