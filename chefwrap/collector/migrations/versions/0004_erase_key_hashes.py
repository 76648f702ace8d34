"""Erasure needs proof: each event keeps the SHA-256 of its session's erase key, when its client sent
one (chefwrap's does; Chef's own gem does not). Events stored before have none: only the operator
erases them (`chefwrap collector erase`).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("events", sa.Column("erase_key_sha256", sa.String(64)))
