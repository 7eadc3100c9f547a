"""Scorecards kept in the console (indicator trees scored live from surveys).

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-26 16:11:07.832893

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scorecards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_scorecards_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecards'))
    )


def downgrade():
    op.drop_table('scorecards')
