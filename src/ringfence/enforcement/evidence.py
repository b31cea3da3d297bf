"""Evidence files: the accepted file types, storage on disk, and adding a file to a case."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ringfence.core.errors import InvalidInput
from ringfence.core.files import atomic_write
from ringfence.core.security import Principal
from ringfence.core.settings import Settings
from ringfence.enforcement import events
from ringfence.enforcement._common import FILE_TYPES, _actor, _get_case, _now
from ringfence.enforcement.enums import CASE_FINAL
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Case, Evidence
from ringfence.enforcement.schemas import EvidenceOut


def _add_evidence(
    session: Session,
    case: Case,
    *,
    kind: str,
    data: dict[str, Any],
    actor: str,
    now: datetime,
    appeal_id: int | None = None,
    sha256: str | None = None,
    filename: str | None = None,
    content_type: str | None = None,
    size: int | None = None,
) -> Evidence:
    row = Evidence(
        case_id=case.id,
        appeal_id=appeal_id,
        kind=kind,
        data=data,
        sha256=sha256,
        filename=filename,
        content_type=content_type,
        size=size,
        added_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    events.record_many(
        session, rights_holder_id=case.rights_holder_id, entries=[_evidence_entry(row, actor, now)]
    )
    return row


def _evidence_entry(row: Evidence, actor: str, now: datetime) -> events.Entry:
    payload = {
        "evidence": row.id,
        "evidence_kind": row.kind,
        "sha256": row.sha256,
        "digest": hashlib.sha256(events.canonical_json(row.data).encode()).hexdigest(),
    }
    return events.Entry("evidence.added", actor, now, row.case_id, payload)


# --------------------------------------------------------------------------- evidence files


def store_file(settings: Settings, content: bytes, content_type: str) -> str:
    """Check and store an uploaded file under its sha256; return the hash. The file is written
    to a temporary name and renamed into place: never half-written."""
    if not content:
        raise InvalidInput("the file is empty", code=ErrorCode.EMPTY_FILE)
    if len(content) > settings.evidence_max_bytes:
        raise InvalidInput(
            f"the file is larger than {settings.evidence_max_bytes} bytes",
            code=ErrorCode.FILE_TOO_LARGE,
        )
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    if kind not in FILE_TYPES:
        allowed = ", ".join(FILE_TYPES)
        raise InvalidInput(
            f"content type {kind!r} is not accepted ({allowed})",
            code=ErrorCode.UNSUPPORTED_CONTENT_TYPE,
        )
    magic = FILE_TYPES[kind]
    ok = content.startswith(magic) if magic else _is_utf8(content)
    if kind == "image/webp":
        ok = ok and content[8:12] == b"WEBP"
    if not ok:
        raise InvalidInput(
            f"the file's content is not {kind}", code=ErrorCode.CONTENT_TYPE_MISMATCH, loc=("file",)
        )
    digest = hashlib.sha256(content).hexdigest()
    folder = Path(settings.evidence_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if not target.exists():
        atomic_write(target, [content])
    return digest


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def add_file(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    content: bytes,
    content_type: str,
    filename: str,
    settings: Settings,
    now: datetime | None = None,
) -> EvidenceOut:
    """A screenshot or document from the reporter or the rights holder."""
    case = _get_case(session, principal, case_id)
    if case.status in CASE_FINAL:
        raise InvalidInput("the case is closed", code=ErrorCode.CASE_CLOSED)
    digest = store_file(settings, content, content_type)
    row = _add_evidence(
        session,
        case,
        kind="file",
        data={},
        actor=_actor(principal),
        now=_now(now),
        sha256=digest,
        filename=Path(filename).name[:255] or digest,
        content_type=content_type.split(";", maxsplit=1)[0].strip().lower(),
        size=len(content),
    )
    return EvidenceOut.model_validate(row)
