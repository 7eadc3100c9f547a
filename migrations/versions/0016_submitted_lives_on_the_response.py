""""Submitted" has one home, the response (its state and time): the invitation's copy of the time goes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 12:05:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('submitted_at')


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE invitations SET submitted_at = (SELECT responses.submitted_at FROM responses "
               "WHERE responses.invitation_id = invitations.id AND responses.state = 'submitted')")
