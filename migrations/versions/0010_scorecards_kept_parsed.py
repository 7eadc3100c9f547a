"""Scorecards kept parsed: the data read once at upload, so no view reads the YAML again.

Existing scorecards are read with the strict reader (analysis/documents.py); one it refuses (anchors and aliases,
too large, too deep) keeps an empty definition, which its page reports as having no indicators.

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-28 09:10:00

"""
from alembic import op
import sqlalchemy as sa

from analysis.documents import DocumentError, plain_copy, read_document


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None

scorecards = sa.table('scorecards', sa.column('id', sa.Integer), sa.column('filename', sa.String),
                      sa.column('source', sa.Text), sa.column('definition', sa.JSON))


def upgrade():
    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('definition', sa.JSON(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(scorecards.c.id, scorecards.c.filename, scorecards.c.source)).all():
        try:
            definition = plain_copy(read_document(row.source, row.filename))
        except DocumentError:
            definition = {}
        connection.execute(scorecards.update().where(scorecards.c.id == row.id).values(definition=definition))
    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.alter_column('definition', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.drop_column('definition')
