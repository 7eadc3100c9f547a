"""``analyze`` offline and on the database, ``responses export`` and its round trip, bad input with exit 2."""
import csv
import io
import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analysis.rounding import round_half_up
from survey_service.demo import load_demo
from survey_service.extensions import db
from tests.conftest import QUESTIONNAIRE, ROSTER

ITEMS = [f"q{n:02d}" for n in range(1, 13)]


def write_responses(path, rows, header=None):
    header = header or ["centre_code", "status", *ITEMS, "suggestions"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo()
        db.session.commit()


def run_json(runner, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_offline_hand_computed_figures(app, runner, tmp_path):
    # three centres, linear scheme: 5→100, 4→75, 3→50; centre C answers 不了解 (0) to q12
    rows = [["310101002", "", *[5] * 6, *[4] * 6, "好"],
            ["310101013", "", *[4] * 12, ""],
            ["310101015", "", *[3] * 11, 0, ""]]
    path = write_responses(tmp_path / "r.csv", rows)
    document = run_json(runner, ["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path),
                                 "--json"])
    # item q01: (100 + 75 + 50) / 3 = 75; q12: (75 + 75) / 2 = 75 (N/A excluded)
    items = {i["key"]: i for d in document["dimensions"] for i in d["items"]}
    assert items["q01"]["index"] == pytest.approx(75.0) and items["q01"]["n"] == 3
    assert items["q12"]["index"] == pytest.approx(75.0) and items["q12"]["n"] == 2
    assert items["q12"]["distribution"]["na"] == 1
    # dimensions 1-3: (100+75+50)/3 = 75 ; dimensions 4-6: (75+75+50)/3 = 66.67, complaints: q11 66.67, q12 75
    by_key = {d["key"]: d for d in document["dimensions"]}
    assert by_key["resources"]["index"] == pytest.approx(75.0)
    assert by_key["complaints"]["index"] == pytest.approx((200 / 3 + 75) / 2)
    overall = (3 * 75 + 2 * 200 / 3 + (200 / 3 + 75) / 2) / 6
    assert document["overall"]["index"] == pytest.approx(overall)
    assert document["counts"] == {"issued": 3, "submitted": 3, "valid": 3, "invalid": 0, "return_rate": 1.0,
                                  "valid_rate": 1.0}
    assert document["survey"]["status"] == "offline" and document["survey"]["key"] == "remote-edu-ops-2017"
    assert not document["ci_method"].endswith("-fpc")


def test_offline_with_roster_groups_by_district(app, runner, tmp_path):
    rows = [["310101002", "", *[5] * 12, ""], ["310101013", "invalid", *[1] * 12, ""],
            ["310104003", "", *[3, 4] * 6, ""]]
    path = write_responses(tmp_path / "r.csv", rows)
    document = run_json(runner, ["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path),
                                 "--roster", str(ROSTER), "--group-by", "district", "--json"])
    assert document["counts"]["issued"] == 221 and document["counts"]["valid"] == 2
    assert document["counts"]["invalid"] == 1
    assert document["ci_method"].endswith("-fpc")
    rows_by_group = {row["group"]: row for row in document["groups"]["rows"]}
    assert rows_by_group["黄浦区"]["issued"] == 10 and rows_by_group["黄浦区"]["valid"] == 1
    assert rows_by_group["黄浦区"]["index"] == pytest.approx(100.0)
    assert rows_by_group["徐汇区"]["index"] == pytest.approx(62.5)


def test_bad_offline_input_lists_every_problem_in_one_run(app, runner, tmp_path):
    header = ["centre_code", *ITEMS, "q13"]
    rows = [["310101002", *[5] * 12, 1], ["310101002", *[6] + [4] * 11, 1], ["999", *["x"] + [4] * 11, 1]]
    path = write_responses(tmp_path / "bad.csv", rows, header)
    result = runner.invoke(args=["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path),
                                 "--roster", str(ROSTER), "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    # the header's problem and every row's, together: one run, one list
    assert result.stderr.splitlines() == [
        'bad.csv: unknown column "q13" (not a question of remote-edu-ops-2017 version 1, nor a response or roster '
        'field)',
        'bad.csv: line 3: centre_code: duplicate centre "310101002" (first on line 2)',
        'bad.csv: line 3: q01: "6" is not an option of the scale (1, 2, 3, 4, 5, or 0 for not applicable)',
        'bad.csv: line 4: centre_code: unknown centre "999" (not in the roster)',
        'bad.csv: line 4: q01: "x" is not an option of the scale (1, 2, 3, 4, 5, or 0 for not applicable)',
    ]


def test_a_file_on_a_wider_scale_is_named_once(app, runner, tmp_path):
    # 120 centres answering q03–q12 on a 7-point scale: one line that says so, not 1,000 lines
    rows = [[f"c{n:03d}", 5, 4, *[6 + n % 2] * 10] for n in range(120)]
    path = write_responses(tmp_path / "seven.csv", rows, ["centre_code", *ITEMS])
    result = runner.invoke(args=["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        'seven.csv: q03–q12: 1,200 values outside 1–5 (the first on line 2, q03: "6"); the file may use a 7-point '
        'scale']


def test_repeated_row_problems_are_counted_after_the_first_few(app, runner, tmp_path):
    rows = [["999" if n % 2 else f"unknown-{n}", *[4] * 12] for n in range(40)]
    path = write_responses(tmp_path / "r.csv", rows, ["centre_code", *ITEMS])
    result = runner.invoke(args=["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path),
                                 "--roster", str(ROSTER)])
    lines = result.stderr.splitlines()
    assert result.exit_code == 2
    assert lines[:2] == ['r.csv: line 2: centre_code: unknown centre "unknown-0" (not in the roster)',
                         'r.csv: line 3: centre_code: unknown centre "999" (not in the roster)']
    assert 'r.csv: … and 35 more rows with the same problem (unknown centre)' in lines
    assert 'r.csv: … and 14 more rows with the same problem (duplicate centre)' in lines
    assert len(lines) == 5 + 5 + 2


def test_a_semicolon_separated_file_is_named_as_the_cause(app, runner, tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text(";".join(["centre_code", *ITEMS]) + "\n" + ";".join(["310101002", *["4"] * 12]) + "\n", "utf-8")
    result = runner.invoke(args=["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "semicolons.csv: line 1: the columns are separated by semicolons (;), not commas: save the file as "
        "CSV UTF-8 (comma-separated) or as XLSX"]


def test_contact_addresses_do_not_group(app, runner, tmp_path):
    path = write_responses(tmp_path / "r.csv", [["310101002", *[4] * 12]], ["centre_code", *ITEMS])
    result = runner.invoke(args=["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path),
                                 "--roster", str(ROSTER), "--group-by", "contact_email"])
    assert result.exit_code == 2 and 'no column "contact_email" to group by' in result.stderr


def test_missing_item_column_and_bad_questionnaire(app, runner, tmp_path):
    path = write_responses(tmp_path / "r.csv", [["1", *[5] * 11]], ["centre_code", *ITEMS[:-1]])
    result = runner.invoke(args=["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path)])
    assert result.exit_code == 2 and 'missing column "q12"' in result.stderr
    broken = tmp_path / "q.yaml"
    broken.write_text(QUESTIONNAIRE.read_text("utf-8").replace("scheme: linear", "scheme: nope"), "utf-8")
    result = runner.invoke(args=["analyze", "--questionnaire", str(broken), "--responses", str(path)])
    assert result.exit_code == 2 and "q.yaml: scoring.scheme: unknown scheme 'nope'" in result.stderr


def test_survey_analysis_and_export_round_trip(app, runner, demo, tmp_path):
    from_db = run_json(runner, ["analyze", "--survey", "remote-edu-ops-2025", "--json"])
    assert from_db["survey"]["status"] == "open" and from_db["counts"]["issued"] == 221
    assert from_db["counts"]["submitted"] == 200
    exported = tmp_path / "responses.csv"
    result = runner.invoke(args=["responses", "export", "--survey", "remote-edu-ops-2025", "--output", str(exported)])
    assert result.exit_code == 0, result.stderr
    assert exported.read_bytes().startswith("\ufeff".encode())
    offline = run_json(runner, ["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(exported),
                                "--roster", str(ROSTER), "--group-by", "district", "--json"])
    assert offline["counts"] == from_db["counts"]
    assert offline["overall"]["index"] == pytest.approx(from_db["overall"]["index"], abs=1e-9)
    assert offline["snapshot"] == from_db["snapshot"]
    assert [r["group"] for r in offline["groups"]["rows"]] == [r["group"] for r in from_db["groups"]["rows"]]


def test_the_demo_2017_survey_gives_the_reports_figures(app, runner, demo):
    """DOMAIN.md: 218 valid of 221, 81.65 %, 84.17 / 79.93 / 78.90 %, C4-1 = 6.53, and the scorecard's 91.13 → 优."""
    document = run_json(runner, ["analyze", "--survey", "remote-edu-ops-2017", "--json"])
    counts = document["counts"]
    assert (counts["issued"], counts["submitted"], counts["valid"], counts["invalid"]) == (221, 220, 218, 2)
    assert f"{counts['valid_rate'] * 100:.2f}" == "98.64" and document["survey"]["status"] == "closed"
    printed = {d["key"]: round_half_up(d["index"], 2) for d in document["dimensions"]}
    assert round_half_up(document["overall"]["index"], 2) == 81.65
    assert (printed["resources"], printed["stability"], printed["complaints"]) == (84.17, 79.93, 78.90)
    assert (document["highest"]["key"], document["lowest"]["key"]) == ("resources", "complaints")
    assert document["indicator"]["score"] == 6.53
    # the answers behind the figures, recomputed by hand from the exported responses: linear points, N/A left out
    exported = runner.invoke(args=["responses", "export", "--survey", "remote-edu-ops-2017"]).stdout
    rows = [row for row in csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))) if row["status"] == "valid"]
    assert len(rows) == 218
    index = {item: statistics.mean((int(row[item]) - 1) * 25 for row in rows if row[item] not in ("", "0"))
             for item in ITEMS}
    overall = statistics.mean(index.values())  # six dimensions of two items, all weights 1
    assert overall == pytest.approx(document["overall"]["index"], abs=1e-9)
    with app.app_context():
        from sqlalchemy import select

        from survey_service.results.documents import document_of_survey
        from survey_service.scorecard.models import StoredScorecard
        from survey_service.scorecard.operations import score_stored

        stored = db.session.scalar(select(StoredScorecard).filter_by(filename="scorecard-2017.yaml"))
        result = score_stored(stored, document_of_survey)
    assert (float(result.total), result.grade) == (91.13, "优")


ANALYSE_AND_LIST_VIEWS = """
import sys
from survey_service.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="survey-service")
except SystemExit:
    pass
print(",".join(sorted(name for name in sys.modules if name.endswith(".views"))))
"""


def test_the_analysis_of_a_survey_starts_without_the_web_pages(app, demo, tmp_path):
    """A command that reads figures builds the app without its views (and their imports): the same document."""
    output = tmp_path / "document.json"
    environment = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "analysis-test",
                   "BASE_URL": "http://127.0.0.1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", ANALYSE_AND_LIST_VIEWS, "analyze", "--survey", "remote-edu-ops-2017", "--json",
         "--output", str(output)], capture_output=True, text=True, env=environment, check=True,
        cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == ""
    assert "overall 81.65%" in result.stderr
    assert round_half_up(json.loads(output.read_text(encoding="utf-8"))["overall"]["index"], 2) == 81.65


def test_text_output_and_xlsx_export(app, runner, demo, tmp_path):
    result = runner.invoke(args=["analyze", "--survey", "remote-edu-ops-2016"])
    assert result.exit_code == 0 and "综合满意度" in result.stdout and "C4-1" in result.stdout
    out = tmp_path / "r.xlsx"
    assert runner.invoke(args=["responses", "export", "--survey", "remote-edu-ops-2016", "--format", "xlsx",
                               "--output", str(out)]).exit_code == 0
    sheet = load_workbook(out).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header[:6] == ["centre_code", "name", "district", "status", "invalid_reason", "submitted_at"]
    assert sheet.max_row == 216


def test_export_neutralises_formulas(app, runner, issued_survey, tmp_path):
    from sqlalchemy import select

    from survey_service.responses.operations import save_answers
    from survey_service.surveys.models import Invitation

    with app.app_context():
        invitation = db.session.scalar(select(Invitation).order_by(Invitation.id))
        save_answers(invitation, dict.fromkeys(ITEMS, 4), {"suggestions": "=HYPERLINK(\"http://x\")"}, submit=True)
        db.session.commit()
    result = runner.invoke(args=["responses", "export", "--survey", issued_survey])
    row = next(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert row["suggestions"] == "'=HYPERLINK(\"http://x\")"


def test_unknown_survey(app, runner):
    result = runner.invoke(args=["analyze", "--survey", "nope", "--json"])
    assert result.exit_code == 2 and result.stderr.strip() == 'survey: no survey "nope"'


def test_offline_groups_without_roster_get_no_finite_population_correction(app, runner, tmp_path):
    # two districts, every row of a district "issued" and valid: with a roster the FPC would shrink the
    # intervals to a point; without one the rows are a sample of an unknown population, so they keep their width
    rows = [[f"c{n}", "", *([n % 5 + 1] * 6 + [(n + 2) % 5 + 1] * 6), "", "甲区" if n < 6 else "乙区"]
            for n in range(12)]
    path = write_responses(tmp_path / "r.csv", rows, ["centre_code", "status", *ITEMS, "suggestions", "district"])
    document = run_json(runner, ["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path),
                                 "--group-by", "district", "--json"])
    assert document["ci_method"] == "bootstrap-percentile"
    assert document["counts"]["issued"] == 12 and document["counts"]["valid_rate"] == 1.0
    for row in document["groups"]["rows"]:
        low, high = row["ci95"]
        assert high - low > 1.0, row
