"""``survey-service`` starts at once: its help imports no heavy module, and each command loads only what it uses."""
import subprocess
import sys
from pathlib import Path

from survey_service.cli import COMMANDS, FRAMEWORK_COMMANDS, load_command

REPOSITORY = Path(__file__).resolve().parents[2]
HEAVY = ("flask", "sqlalchemy", "numpy", "scipy", "plotly", "weasyprint", "alembic")

LOADED_AFTER = """
import contextlib, io, sys
from survey_service.cli import cli
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        cli.main(sys.argv[1:], prog_name="survey-service")
    except SystemExit:
        pass
print(out.getvalue(), file=sys.stderr)
print(",".join(sorted({m.split(".")[0] for m in sys.modules} & set(%r))))
""" % (HEAVY,)


def modules_loaded_by(*args: str) -> tuple[set[str], str]:
    result = subprocess.run([sys.executable, "-c", LOADED_AFTER, *args], capture_output=True, text=True,
                            cwd=REPOSITORY, check=True)
    return set(filter(None, result.stdout.strip().split(","))), result.stderr


def test_help_lists_every_command_and_imports_nothing_heavy():
    loaded, help_text = modules_loaded_by("--help")
    assert loaded == set()
    for name in COMMANDS:
        assert f"  {name} " in help_text


def test_a_command_of_files_alone_builds_no_app():
    loaded, output = modules_loaded_by(
        "score", "--scorecard", str(REPOSITORY / "survey_service" / "demo_data" / "scorecard-2017.yaml"),
        "--satisfaction", str(REPOSITORY / "tests" / "data" / "satisfaction-81.65.json"))
    assert "总分 91.13" in output
    assert not loaded & {"sqlalchemy", "alembic", "plotly", "weasyprint"}


def test_each_summary_in_the_table_is_the_commands_own():
    for name, (_, summary) in COMMANDS.items():
        assert load_command(name).get_short_help_str(limit=1000) == summary, name


def test_the_app_has_the_same_commands(app):
    assert set(app.cli.commands) == set(COMMANDS) - FRAMEWORK_COMMANDS
    assert "migrate" not in app.extensions  # Flask-Migrate, and Alembic with it, only for `db`


def test_the_app_starts_without_the_document_writers(tmp_path):
    """matplotlib and openpyxl are for files someone asked for: a web worker, and a command such as
    ``analyze --survey``, start without them."""
    script = ("import sys; from survey_service import create_app; create_app(); "
              "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'openpyxl'})))")
    environment = {"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "SECRET_KEY": "startup-test",
                   "BASE_URL": "http://127.0.0.1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPOSITORY,
                            env=environment, check=True)
    assert result.stdout.strip() == ""
