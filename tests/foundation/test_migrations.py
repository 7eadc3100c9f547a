"""Alembic: one head, upgrade and downgrade on SQLite and PostgreSQL, and migrations that match the models."""
from datetime import datetime, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, inspect, text

from survey_service import PROJECT_ROOT
from survey_service.database import bind_migrations
from survey_service.extensions import db
from tests.conftest import make_app

MIGRATIONS = str(PROJECT_ROOT / "migrations")


def test_exactly_one_head(app):
    bind_migrations(app)
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(MIGRATIONS))
        assert len(script.get_heads()) == 1


def test_upgrade_matches_models_and_downgrade_empties(database_url):
    app = make_app(database_url)
    bind_migrations(app)
    with app.app_context():
        db.drop_all()
        upgrade(directory=MIGRATIONS)
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()


def test_no_index_repeats_the_first_columns_of_a_unique_constraint(app):
    """An index on the leading columns of a unique constraint (or of a wider index) only costs writes: the wider
    index serves the same look-ups (migrations 0018 and 0019 dropped eight of them)."""
    repeated = []
    for table in db.metadata.sorted_tables:
        wider = [(f"unique {c.name}", [column.name for column in c.columns]) for c in table.constraints
                 if isinstance(c, (UniqueConstraint, PrimaryKeyConstraint))]
        wider += [(index.name, [column.name for column in index.columns]) for index in table.indexes]
        for index in table.indexes:
            columns = [column.name for column in index.columns]
            repeated += [f"{table.name}.{index.name} {columns} begins {name} {others}" for name, others in wider
                         if name != index.name and len(others) > len(columns) and others[:len(columns)] == columns]
    assert repeated == []


def test_downgrading_gives_the_invitations_back_their_submission_times(database_url):
    """0016 keeps "submitted" on the response alone; going back fills the invitation's copy from it."""
    from survey_service.questionnaires.operations import import_questionnaire
    from survey_service.responses.operations import save_answers
    from survey_service.roster.operations import import_roster
    from survey_service.surveys.models import SurveyState
    from survey_service.surveys.operations import change_state, create_survey
    from tests.conftest import QUESTIONNAIRE, ROSTER

    app = make_app(database_url)
    bind_migrations(app)
    with app.app_context():
        _empty_database()
        upgrade(directory=MIGRATIONS)
        version, _ = import_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
        survey = create_survey("migrated", version, import_roster(ROSTER.read_bytes(), ROSTER.name, "shanghai"))
        change_state(survey, SurveyState.open)
        submitted, draft = survey.invitations[:2]
        when = save_answers(submitted, {"q01": 5}, {}, submit=True).submitted_at
        save_answers(draft, {"q01": 4}, {}, submit=False)
        ids = submitted.id, draft.id
        db.session.commit()
        downgrade(directory=MIGRATIONS, revision="0015")
        times = dict(db.session.execute(text("SELECT id, submitted_at FROM invitations WHERE id IN (:a, :b)"),
                                        {"a": ids[0], "b": ids[1]}).all())
        db.session.rollback()
        _empty_database()
        db.session.remove()
        db.engine.dispose()
    assert times[ids[1]] is None
    stored = times[ids[0]] if isinstance(times[ids[0]], datetime) else datetime.fromisoformat(times[ids[0]])
    assert stored.replace(tzinfo=None) == when.astimezone(timezone.utc).replace(tzinfo=None)


def _empty_database() -> None:
    """No table, and no Alembic version: the database's other tests may have left either behind."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
