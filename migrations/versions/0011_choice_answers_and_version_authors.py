"""Choice answers (the option values ticked of a multiple-choice question), who saved a questionnaire version,
and the builder's working drafts.

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-28 09:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'questionnaire_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('history', sa.JSON(), nullable=False),
        sa.Column('based_on_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['based_on_id'], ['questionnaire_versions.id'],
                                name=op.f('fk_questionnaire_drafts_based_on_id_questionnaire_versions'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_questionnaire_drafts_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_drafts')),
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choices', sa.JSON(), nullable=True))
    with op.batch_alter_table('questionnaire_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_questionnaire_versions_created_by_id_users', 'users',
                                    ['created_by_id'], ['id'])


def downgrade():
    op.drop_table('questionnaire_drafts')
    with op.batch_alter_table('questionnaire_versions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_questionnaire_versions_created_by_id_users', type_='foreignkey')
        batch_op.drop_column('created_by_id')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('choices')
