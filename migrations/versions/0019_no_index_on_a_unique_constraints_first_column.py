"""Seven indexes on one column go: each column is the first of a unique constraint whose own index serves every
look-up by that column (both databases index a unique constraint), and each row written wrote both.

invitations.survey_id, roster_units.roster_id, questionnaire_versions.key, mail_templates.survey_id,
reminder_rules.survey_id, reminder_runs.rule_id, report_files.survey_id.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 03:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

#: (table, column) whose single-column index the unique constraint beginning with that column makes redundant
COVERED = [
    ('invitations', 'survey_id'),
    ('roster_units', 'roster_id'),
    ('questionnaire_versions', 'key'),
    ('mail_templates', 'survey_id'),
    ('reminder_rules', 'survey_id'),
    ('reminder_runs', 'rule_id'),
    ('report_files', 'survey_id'),
]


def upgrade():
    for table, column in COVERED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))


def downgrade():
    for table, column in COVERED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)
