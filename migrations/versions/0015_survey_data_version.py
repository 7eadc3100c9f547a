"""Surveys carry a data version, raised by every write that can move a figure: the unchanged-survey check reads
one row instead of aggregating the responses.

Revision ID: 0015
Revises: 0006
Create Date: 2026-11-28 09:15:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('data_version')
