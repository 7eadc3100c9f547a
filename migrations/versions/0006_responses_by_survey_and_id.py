"""Responses indexed by survey and id, for the keyset reads of the streamed exports.

Replaces the index on survey_id alone, which the new one covers as its prefix.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 08:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_survey_id_id', ['survey_id', 'id'], unique=False)
        batch_op.drop_index('ix_responses_survey_id')


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_survey_id', ['survey_id'], unique=False)
        batch_op.drop_index('ix_responses_survey_id_id')
