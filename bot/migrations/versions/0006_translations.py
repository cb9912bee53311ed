"""translations

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Stored prose in other languages than English (Spanish first): one row per field of a
translated row, approved per language where the field needs it (the data-impact
statement). Linked to the channels it names like every stored text
(text_mentions.translation_id).
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=32), nullable=False),
    sa.Column('owner_key', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=120), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_translations')),
    sa.UniqueConstraint('owner', 'owner_key', 'field', 'language',
                        name=op.f('uq_translations_owner')),
    )
    with op.batch_alter_table('text_mentions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_text_mentions_translation_id_translations'),
            'translations', ['translation_id'], ['id'], ondelete='CASCADE',
        )


def downgrade() -> None:
    op.execute('DELETE FROM text_mentions WHERE translation_id IS NOT NULL')
    with op.batch_alter_table('text_mentions', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_text_mentions_translation_id_translations'), type_='foreignkey',
        )
        batch_op.drop_column('translation_id')
    op.drop_table('translations')
