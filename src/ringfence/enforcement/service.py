"""Enforcement commands and queries, scoped to the principal asking.

Services take the session keyword-only and never commit. Every change writes its audit event in
the same transaction (``events.record``). Every command takes ``now`` so that deadlines can be
tested with an injected clock.

Who may do what:
- admin: everything, every rights holder's cases;
- rights_holder: the cases routed to it (another holder's cases are invisible: 404);
  decides cases and appeals;
- marketplace: opens cases (screening verdicts, buyer reports), sees and confirms the cases on
  its own marketplace;
- licensee: nothing here;
- a seller has no key: it proves itself with the counter-notice token of the case (an HMAC of
  the case id under the server secret, sent in the takedown notice, compared in constant time).

This module is the package's public facade: it re-exports the commands and queries of the
modules that hold them, one per aggregate (``cases`` opening, ``queries``, ``decisions``,
``exceptions``, ``notices``, ``reinstatements``, ``appeals``, ``strikes``, ``reporters``,
``routing``, ``evidence``, ``uploads``; ``_common`` holds the helpers they share), so that
callers keep writing ``from ringfence.enforcement import service`` and
``service.open_case(...)``. It defines nothing itself. Modules inside the package import
each other directly, never through it.
"""

from __future__ import annotations

from ringfence.enforcement._common import (
    ACTIONABLE_VERDICTS,
    ANALYSTS,
    FILE_TYPES,
    IOC,
    OPENERS,
)
from ringfence.enforcement.appeals import (
    add_counter_notice_file,
    decide_appeal,
    file_counter_notice,
    run_deadlines,
    withdraw_counter_notice,
)
from ringfence.enforcement.cases import (
    Screened,
    open_case,
    open_case_from_verdict,
    open_cases,
    open_cases_from_verdicts,
)
from ringfence.enforcement.decisions import (
    CONFIRMED_TAKEDOWNS,
    LOOKALIKE_REASONS,
    REMOVALS,
    UNDO_WINDOW,
    UNDOABLE,
    DecisionExample,
    bulk_decide,
    counter_notice_token,
    decide,
    decision_examples,
    undo_deadline,
    undo_decision,
)
from ringfence.enforcement.evidence import (
    add_file,
    store_file,
)
from ringfence.enforcement.exceptions import (
    PREVIEW_EXAMPLES,
    PREVIEW_LISTINGS,
    KeptVerdicts,
    case_exceptions,
    preview_exception,
    revoke_exception,
)
from ringfence.enforcement.notices import (
    OUTSTANDING,
    confirm_removal,
    deliveries,
    dispatch_notices,
    marketplace_notices,
)
from ringfence.enforcement.queries import (
    CSV_COLUMNS,
    case_events,
    evidence_pack,
    export_csv,
    get_case,
    list_cases,
)
from ringfence.enforcement.reinstatements import (
    can_confirm_reinstatement,
    confirm_reinstatement,
)
from ringfence.enforcement.reporters import (
    reporter_stats,
)
from ringfence.enforcement.routing import (
    route,
)
from ringfence.enforcement.strikes import (
    strikes,
)
from ringfence.enforcement.uploads import (
    UNDECIDED,
    ScreenedListing,
    known_marketplace,
    screen_and_open,
    screen_listings,
    screen_upload,
    upload_marketplace,
)

__all__ = [
    "ACTIONABLE_VERDICTS",
    "ANALYSTS",
    "CONFIRMED_TAKEDOWNS",
    "CSV_COLUMNS",
    "FILE_TYPES",
    "IOC",
    "LOOKALIKE_REASONS",
    "OPENERS",
    "OUTSTANDING",
    "PREVIEW_EXAMPLES",
    "PREVIEW_LISTINGS",
    "REMOVALS",
    "UNDECIDED",
    "UNDOABLE",
    "UNDO_WINDOW",
    "DecisionExample",
    "KeptVerdicts",
    "Screened",
    "ScreenedListing",
    "add_counter_notice_file",
    "add_file",
    "bulk_decide",
    "can_confirm_reinstatement",
    "case_events",
    "case_exceptions",
    "confirm_reinstatement",
    "confirm_removal",
    "counter_notice_token",
    "decide",
    "decide_appeal",
    "decision_examples",
    "deliveries",
    "dispatch_notices",
    "evidence_pack",
    "export_csv",
    "file_counter_notice",
    "get_case",
    "known_marketplace",
    "list_cases",
    "marketplace_notices",
    "open_case",
    "open_case_from_verdict",
    "open_cases",
    "open_cases_from_verdicts",
    "preview_exception",
    "reporter_stats",
    "revoke_exception",
    "route",
    "run_deadlines",
    "screen_and_open",
    "screen_listings",
    "screen_upload",
    "store_file",
    "strikes",
    "undo_deadline",
    "undo_decision",
    "upload_marketplace",
    "withdraw_counter_notice",
]
