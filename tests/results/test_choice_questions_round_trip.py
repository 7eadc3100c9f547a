"""Choice questions and a reversed item from the centre's form to the export, and the export analysed offline."""
import csv
import io
import json

from openpyxl import load_workbook

from tests.conftest import DATA, post_form
from tests.respond.conftest import issue_survey

PROFILE = DATA / "questionnaire-profile.yaml"
ITEMS = [f"q{n:02d}" for n in range(1, 13)]


def answer(client, token, likert, kind, channels, other="", kind_other=""):
    form = {**{f"item-{key}": str(value) for key, value in zip(ITEMS, likert)},
            "choice-centre_kind": kind, "choice-centre_kind-other": kind_other, "choice-channels": channels,
            "choice-channels-other": other,
            "action": "submit"}
    assert post_form(client, f"/s/{token}", form).status_code == 302


def test_export_carries_choices_and_analyses_offline_as_online(app, client, runner, tmp_path):
    tokens = issue_survey(app, "profile", questionnaire=PROFILE)
    answer(client, tokens[0], [5, 4, 4, 3, 5, 1, 4, 4, 5, 4, 3, 4], "1", ["1", "4"])
    answer(client, tokens[1], [4, 4, 3, 3, 4, 2, 4, 3, 4, 4, 4, 0], "2", ["2"], other="大屏幕")
    answer(client, tokens[2], [3, 3, 3, 3, 3, 5, 3, 3, 3, 3, 3, 3], "1", [])

    exported = runner.invoke(args=["responses", "export", "--survey", "profile"])
    assert exported.exit_code == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout.lstrip("\ufeff"))))
    header = list(rows[0])
    assert header.index("centre_kind") == header.index("q12") + 1
    assert header[header.index("centre_kind"):header.index("suggestions")] == [
        "centre_kind", "centre_kind_other", "channels", "channels_other"]
    assert [(r["centre_kind"], r["channels"], r["channels_other"]) for r in rows] == [
        ("1", "1;4", ""), ("2", "2", "大屏幕"), ("1", "", "")]

    xlsx = runner.invoke(args=["responses", "export", "--survey", "profile", "--format", "xlsx",
                               "--output", str(tmp_path / "r.xlsx")])
    assert xlsx.exit_code == 0, xlsx.stderr
    sheet = load_workbook(tmp_path / "r.xlsx").active
    values = list(sheet.values)
    assert values[1][values[0].index("channels")] == "1;4"

    (tmp_path / "r.csv").write_text(exported.stdout, encoding="utf-8")
    online = json.loads(runner.invoke(args=["analyze", "--survey", "profile", "--json"]).stdout)
    offline_run = runner.invoke(args=["analyze", "--questionnaire", str(PROFILE), "--responses",
                                      str(tmp_path / "r.csv"), "--json"])
    assert offline_run.exit_code == 0, offline_run.stderr
    offline = json.loads(offline_run.stdout)
    assert offline["choices"] == online["choices"]
    assert offline["overall"]["index"] == online["overall"]["index"]

    kind, channels = online["choices"]
    assert kind["n"] == 3 and [o["count"] for o in kind["options"]] == [2, 1, 0]
    assert channels["n"] == 2 and [o["count"] for o in channels["options"]] == [1, 1, 0, 1]
    assert channels["other"] == ["大屏幕"]
    # q06 is reversed: ticked 1, 2, 5 → scored 5, 4, 1 → 100, 75, 0 → 58.33; its distribution as ticked
    q06 = online["dimensions"][2]["items"][1]
    assert q06["index"] == (100 + 75 + 0) / 3
    assert q06["distribution"]["1"] == 1 and q06["distribution"]["5"] == 1


def test_offline_choice_cells_with_problems_are_all_named(app, runner, tmp_path):
    path = tmp_path / "r.csv"
    header = ["centre_code", *ITEMS, "centre_kind", "centre_kind_other", "channels"]
    path.write_text(",".join(header) + "\n" + ",".join(["310101002", *["4"] * 12, "1;2", "", "1;7"]) + "\n",
                    encoding="utf-8")
    result = runner.invoke(args=["analyze", "--questionnaire", str(PROFILE), "--responses", str(path), "--json"])
    assert result.exit_code == 2
    assert 'r.csv: line 2: centre_kind: "1;2" gives several options to a single-choice question' in result.stderr
    assert 'r.csv: line 2: channels: "7" is not an option of the question (1, 2, 3, 4)' in result.stderr


def test_a_single_choice_question_groups_the_figures(app, client, runner):
    tokens = issue_survey(app, "profile", questionnaire=PROFILE)
    answer(client, tokens[0], [5] * 5 + [1] + [5] * 6, "1", [])
    answer(client, tokens[1], [4] * 5 + [2] + [4] * 6, "1", [])
    answer(client, tokens[2], [3] * 5 + [3] + [3] * 6, "2", [])
    result = runner.invoke(args=["analyze", "--survey", "profile", "--group-by", "centre_kind", "--json"])
    assert result.exit_code == 0, result.stderr
    groups = json.loads(result.stdout)["groups"]
    rows = {row["group"]: row for row in groups["rows"]}
    assert groups["by"] == "centre_kind" and set(rows) == {"街道", "镇"}
    assert (rows["街道"]["valid"], rows["街道"]["submitted"], rows["街道"]["issued"]) == (2, 2, None)
    # 街道: all 5 with q06 ticked 1 (reversed: 5) → 100, all 4 with q06 ticked 2 (reversed: 4) → 75: 87.5.  镇: 50
    assert rows["街道"]["index"] == 87.5 and rows["镇"]["index"] == 50.0
    multiple = runner.invoke(args=["analyze", "--survey", "profile", "--group-by", "channels", "--json"])
    assert multiple.exit_code == 2 and 'has no column "channels"' in multiple.stderr


def test_profile_page_and_report_show_the_choice_tables(app, client, login):
    tokens = issue_survey(app, "profile", questionnaire=PROFILE)
    answer(client, tokens[0], [4] * 12, "1", ["1", "4"])
    answer(client, tokens[1], [4] * 12, "other", ["2"], kind_other="工业园区", other="大屏幕")
    login("viewer")
    page = client.get("/surveys/profile/results/profile").get_data(as_text=True)
    assert "样本构成" in page and 'id="chart-choice-centre_kind"' in page and "<li>大屏幕</li>" in page
    assert '<th scope="row">街道</th>\n      <td class="num">1</td><td class="num">50.00%</td>' in page
    report = client.get("/surveys/profile/results/report").get_data(as_text=True)
    assert "样本构成：贵中心属于" in report and "“其他”填写内容：大屏幕" in report
