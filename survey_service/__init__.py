"""survey-service: issue a questionnaire to a roster, collect answers, and analyse satisfaction."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, *, pages: bool = True) -> Flask:
    """Build the app; ``config`` overrides the environment (tests pass their database and settings here).

    Without ``pages`` the app has its settings, database and commands but no web pages: for a command that reads
    figures (``analyze --survey``), which would otherwise import every view of the service to start.
    """
    from flask import Flask  # here, not at the top: ``survey-service --help`` imports this package and no Flask

    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                static_folder=str(PROJECT_ROOT / "static"), instance_relative_config=True)
    from survey_service.config import Config, from_environment

    app.config.from_object(Config)
    app.config.update(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", _translation_directories())

    from survey_service.app_setup import (register_blueprints, register_cli, register_errorhandlers,
                                          register_extensions, register_template_helpers)
    from survey_service.security import DatabaseId, register_security

    app.url_map.converters["int"] = DatabaseId  # before any route is added
    register_extensions(app)
    if pages:
        register_blueprints(app)
        register_errorhandlers(app)
        register_template_helpers(app)
        register_security(app)
    register_cli(app)
    return app


def _translation_directories() -> str:
    """Each feature keeps its own catalogue under translations/<feature>; Flask-Babel merges them."""
    root = PROJECT_ROOT / "translations"
    return ";".join(str(path) for path in sorted(root.iterdir()) if path.is_dir()) if root.is_dir() else str(root)
