"""The ``score`` command through click's CliRunner: the 2017 report's tree, JSON, and problems on stderr."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from survey_service.scorecard.cli import make_score_command, score_command
from survey_service.text_tables import display_width
from tests.conftest import DEMO_DATA

DATA = Path(__file__).parent.parent / "data"
SCORECARD_2017 = str(DEMO_DATA / "scorecard-2017.yaml")
SATISFACTION = str(DATA / "satisfaction-81.65.json")


def run(*args, command=score_command):
    return CliRunner().invoke(command, list(args))


def tables(stdout):
    """The text output's tables (blocks starting with 表), each a list of lines."""
    return [block.splitlines() for block in stdout.split("\n\n") if block.startswith("表")]


def test_2017_tree_as_text():
    result = run("--scorecard", SCORECARD_2017, "--satisfaction", SATISFACTION)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith("总分 91.13  评价等级 优")
    lines = result.stdout.splitlines()
    [c4_1] = [line for line in lines if line.strip().startswith("C4-1")]
    assert c4_1.split() == ["C4-1", "基层党建中心满意度", "8", "81.65%", "6.53"]
    assert [line.split()[-1] for line in lines if line.split()[:1] in (["A"], ["B"], ["C"])] == ["8", "24", "59.13"]
    assert [table[0].split(" ", 1)[1] for table in tables(result.stdout)] == [
        "综合评分表", "A 项目决策", "B 项目管理", "C 项目绩效",
    ]
    assert result.stderr == "scored scorecard-2017.yaml: total 91.13, grade 优\n"


def test_text_columns_line_up_with_chinese_names():
    result = run("--scorecard", SCORECARD_2017, "--satisfaction", SATISFACTION)
    for table in tables(result.stdout):
        rows = table[1:]
        # the score column is right-aligned, so every row ends at the same display column
        assert len({display_width(row) for row in rows}) == 1, rows
        header = rows[0]
        weight_end = display_width(header[: header.index("权重") + 2])
        for row in rows[1:]:
            # the weight, right-aligned under its header, ends where the header ends
            cells = row.split()
            weight = next(cell for cell in cells if cell.replace(".", "").isdigit())
            start = row.index(f" {weight} ") + 1
            assert display_width(row[: start + len(weight)]) == weight_end, row


def test_display_width_counts_chinese_as_two():
    assert display_width("项目决策") == 8
    assert display_width("（运维）") == 8
    assert display_width("C4-1 81.65%") == 11


def test_2017_tree_as_json():
    result = run("--scorecard", SCORECARD_2017, "--satisfaction", SATISFACTION, "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["total"], document["grade"]) == (91.13, "优")
    assert [(i["code"], i["weight"], i["score"]) for i in document["indicators"]] == [
        ("A", 8, 8), ("B", 28, 24), ("C", 64, 59.13),
    ]
    c4 = document["indicators"][2]["children"][3]
    assert c4["children"] == [{"code": "C4-1", "name": "基层党建中心满意度", "weight": 8, "score": 6.53,
                               "value": "81.65%", "children": []}]


def test_output_file_leaves_stdout_empty(tmp_path):
    target = tmp_path / "score.json"
    result = run("--scorecard", SCORECARD_2017, "--satisfaction", SATISFACTION, "--json", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["total"] == 91.13
    assert str(target) in result.stderr


def test_bad_file_lists_every_problem_and_prints_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "indicators:\n"
        "  - {code: A, name: 项目决策, weight: 8, children: [{code: A1, name: 立项, weight: 6, score: 7}]}\n"
        "  - {code: B, name: 项目管理, weight: 28, score: 23, children: [\n"
        "      {code: B1, name: 预算执行率, weight: 28, rate: 0.5, score: 14}]}\n"
        "  - {code: C, name: 项目绩效, weight: 64, rate: 1.5}\n",
        encoding="utf-8",
    )
    result = run("--scorecard", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "A1: score 7 is above its weight 6",
        "A: children's weights sum to 6, not 8",
        "B1: score and rate given: a leaf is scored in exactly one way",
        "C: rate 1.5 is outside [0, 1]",
        "B: stated score 23 differs from its children's sum 14",
    ]


def test_report_prose_23_is_caught_by_the_command(tmp_path):
    slip = tmp_path / "scorecard-23.yaml"
    slip.write_text(Path(SCORECARD_2017).read_text(encoding="utf-8").replace("score: 24 ", "score: 23 "),
                    encoding="utf-8")
    result = run("--scorecard", str(slip), "--satisfaction", SATISFACTION, "--json")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "B: stated score 23 differs from its children's sum 24\n"


def test_satisfaction_for_another_survey_is_a_problem(tmp_path):
    other = tmp_path / "other.json"
    document = json.loads(Path(SATISFACTION).read_text(encoding="utf-8"))
    document["survey"]["key"] = "remote-edu-ops-2016"
    other.write_text(json.dumps(document), encoding="utf-8")
    result = run("--scorecard", SCORECARD_2017, "--satisfaction", str(other))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "C4-1: the satisfaction document is for survey 'remote-edu-ops-2016', not 'remote-edu-ops-2017'\n"
    )


def test_survey_without_valid_responses_is_a_problem(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"survey": {"key": "remote-edu-ops-2017"}, "overall": {"index": None}}))
    result = run("--scorecard", SCORECARD_2017, "--satisfaction", str(empty))
    assert result.exit_code == 2
    assert "C4-1: survey 'remote-edu-ops-2017' has no valid responses" in result.stderr


def test_no_satisfaction_and_no_database():
    result = run("--scorecard", SCORECARD_2017)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "C4-1: no --satisfaction document and no database to look up survey remote-edu-ops-2017\n"
    )


def test_resolver_plugs_in_the_database():
    document = json.loads(Path(SATISFACTION).read_text(encoding="utf-8"))
    surveys = {"remote-edu-ops-2017": document}
    command = make_score_command(resolve_survey=surveys.get)
    result = run("--scorecard", SCORECARD_2017, "--json", command=command)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 91.13


def test_resolver_reports_an_unknown_survey():
    command = make_score_command(resolve_survey={}.get)
    result = run("--scorecard", SCORECARD_2017, command=command)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "C4-1: unknown survey 'remote-edu-ops-2017'\n"


def test_unreadable_satisfaction_and_bad_scorecard_are_reported_together(tmp_path):
    broken = tmp_path / "doc.json"
    broken.write_text('{"overall": ', encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators:\n  - {code: A, name: 决策, weight: 100, score: 101}\n", encoding="utf-8")
    result = run("--scorecard", str(bad), "--satisfaction", str(broken))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        f"{broken}: line 1: invalid JSON: Expecting value",
        "A: score 101 is above its weight 100",
    ]


def test_missing_file_and_yaml_syntax_error(tmp_path):
    result = run("--scorecard", str(tmp_path / "nowhere.yaml"))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"{tmp_path / 'nowhere.yaml'}: cannot read: ")
    broken = tmp_path / "broken.yaml"
    broken.write_text("indicators:\n  - code: A\n   name: x\n", encoding="utf-8")
    result = run("--scorecard", str(broken))
    assert result.exit_code == 2
    assert result.stderr.startswith("broken.yaml: line 3")


@pytest.mark.parametrize("as_json", [False, True])
def test_shared_example_with_a_satisfaction_document(as_json):
    # A 5 + 4 = 9; B 10 × 0.95 = 9.5, 10, 7 → 26.5; C1 20 × 1.0 + 10 × 0.9 = 29;
    # C2-1 30 × 81.65 % = 24.495 → 24.50 (half-up); C = 53.5; total 9 + 26.5 + 53.5 = 89 → 良
    args = ["--scorecard", str(DATA / "scorecard-example.yaml"), "--satisfaction", SATISFACTION]
    result = run(*args, *(["--json"] if as_json else []))
    assert result.exit_code == 0, result.stderr
    if as_json:
        assert (json.loads(result.stdout)["total"], json.loads(result.stdout)["grade"]) == (89, "良")
    else:
        assert result.stdout.rstrip().endswith("总分 89  评价等级 良")
        assert "24.5" in next(line for line in result.stdout.splitlines() if "C2-1" in line)
