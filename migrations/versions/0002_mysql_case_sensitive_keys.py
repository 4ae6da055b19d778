"""MySQL/MariaDB: tokens.key and abilities.model compare case-sensitively (binary collation)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 17:50:00

The default utf8mb4 collations of MySQL/MariaDB ignore case: a relay key typed with its case
swapped would authenticate, two keys differing only in case could not coexist, and a channel
serving "Qwen-Max" and "qwen-max" would collide on the abilities primary key. SQLite and
PostgreSQL already compare bytes: nothing to do there. Additive: only the collation changes.
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    from oneapi.services.dbsetup import mysql_case_sensitive_columns

    mysql_case_sensitive_columns(op.get_bind())


def downgrade():
    # The binary collation is what one-api needs; going back would only reintroduce the bug.
    pass
