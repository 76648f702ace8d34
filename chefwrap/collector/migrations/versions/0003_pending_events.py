"""Pending events: a table of the events stored but not counted yet. Revision 0005 counts by building
each day from its events instead, and drops the table where an older collector made it: this revision
makes nothing now.

Revision ID: 0003
Revises: 0002
"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    pass
