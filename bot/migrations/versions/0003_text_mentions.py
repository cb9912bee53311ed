"""text mentions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

Which stored text (incident summary or working note, timeline update, answer text, date
rule) names which channel, so "text that names a channel follows the channel"; and an
optional list of other names per channel (channels.aliases) that prose uses for it.
"""

from alembic import context, op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aliases', sa.JSON(), nullable=True))

    op.create_table('text_mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('incident_update_id', sa.Integer(), nullable=True),
    sa.Column('answer_text_id', sa.Integer(), nullable=True),
    sa.Column('date_rule_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('found_text', sa.Text(), nullable=False),
    sa.Column('span_start', sa.Integer(), nullable=False),
    sa.Column('span_end', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_text_id'], ['answer_texts.id'], name=op.f('fk_text_mentions_answer_text_id_answer_texts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_text_mentions_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['date_rule_id'], ['date_rules.id'], name=op.f('fk_text_mentions_date_rule_id_date_rules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_text_mentions_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_update_id'], ['incident_updates.id'], name=op.f('fk_text_mentions_incident_update_id_incident_updates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_mentions'))
    )
    with op.batch_alter_table('text_mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_text_mentions_channel_id'), ['channel_id'], unique=False)

    if not context.is_offline_mode():
        _link_stored_texts()


#: The texts that name channels, by table: (owner column in text_mentions, text columns).
_TEXTS = {
    'incidents': ('incident_id', ('summary', 'working_note')),
    'incident_updates': ('incident_update_id', ('body',)),
    'answer_texts': ('answer_text_id', ('text',)),
    'date_rules': ('date_rule_id', ('text',)),
}


def _link_stored_texts() -> None:
    """Link the texts already stored; from now on the services link each text on save.

    Uses the matcher of this code base (bot.services.mentions.find) on plain rows.
    """
    from types import SimpleNamespace

    from bot.services.mentions import find

    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT id, key, name, kind, contact, status FROM channels'))
    channels = [SimpleNamespace(**dict(r._mapping), aliases=None) for r in rows]
    ids = {c.key: c.id for c in channels}
    mentions = sa.table(
        'text_mentions',
        sa.column('channel_id', sa.Integer()),
        sa.column('incident_id', sa.Integer()),
        sa.column('incident_update_id', sa.Integer()),
        sa.column('answer_text_id', sa.Integer()),
        sa.column('date_rule_id', sa.Integer()),
        sa.column('field', sa.String()),
        sa.column('found_text', sa.Text()),
        sa.column('span_start', sa.Integer()),
        sa.column('span_end', sa.Integer()),
    )
    values = []
    for table, (owner, fields) in _TEXTS.items():
        for row in bind.execute(sa.text(f'SELECT id, {", ".join(fields)} FROM {table}')):
            data = dict(row._mapping)
            for field in fields:
                for m in find(channels, data[field]):
                    values.append({
                        'channel_id': ids[m.channel_key],
                        'incident_id': None,
                        'incident_update_id': None,
                        'answer_text_id': None,
                        'date_rule_id': None,
                        owner: data['id'],
                        'field': field,
                        'found_text': m.found_text,
                        'span_start': m.span[0],
                        'span_end': m.span[1],
                    })
    if values:
        op.bulk_insert(mentions, values)


def downgrade() -> None:
    with op.batch_alter_table('text_mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_text_mentions_channel_id'))

    op.drop_table('text_mentions')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('aliases')
