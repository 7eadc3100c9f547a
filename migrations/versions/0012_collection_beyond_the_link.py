"""Collection beyond the link: how each response was collected and who entered it; archived surveys; paper
questionnaires in double entry.

``responses.channel`` (web | import | demo) becomes ``responses.mode`` (online | paper | phone | import): the
demo's simulated answers and the web's are both answers through the personal link. ``surveys.state`` is a
VARCHAR(10) that now also holds ``archived``; its column needs no change.

Revision ID: 0012
Revises: 0006
Create Date: 2026-11-28 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.alter_column('channel', new_column_name='mode', existing_type=sa.String(length=10),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_responses_entered_by_id_users'), 'users', ['entered_by_id'],
                                    ['id'])
    op.execute("UPDATE responses SET mode = 'online' WHERE mode IN ('web', 'demo')")
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('paper_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('first_answers', sa.JSON(), nullable=False),
    sa.Column('first_by_id', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('second_answers', sa.JSON(), nullable=True),
    sa.Column('second_by_id', sa.Integer(), nullable=True),
    sa.Column('second_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['first_by_id'], ['users.id'], name=op.f('fk_paper_entries_first_by_id_users')),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_paper_entries_invitation_id_invitations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['second_by_id'], ['users.id'], name=op.f('fk_paper_entries_second_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entries')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_paper_entries_invitation_id'))
    )


def downgrade():
    op.drop_table('paper_entries')
    op.execute("UPDATE surveys SET state = 'closed' WHERE state = 'archived'")
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
    # paper and phone answers were typed in by an evaluator: before this revision that was an import
    op.execute("UPDATE responses SET mode = 'import' WHERE mode IN ('paper', 'phone')")
    op.execute("UPDATE responses SET mode = 'web' WHERE mode = 'online'")
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_responses_entered_by_id_users'), type_='foreignkey')
        batch_op.drop_column('entered_at')
        batch_op.drop_column('entered_by_id')
        batch_op.alter_column('mode', new_column_name='channel', existing_type=sa.String(length=10),
                              existing_nullable=False)
