"""Answers lose their index on response_id alone: the unique (response_id, question_id) constraint's index, which
begins with the same column, serves every look-up of a response's answers, and each answer written wrote both.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 01:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_response_id'))


def downgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_response_id'), ['response_id'], unique=False)
