"""Writing log rows (topup, manage, system, test, consume). Listing/search live with the API."""
from __future__ import annotations

import json
from typing import Any

from ..extensions import db
from ..models import Log, LogType, User, now_s


def record_log(user_id: int, log_type: LogType, content: str, *, username: str | None = None,
               metadata: dict[str, Any] | None = None, **fields: Any) -> Log:
    """Add one log row to the current transaction (flushes; the caller commits)."""
    if username is None and user_id:
        username = db.session.execute(db.select(User.username).where(User.id == user_id)).scalar() or ""
    row = Log(user_id=user_id, created_at=now_s(), type=int(log_type), content=content,
              username=username or "", metadata_=json.dumps(metadata) if metadata else None, **fields)
    db.session.add(row)
    db.session.flush()
    return row
