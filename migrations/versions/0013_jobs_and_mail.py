"""Background jobs; mail deliveries that are retried with backoff and explain their failures; mail templates;
scheduled reminders; report documents kept per survey data state.

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-28 09:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='job_state', native_enum=False,
                               length=10), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_jobs_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_survey_id'), ['survey_id'], unique=False)

    with op.batch_alter_table('mail_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mail_batches_job_id'), ['job_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_mail_batches_job_id_jobs'), 'jobs', ['job_id'], ['id'],
                                    ondelete='SET NULL')

    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_reason', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.alter_column('attempts', server_default=None)

    op.create_table('mail_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_mail_templates_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_mail_templates_updated_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_templates')),
    sa.UniqueConstraint('survey_id', 'kind', name=op.f('uq_mail_templates_survey_id_kind'))
    )
    with op.batch_alter_table('mail_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_templates_survey_id'), ['survey_id'], unique=False)

    op.create_table('reminder_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('at_time', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_reminder_rules_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_rules')),
    sa.UniqueConstraint('survey_id', 'days_before', 'at_time',
                        name=op.f('uq_reminder_rules_survey_id_days_before_at_time'))
    )
    with op.batch_alter_table('reminder_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_rules_survey_id'), ['survey_id'], unique=False)

    op.create_table('reminder_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['mail_batches.id'], name=op.f('fk_reminder_runs_batch_id_mail_batches'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rule_id'], ['reminder_rules.id'], name=op.f('fk_reminder_runs_rule_id_reminder_rules'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_runs')),
    sa.UniqueConstraint('rule_id', 'due_at', name=op.f('uq_reminder_runs_rule_id_due_at'))
    )
    with op.batch_alter_table('reminder_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_runs_rule_id'), ['rule_id'], unique=False)

    op.create_table('report_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('data_state', sa.String(length=32), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_report_files_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_report_files_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_files')),
    sa.UniqueConstraint('survey_id', 'format', 'language', 'data_state',
                        name=op.f('uq_report_files_survey_id_format_language_data_state'))
    )
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_files_survey_id'), ['survey_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_files_survey_id'))
    op.drop_table('report_files')

    with op.batch_alter_table('reminder_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_runs_rule_id'))
    op.drop_table('reminder_runs')
    with op.batch_alter_table('reminder_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_rules_survey_id'))
    op.drop_table('reminder_rules')

    with op.batch_alter_table('mail_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_templates_survey_id'))
    op.drop_table('mail_templates')

    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('error_reason')

    with op.batch_alter_table('mail_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mail_batches_job_id_jobs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mail_batches_job_id'))
        batch_op.drop_column('job_id')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_survey_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_state'))

    op.drop_table('jobs')
