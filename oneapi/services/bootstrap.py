"""First start: an empty users table gets root / 123456 (and the optional seeded keys)."""
from __future__ import annotations

import logging

from sqlalchemy import func

from ..config import Settings
from ..extensions import db
from ..models import Role, Token, User, UserStatus, now_s
from .security import hash_password, new_access_token, new_aff_code

log = logging.getLogger(__name__)
ROOT_QUOTA = 500_000_000_000_000


def bootstrap_root(settings: Settings) -> User | None:
    if db.session.execute(db.select(func.count(User.id))).scalar_one() > 0:
        return None
    root = User(
        username="root",
        password=hash_password("123456"),
        display_name="Root User",
        role=int(Role.ROOT),
        status=int(UserStatus.ENABLED),
        quota=ROOT_QUOTA,
        access_token=settings.initial_root_access_token or new_access_token(),
        aff_code=new_aff_code(),
        group="default",
    )
    db.session.add(root)
    db.session.flush()
    if settings.initial_root_token:
        key = settings.initial_root_token
        for prefix in (settings.token_key_prefix, "sk-", "laisky-"):
            if key.startswith(prefix):
                key = key[len(prefix):]
        db.session.add(Token(user_id=root.id, key=key, name="Initial Root Token", unlimited_quota=True,
                             remain_quota=0, expired_time=-1, created_time=now_s(), accessed_time=now_s()))
    db.session.commit()
    log.warning("created the root user (username root, password 123456): change the password now")
    return root
