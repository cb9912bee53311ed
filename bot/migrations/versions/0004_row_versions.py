"""row versions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Every editable row (channels, routes, incidents, incident updates, data freshness notes,
date rules, answer texts) carries an integer version: 1 for rows already stored, one more
on every change. Writers compare-and-swap on it, and the HTTP API sends it as the ETag
that If-Match checks, so two editors can no longer overwrite each other unseen.
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLES = (
    'channels',
    'routes',
    'incidents',
    'incident_updates',
    'data_freshness',
    'date_rules',
    'answer_texts',
)


def upgrade() -> None:
    for table in TABLES:
        # A plain string default: SQLite adds the column in place (no table copy).
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), server_default='1', nullable=False)
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in TABLES:
        if sqlite:
            # SQLite >= 3.35 drops a column in place; batch mode would copy the table, and
            # dropping the original with foreign keys on would cascade to routes etc.
            op.execute(f'ALTER TABLE {table} DROP COLUMN version')
        else:
            op.drop_column(table, 'version')
