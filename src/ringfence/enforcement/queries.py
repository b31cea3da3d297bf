"""Reading cases: lists, one case, its events, the CSV export and the evidence pack."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core import spreadsheet
from ringfence.core.audit import AuditEvent
from ringfence.core.security import Principal
from ringfence.core.settings import Settings
from ringfence.enforcement._common import OPENERS, _cases_query, _get_case, _require
from ringfence.enforcement.enums import CaseStatus
from ringfence.enforcement.models import Appeal, Case, Evidence, Notice
from ringfence.enforcement.notices import deliveries
from ringfence.enforcement.schemas import AppealOut, CaseDetail, CaseOut, EvidenceOut, NoticeOut

# --------------------------------------------------------------------------- queries


def list_cases(
    session: Session,
    *,
    principal: Principal,
    status: Sequence[CaseStatus] = (),
    seller_id: str | None = None,
    queue: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[CaseOut]:
    """Cases the principal may see. ``queue``: the review queue, open and escalated cases,
    trusted reporters first, then by risk, then by reach, oldest first."""
    _require(principal, OPENERS, "see enforcement cases")
    query = _cases_query(principal, status, seller_id)
    if queue:
        query = query.where(Case.status.in_([CaseStatus.open, CaseStatus.escalated])).order_by(
            Case.trusted.desc(), Case.risk.desc(), Case.reach.desc(), Case.id
        )
    else:
        query = query.order_by(Case.id)
    return [CaseOut.model_validate(c) for c in session.scalars(query.limit(limit).offset(offset))]


def get_case(session: Session, *, principal: Principal, case_id: int) -> CaseDetail:
    case = _get_case(session, principal, case_id)
    evidence = session.scalars(
        select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)
    )
    notices = session.scalars(select(Notice).where(Notice.case_id == case.id).order_by(Notice.id))
    appeal = session.scalars(select(Appeal).where(Appeal.case_id == case.id)).one_or_none()
    return CaseDetail(
        **CaseOut.model_validate(case).model_dump(),
        evidence=[EvidenceOut.model_validate(e) for e in evidence],
        notices=[NoticeOut.model_validate(n) for n in notices],
        appeal=AppealOut.model_validate(appeal) if appeal else None,
    )


def case_events(session: Session, *, principal: Principal, case_id: int) -> list[AuditEvent]:
    case = _get_case(session, principal, case_id)
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.rights_holder_id == case.rights_holder_id,
                AuditEvent.case_id == case.id,
            )
            .order_by(AuditEvent.seq)
        )
    )


# --------------------------------------------------------------------------- exports

CSV_COLUMNS = (
    "id",
    "rights_holder",
    "status",
    "subject",
    "source",
    "marketplace",
    "listing_id",
    "listing_version",
    "seller_id",
    "title",
    "marks",
    "territories",
    "risk",
    "reach",
    "reporter",
    "decision",
    "reason_code",
    "decided_at",
    "created_at",
)


def export_csv(session: Session, *, principal: Principal, status: Sequence[CaseStatus] = ()) -> str:
    """Every case the principal sees, as CSV (one row per case, lists joined by ``;``)."""
    _require(principal, OPENERS, "export cases")
    out = io.StringIO()
    writer = spreadsheet.Writer(out)  # formulas neutralised, lists joined by ";"
    writer.writerow(CSV_COLUMNS)
    for case in session.scalars(_cases_query(principal, status, None).order_by(Case.id)):
        row = CaseOut.model_validate(case).model_dump(mode="json")
        writer.writerow([row[c] for c in CSV_COLUMNS])
    return out.getvalue()


def evidence_pack(
    session: Session, *, principal: Principal, case_id: int, settings: Settings
) -> bytes:
    """A zip for customs or a court: ``case.json`` (the case, its evidence, notices, delivery
    log, appeal and its audit events with their hashes) and ``files/<sha256>`` for each
    uploaded file, whose hashes the manifest lists."""
    detail = get_case(session, principal=principal, case_id=case_id)
    trail = case_events(session, principal=principal, case_id=case_id)
    log = deliveries(session, principal=principal, case_id=case_id)
    files: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] = {
        "case": detail.model_dump(mode="json"),
        "deliveries": [
            {
                "notice": d.notice_id,
                "attempt": d.attempt,
                "at": d.at.isoformat(),
                "ok": d.ok,
                "status_code": d.status_code,
                "error": d.error,
            }
            for d in log
        ],
        "audit": [
            {"seq": e.seq, "hash": e.hash, "prev_hash": e.prev_hash, "body": json.loads(e.body)}
            for e in trail
        ],
        "files": files,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
        for ev in detail.evidence:
            if ev.sha256 is None:
                continue
            path = Path(settings.evidence_dir) / ev.sha256
            if path.is_file():
                pack.write(path, f"files/{ev.sha256}")
                files[ev.sha256] = {"filename": ev.filename, "present": True}
            else:
                files[ev.sha256] = {"filename": ev.filename, "present": False}
        pack.writestr("case.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return buffer.getvalue()
