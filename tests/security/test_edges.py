"""The edges an attacker or an unlucky user reaches: each once answered 500 (on SQLite, PostgreSQL or both) and
must now be a clear 4xx, on both databases."""
from __future__ import annotations

import io
import json

import pytest
import yaml

from tests.conftest import DATA, QUESTIONNAIRE, csrf_token
from tests.security.conftest import signed_in

HUGE = "9" * 30


def questionnaire(change) -> bytes:
    definition = yaml.safe_load(QUESTIONNAIRE.read_text("utf-8"))
    change(definition)
    return json.dumps(definition, ensure_ascii=False).encode()


def scorecard(old: str, new: str) -> bytes:
    text = (DATA / "scorecard-example.yaml").read_text("utf-8")
    assert old in text
    return text.replace(old, new, 1).encode()


UPLOADS = {
    "roster cell longer than its column": ("/rosters", ("code,name,district\n1," + "名" * 300 + ",区\n").encode(),
                                           "r.csv", "name 列：超过 200 个字"),
    "roster code longer than its column": ("/rosters", ("code,name,district\n" + "1" * 100 + ",中心,区\n").encode(),
                                           "r.csv", "code 列：超过 64 个字"),
    "roster cell with NUL": ("/rosters", b"code,name,district\n1,a\x00b,b\n", "r.csv", "NUL"),
    "questionnaire version a huge integer": (
        "/questionnaires", QUESTIONNAIRE.read_text("utf-8").replace("version: 1", "version: " + HUGE).encode(),
        "q.yaml", "整数超过可接受的最大值 2,147,483,647"),
    "questionnaire version a huge integer in JSON": (
        "/questionnaires", questionnaire(lambda d: d.update(version=int(HUGE))), "q.json",
        "整数超过可接受的最大值 2,147,483,647"),
    "questionnaire key with a final line break": (
        "/questionnaires", questionnaire(lambda d: d.update(key="remote-edu-ops-x\n")), "q.json",
        "必填，只能使用小写字母、数字和“-”"),
    "questionnaire title longer than its column": (
        "/questionnaires", questionnaire(lambda d: d.update(title="长" * 600)), "q.json",
        "questionnaire：title：最多 500 个字符，实为 600 个"),
    "questionnaire key longer than its column": (
        "/questionnaires", questionnaire(lambda d: d.update(key="k" * 150)), "q.json", "最多 100 个字符"),
    "questionnaire title with NUL": (
        "/questionnaires", questionnaire(lambda d: d.update(title="问\x00卷")), "q.json", "含有 NUL 字符"),
    "questionnaire nested too deep": ("/questionnaires", b"[" * 500 + b"]" * 500, "q.json", "嵌套超过 40 层"),
    "questionnaire with a circular alias": ("/questionnaires", b"key: &k [*k]\n", "q.yaml", "不接受锚点和别名"),
    "scorecard score 1e30": ("/scorecards/", scorecard("score: 5,", "score: 1.0e+30,"), "s.yaml",
                             "不能超过 1,000,000"),
    "scorecard weight a huge integer": ("/scorecards/", scorecard("weight: 10\n", f"weight: {HUGE}\n"), "s.yaml",
                                        "整数超过可接受的最大值 2,147,483,647"),
}


@pytest.mark.parametrize("case", UPLOADS, ids=list(UPLOADS))
def test_hostile_uploads_are_refused_with_a_message(hostile, case):
    app, _ = hostile
    client, csrf = signed_in(app)
    url, content, filename, message = UPLOADS[case]
    response = client.post(url, data={"csrf_token": csrf, "name": f"名册 {case}",
                                      "file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_long_file_name_is_kept_by_its_start(hostile):
    app, _ = hostile
    client, csrf = signed_in(app)
    response = client.post("/rosters", data={"csrf_token": csrf, "name": "长文件名",
                                              "file": (io.BytesIO("code,name,district\n1,中心,区\n".encode()),
                                                       "名" * 400 + ".csv")}, content_type="multipart/form-data")
    assert response.status_code == 302


@pytest.mark.parametrize("path", [
    "/surveys/{key}/non-respondents?stage=%20", "/surveys/{key}/non-respondents?district=%20&stage=%20",
    "/surveys/{key}/non-respondents?stage=nonsense", "/surveys/{key}/responses?district=%20",
    "/surveys/{key}/responses/" + HUGE, "/scorecards/" + HUGE, "/admin/users/" + HUGE,
])
def test_odd_query_values_and_huge_ids_are_no_server_error(hostile, path):
    app, objects = hostile
    client, _ = signed_in(app)
    assert client.get(path.format(key=objects["key"])).status_code in (200, 302, 404)


def test_a_huge_id_in_a_form_action_is_a_404(hostile):
    app, _ = hostile
    client, csrf = signed_in(app)
    assert client.post(f"/admin/users/{HUGE}/role", data={"csrf_token": csrf, "role": "viewer"}).status_code == 404


def test_a_survey_key_with_a_final_line_break_is_refused(hostile):
    app, _ = hostile
    client, csrf = signed_in(app)
    response = client.post("/surveys/new", data={"csrf_token": csrf, "key": "abc-2018\n", "title": "t",
                                                 "questionnaire": "1", "roster": "1"})
    assert response.status_code == 422 and "abc-2018\n" not in app.test_client().get("/").get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [("open-suggestions", "希望增加回放", "请以文字填写答案，不接受文件。"),
                                                   ("item-q01", "3", "请从所列选项中选择。")])
def test_an_answer_sent_as_a_file_is_a_clear_422(hostile, field, value, message):
    app, objects = hostile
    centre = app.test_client()
    link = f"/s/{objects['token']}"
    response = centre.post(link, data={"csrf_token": csrf_token(centre, link), "action": "save",
                                       field: (io.BytesIO(value.encode()), "answer.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
