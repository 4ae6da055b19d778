"""SQLAlchemy models: one-api's tables with integer ids (SCOPE §2)."""
from .base import (ChannelStatus, LogType, RedemptionStatus, Role, TokenStatus, TransactionStatus,
                   UserStatus, now_ms, now_s)
from .channel import Ability, Channel
from .log import Log
from .misc import Option, Redemption, TokenTransaction, UserRequestCost
from .token import Token
from .user import User

__all__ = [
    "Ability", "Channel", "ChannelStatus", "Log", "LogType", "Option", "Redemption",
    "RedemptionStatus", "Role", "Token", "TokenStatus", "TokenTransaction", "TransactionStatus",
    "User", "UserRequestCost", "UserStatus", "now_ms", "now_s",
]
