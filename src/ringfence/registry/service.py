"""Registry queries and commands, scoped to the principal asking.

Services take the session keyword-only and never commit: the request or CLI command is the unit
of work. Scoping is enforced here, not in the routers: a party that may not see a row gets
NotFound (its existence is not revealed); one that may see it but not change it gets Forbidden.

This module is the package's public facade: it re-exports the queries and commands of the
modules that hold them, one per aggregate (``parties``, ``marks``, ``licences``, ``images``,
``documents`` for import and export, ``revisions``; ``mapping`` and ``validation`` hold the
ORM <-> schema code and the document validator, ``_common`` the scoping rules), so that callers
keep writing ``from ringfence.registry import service`` and ``service.save_mark(...)``. It
defines nothing itself. Modules inside the package import each other directly, never through
it. ``_bump_revision`` is re-exported for ``editions/bundle.py``, which imports it by name.
"""

from __future__ import annotations

from ringfence.registry._common import (
    DIRECTORY,
    manages,
)
from ringfence.registry.documents import (
    ImportSummary,
    compile_index,
    export_document,
    import_document,
    list_categories,
    list_editions,
)
from ringfence.registry.images import (
    delete_image,
    list_images,
    save_images,
)
from ringfence.registry.licences import (
    delete_licence,
    get_licence,
    licences_in_force,
    list_licences,
    save_licence,
)
from ringfence.registry.mapping import (
    RATE_QUANTUM,
    category_out,
    edition_out,
    exception_out,
    image_out,
    licence_out,
    mark_image_out,
    mark_out,
    party_out,
)
from ringfence.registry.marks import (
    delete_exception,
    delete_mark,
    get_mark,
    list_marks,
    save_mark,
)
from ringfence.registry.parties import (
    delete_party,
    get_party,
    list_parties,
    save_party,
)
from ringfence.registry.revisions import (
    RegistryRevision,
    _bump_revision,
    current_revision,
    registry_changed,
)
from ringfence.registry.validation import (
    LICENSORS,
    Loc,
    S,
)

__all__ = [
    "DIRECTORY",
    "LICENSORS",
    "RATE_QUANTUM",
    "ImportSummary",
    "Loc",
    "RegistryRevision",
    "S",
    "_bump_revision",
    "category_out",
    "compile_index",
    "current_revision",
    "delete_exception",
    "delete_image",
    "delete_licence",
    "delete_mark",
    "delete_party",
    "edition_out",
    "exception_out",
    "export_document",
    "get_licence",
    "get_mark",
    "get_party",
    "image_out",
    "import_document",
    "licence_out",
    "licences_in_force",
    "list_categories",
    "list_editions",
    "list_images",
    "list_licences",
    "list_marks",
    "list_parties",
    "manages",
    "mark_image_out",
    "mark_out",
    "party_out",
    "registry_changed",
    "save_images",
    "save_licence",
    "save_mark",
    "save_party",
]
