"""Alembic: one head, upgrade and downgrade on SQLite and PostgreSQL, and migrations that match the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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
