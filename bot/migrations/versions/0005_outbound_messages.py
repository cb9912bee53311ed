"""outbound messages

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

The plan's own outgoing communications (automated email templates, IVR prompts, web page
snippets, scheduled campaigns), linked like every stored text to the channels they name
(text_mentions.outbound_message_id), and held while a channel they send people to is down.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('schedule', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('held_reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_messages')),
    sa.UniqueConstraint('key', name=op.f('uq_outbound_messages_key'))
    )
    with op.batch_alter_table('text_mentions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outbound_message_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_text_mentions_outbound_message_id_outbound_messages'),
            'outbound_messages', ['outbound_message_id'], ['id'], ondelete='CASCADE',
        )


def downgrade() -> None:
    # Mentions owned by outbound messages would be orphans once the column is gone.
    op.execute('DELETE FROM text_mentions WHERE outbound_message_id IS NOT NULL')
    with op.batch_alter_table('text_mentions', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_text_mentions_outbound_message_id_outbound_messages'),
            type_='foreignkey',
        )
        batch_op.drop_column('outbound_message_id')
    op.drop_table('outbound_messages')
