"""The scorecard pages: import a tree, see it scored with the satisfaction leaf filled live from the survey."""
import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from survey_service.extensions import db
from survey_service.scorecard.models import StoredScorecard
from tests.conftest import DATA, DEMO_DATA, create_account, log_in, post_form


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


def test_import_and_score_the_2017_tree_live(app, client, login, issued_survey):
    login("evaluator")
    response = post_form(client, "/scorecards/", {"file": (io.BytesIO((DEMO_DATA / "scorecard-2017.yaml").read_bytes()),
                                                           "scorecard-2017.yaml")},
                         content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    # no valid response yet: the satisfaction leaf cannot be scored, so no total is shown
    assert response.status_code == 200
    assert "C4-1: 调查 &#39;remote-edu-ops-2017&#39; 没有有效问卷（overall.index 为空）" in page
    assert "91.13" not in page


def without_stated_inner_scores(text: str) -> str:
    """The tree without the report's own subtotals, which hold only for the report's 81.65."""
    return re.sub(r"(?m)^\s+score: [0-9.]+.*\n", "", text)


def test_demo_survey_fills_the_leaf(demo_app, demo_client):
    email, password = create_account(demo_app, "evaluator", email="e2@example.org")
    log_in(demo_client, email, password)
    tree = without_stated_inner_scores((DEMO_DATA / "scorecard-2017.yaml").read_text("utf-8"))
    response = post_form(demo_client, "/scorecards/", {"file": (io.BytesIO(tree.encode()), "s.yaml")},
                         content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    document = demo_app.test_cli_runner().invoke(args=["analyze", "--survey", "remote-edu-ops-2017", "--json"])
    index = json.loads(document.stdout)["overall"]["index"]
    # the leaf: 8 × the index rounded half-up to 2 places, / 100, rounded half-up again (docs/scorecard.md)
    leaf = Decimal(8) * Decimal(str(index)).quantize(Decimal("0.01"), ROUND_HALF_UP) / 100
    leaf_text = str(leaf.quantize(Decimal("0.01"), ROUND_HALF_UP)).rstrip("0").rstrip(".")
    assert f'<td class="num">{leaf_text}</td>' in page
    assert "总分" in page and "评价等级" in page


def test_broken_scorecard_is_refused_with_codes(app, client, login):
    login("evaluator")
    broken = (DEMO_DATA / "scorecard-2017.yaml").read_text("utf-8").replace("weight: 28", "weight: 27", 1)
    response = post_form(client, "/scorecards/", {"file": (io.BytesIO(broken.encode()), "s.yaml")},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert "B: 下级指标权重合计为 28，而不是 27" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(StoredScorecard.id))) == 0


def test_a_scorecards_problems_are_in_the_pages_language(app, client, login):
    """Each problem in Chinese on a Chinese page, in the validator's English on an English one; the file's own
    keys and values as written."""
    login("evaluator")
    broken = ("title: 测试\nindicators:\n  - {code: A, name: 甲, weight: 60, score: 50, rate: 0.5}\n"
              "  - {code: A, name: '', weight: 40, colour: red, score: 40}\n")
    upload = {"file": (io.BytesIO(broken.encode()), "s.yaml")}
    chinese = post_form(client, "/scorecards/", upload, content_type="multipart/form-data").get_data(as_text=True)
    problems = re.findall(r"<li>([^<]*)</li>", chinese.split('class="problems"', 1)[-1])
    assert "A: 同时给出了 score 和 rate：末级指标只能用一种方式计分" in chinese
    assert "A: name: 必填文本，实际为 &#39;&#39;" in chinese
    assert "A: 未知的键 colour" in chinese
    assert "A: 指标编号被多个指标使用" in chinese
    assert len(problems) == 4  # and no English phrase in any of them
    assert not [text for text in problems if re.search(r"[a-z]{3,} [a-z]{2,}", text)], problems
    upload = {"file": (io.BytesIO(broken.encode()), "s.yaml")}
    english = post_form(client, "/scorecards/?lang=en", upload, content_type="multipart/form-data")
    assert "A: score and rate given: a leaf is scored in exactly one way" in english.get_data(as_text=True)


def test_an_unreadable_scorecard_is_named_in_the_pages_language(app, client, login):
    login("evaluator")
    upload = {"file": (io.BytesIO("indicators: [\n".encode()), "s.yaml")}
    page = post_form(client, "/scorecards/", upload, content_type="multipart/form-data").get_data(as_text=True)
    assert "s.yaml: 第 2 行：YAML 格式错误：缺少值，或括号（[ 或 {）未闭合" in page
    upload = {"file": (io.BytesIO('title: "测试\nindicators: []\n'.encode()), "s.yaml")}
    page = post_form(client, "/scorecards/", upload, content_type="multipart/form-data").get_data(as_text=True)
    assert "YAML 格式错误：文件提前结束（有引号或括号未闭合）" in page


@pytest.mark.parametrize("role, can_import", [("viewer", False), ("evaluator", True), ("admin", True)])
def test_access(app, client, login, role, can_import):
    login(role)
    assert client.get("/scorecards/").status_code == 200
    upload = {"file": (io.BytesIO((DATA / "scorecard-example.yaml").read_bytes()), "example.yaml")}
    response = post_form(client, "/scorecards/", upload, content_type="multipart/form-data")
    assert response.status_code == (302 if can_import else 403)


def test_anonymous_goes_to_login(client):
    assert client.get("/scorecards/").status_code == 302


def test_the_reports_23_versus_24_slip_is_shown_instead_of_a_total(demo_app, demo_client):
    email, password = create_account(demo_app, "evaluator", email="e3@example.org")
    log_in(demo_client, email, password)
    slip = (DEMO_DATA / "scorecard-2017.yaml").read_text("utf-8").replace("score: 24  #", "score: 23  #")
    response = post_form(demo_client, "/scorecards/", {"file": (io.BytesIO(slip.encode()), "slip.yaml")},
                         content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "B: 填写的得分 23 与下级指标得分合计 24 不一致" in page
    assert "big grade" not in page  # no total and no grade are shown
