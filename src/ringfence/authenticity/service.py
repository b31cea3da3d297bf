"""Authenticity: signing keys, products, issuance, recalls, sales, verification and scans.

Services take the session keyword-only and never commit. Scoping: the admin sees everything; a
licensee (role) its own products and batches; a rights holder (IOC, OCOG, NOC) its own keys and
the batches it signed, and the products of the licensees it manages. Role and party both count.
Rows a principal may not see are 404.

This module is the package's public facade: it re-exports the commands and queries of the
modules that hold them, one per aggregate (``keys``, ``products``, ``batches``,
``verification``), so that callers keep writing ``from ringfence.authenticity import service``
and ``service.verify(...)``. It defines nothing itself. Modules inside the package import each
other directly, never through it.
"""

from __future__ import annotations

from ringfence.authenticity.batches import (
    IssuedBatch,
    batch_code,
    batch_codes,
    get_batch,
    issue_batch,
    list_batches,
    mark_sold,
    printed_code,
    recall_batch,
    unit_scans,
)
from ringfence.authenticity.keys import (
    LICENSORS,
    list_keys,
    published_keys,
    revoke_key,
    rotate_key,
)
from ringfence.authenticity.products import (
    get_product,
    list_products,
    register_product,
)
from ringfence.authenticity.verification import (
    MESSAGES,
    ScanRequest,
    Verification,
    verify,
)

__all__ = [
    "LICENSORS",
    "MESSAGES",
    "IssuedBatch",
    "ScanRequest",
    "Verification",
    "batch_code",
    "batch_codes",
    "get_batch",
    "get_product",
    "issue_batch",
    "list_batches",
    "list_keys",
    "list_products",
    "mark_sold",
    "printed_code",
    "published_keys",
    "recall_batch",
    "register_product",
    "revoke_key",
    "rotate_key",
    "unit_scans",
    "verify",
]
