"""Every form, upload, query parameter, id in a path and input of the API fuzzed with Hypothesis: hostile, huge,
empty, NUL-laden or plain random values, on SQLite and PostgreSQL. Whatever arrives, the answer is never a server
error and never markup from the input."""
from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.conftest import csrf_token
from tests.security.conftest import MARKUP, PAYLOADS, signed_in
from tests.security.test_page_language import english_sentences
from tests.security.test_pages import every_url

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
TEXT = st.one_of(
    st.text(max_size=200),
    st.sampled_from(PAYLOADS + ("", " ", "\x00", "-1", "0", "99999999999999999999999", "1e308", "NaN", "../../etc",
                                "=cmd|' /C calc'!A0", "%00", "2018-06-18T18:00", "2018-02-30T25:61", "null")),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "Lo", "So", "Po"]), max_size=40),
    st.text(min_size=2000, max_size=5000),
)
#: what may stand in a request header (latin-1 without line breaks)
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=120)
QUERY_KEYS = st.sampled_from(["page", "district", "stage", "shown", "action", "lang", "next", "fmt", "key", "q"])


def check(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        assert not MARKUP.search(page)
        assert english_sentences(page) == []  # on a Chinese page, its error messages included


def upload(content: bytes, filename: str):
    return io.BytesIO(content), filename


FILES = st.one_of(st.binary(max_size=2000), TEXT.map(lambda text: text.encode("utf-8")),
                  st.sampled_from([b"code,name,district\n1,<script>alert(1)</script>,x\n", b"key: [", b"\xff\xfe\x00",
                                   b"!!python/object/apply:os.system ['true']", b"a: &a [*a, *a]"]))
FILENAMES = st.one_of(st.sampled_from(["roster.csv", "roster.xlsx", "q.yaml", "q.json", "s.yml", "x.exe", ""]), TEXT)


def test_login_form(hostile):
    app, _ = hostile
    anonymous = app.test_client()
    csrf = csrf_token(anonymous, "/login")

    @FUZZ
    @given(email=TEXT, password=TEXT, next_page=TEXT)
    def log_in(email, password, next_page):
        response = anonymous.post("/login?next=" + quote(next_page, safe=""),
                                  data={"csrf_token": csrf, "email": email, "password": password})
        check(response)
        if response.status_code == 302:  # never anywhere but this site
            assert response.location.startswith("/") and not response.location.startswith("//")

    log_in()


def test_survey_forms(hostile):
    app, objects = hostile
    client, csrf = signed_in(app)

    @FUZZ
    @given(key=TEXT, title=TEXT, questionnaire=st.one_of(TEXT, st.integers().map(str)),
           roster=st.one_of(TEXT, st.integers(1, 3).map(str)), opens=TEXT, closes=TEXT,
           allow_corrections=st.sampled_from(["y", "", "on"]) | TEXT)
    def new_survey(**fields):
        check(client.post("/surveys/new", data={"csrf_token": csrf, **fields}))

    @FUZZ
    @given(key=TEXT, action=st.sampled_from(["open", "close"]), extra=TEXT)
    def open_or_close(key, action, extra):
        check(client.post(f"/surveys/{quote(key, safe='') or 'x'}/{action}", data={"csrf_token": csrf, "x": extra}))
        check(client.post(f"/surveys/{objects['other']}/{action}", data={"csrf_token": extra}))

    new_survey()
    open_or_close()


def test_upload_forms(hostile):
    app, _ = hostile
    client, csrf = signed_in(app)

    @FUZZ
    @given(name=TEXT, content=FILES, filename=FILENAMES)
    def uploads(name, content, filename):
        check(client.post("/rosters", data={"csrf_token": csrf, "name": name, "file": upload(content, filename)}))
        check(client.post("/questionnaires", data={"csrf_token": csrf, "file": upload(content, filename)}))
        check(client.post("/scorecards/", data={"csrf_token": csrf, "file": upload(content, filename)}))

    uploads()


def test_review_form(hostile):
    app, objects = hostile
    client, csrf = signed_in(app, "evaluator@example.org")
    url = f"/surveys/{objects['key']}/responses/{objects['response_id']}/validity"

    @FUZZ
    @given(validity=st.sampled_from(["valid", "invalid"]) | TEXT, reason=TEXT)
    def decide(validity, reason):
        check(client.post(url, data={"csrf_token": csrf, "validity": validity, "reason": reason}))
        check(client.get(f"/surveys/{objects['key']}/responses/{objects['response_id']}"))

    decide()


def test_administration_forms(hostile):
    app, objects = hostile
    client, csrf = signed_in(app)
    user = f"/admin/users/{objects['user_id']}"

    @FUZZ
    @given(email=TEXT | st.emails(), role=st.sampled_from(["viewer", "evaluator", "admin"]) | TEXT, password=TEXT,
           name=TEXT)
    def administer(email, role, password, name):
        check(client.post("/admin/users/new", data={"csrf_token": csrf, "email": email, "role": role,
                                                    "password": password, "confirm": password}))
        check(client.post(f"{user}/role", data={"csrf_token": csrf, "role": role}))
        check(client.post(f"{user}/tokens", data={"csrf_token": csrf, "name": name}))
        check(client.get(user))

    administer()


def test_questionnaire_form_and_drafts(hostile):
    app, objects = hostile
    centre = app.test_client()
    link = f"/s/{objects['token']}"
    csrf = csrf_token(centre, link)
    values = st.sampled_from(["0", "1", "3", "5"]) | TEXT

    @FUZZ
    @given(answers=st.dictionaries(st.sampled_from([f"item-q{n:02d}" for n in range(1, 14)] + ["open-suggestions"])
                                   | TEXT, values, max_size=14),
           action=st.sampled_from(["save", "save", "save", "submit"]) | TEXT, draft=st.booleans())
    def answer(answers, action, draft):
        data = {"csrf_token": csrf, **answers, "action": action}
        check(centre.post(link + "/draft" if draft else link, data=data))

    answer()
    check(centre.get(link, follow_redirects=True))


def test_query_parameters_of_every_page(hostile):
    app, objects = hostile
    client, _ = signed_in(app)
    urls = [url for url in every_url(app, objects) if "?" not in url]

    @settings(FUZZ, max_examples=150)
    @given(url=st.sampled_from(urls), query=st.dictionaries(QUERY_KEYS | TEXT, TEXT, max_size=4))
    def visit(url, query):
        check(client.get(url, query_string=query))

    visit()


def test_api_bearer_tokens_and_parameters(hostile):
    app, objects = hostile
    client = app.test_client()

    @FUZZ
    @given(scheme=st.sampled_from(["Bearer", "bearer", "Basic", ""]) | HEADER_TEXT, secret=HEADER_TEXT,
           path=st.sampled_from(["/api/v1/surveys", f"/api/v1/surveys/{objects['key']}/satisfaction",
                                 "/api/v1/surveys/x/satisfaction", "/api/v1/openapi.json"]),
           query=st.dictionaries(TEXT, TEXT, max_size=3), etag=HEADER_TEXT)
    def call(scheme, secret, path, query, etag):
        response = client.get(path, query_string=query,
                              headers={"Authorization": f"{scheme} {secret}", "If-None-Match": etag})
        assert response.status_code < 500
        assert response.status_code in (200, 304, 400, 401, 404)
        if response.status_code >= 400:
            assert response.is_json and "Traceback" not in response.get_data(as_text=True)

    call()


#: JSON-like documents of any shape, as a questionnaire or scorecard upload might hold
DOCUMENT_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4), max_leaves=20)
#: YAML an attacker writes: anchors and aliases, deep nesting, huge numbers, tags
HOSTILE_YAML = st.sampled_from([
    "a: &a [x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "k: &k [*k]\n", "<<: *x\n", "[" * 300 + "]" * 300,
    "version: " + "9" * 400, "score: 1e30\nweight: .inf\n", "!!python/name:os.system\n", "key: !!binary AAAA\n",
    "indicators: [{code: A, weight: 1.0e+30, score: 1.0e+30}]\n", "title: \"\\0\"\n", "? [a, b]\n: c\n",
])


def test_document_uploads_of_any_shape(hostile):
    app, _ = hostile
    client, csrf = signed_in(app)

    @FUZZ
    @given(document=DOCUMENT_VALUES | st.dictionaries(st.sampled_from(["key", "version", "title", "scale",
                                                                       "dimensions", "indicators", "total",
                                                                       "grades", "scoring"]), DOCUMENT_VALUES),
           raw=HOSTILE_YAML, as_json=st.booleans())
    def uploads(document, raw, as_json):
        content = json.dumps(document, ensure_ascii=False).encode() if as_json else \
            yaml.safe_dump(document, allow_unicode=True).encode()
        for body, filename in ((content, "q.json" if as_json else "q.yaml"), (raw.encode(), "hostile.yaml")):
            check(client.post("/questionnaires", data={"csrf_token": csrf, "file": upload(body, filename)}))
            check(client.post("/scorecards/", data={"csrf_token": csrf, "file": upload(body, filename)}))

    uploads()


def test_roster_uploads_with_hostile_cells(hostile):
    app, _ = hostile
    client, csrf = signed_in(app)
    cells = TEXT | st.sampled_from(["\x00", "9" * 80, "名" * 300, "=1+1", "＝1+1", "\"", "a\nb"])

    @FUZZ
    @given(rows=st.lists(st.tuples(cells, cells, cells, cells), min_size=1, max_size=5), xlsx=st.booleans())
    def uploads(rows, xlsx):
        header = ("code", "name", "district", "kind")
        if xlsx:
            workbook = Workbook()
            workbook.active.append(header)
            for row in rows:
                workbook.active.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
            content = io.BytesIO()
            workbook.save(content)
            body, filename = content.getvalue(), "r.xlsx"
        else:
            text = io.StringIO()
            csv.writer(text).writerows([header, *rows])
            body, filename = text.getvalue().encode(), "r.csv"
        check(client.post("/rosters", data={"csrf_token": csrf, "name": f"fuzz {len(rows)}",
                                            "file": upload(body, filename)}))

    uploads()


def test_password_forms(hostile):
    app, objects = hostile
    client, csrf = signed_in(app)

    @FUZZ
    @given(current=TEXT, password=TEXT, confirm=TEXT)
    def change(current, password, confirm):
        check(client.post("/account/password", data={"csrf_token": csrf, "current": current,
                                                      "password": password, "confirm": confirm}))
        check(client.post(f"/admin/users/{objects['user_id']}/password",
                          data={"csrf_token": csrf, "password": password, "confirm": confirm}))

    change()


def test_ids_and_keys_in_every_route(hostile):
    app, objects = hostile
    client, csrf = signed_in(app)
    rules = [rule for rule in app.url_map.iter_rules() if rule.arguments and not rule.rule.startswith("/static")]
    values = st.one_of(st.integers(-2**70, 2**70).map(str), TEXT.filter(lambda text: "/" not in text),
                       st.sampled_from(["0", "-1", "2147483648", "9" * 40, "%00", "..", " "]))

    @settings(FUZZ, max_examples=100)
    @given(rule=st.sampled_from(rules), value=values)
    def visit(rule, value):
        path = rule.rule
        for argument in rule.arguments:
            path = re.sub(r"<(?:[^:<>]+:)?" + argument + r">", quote(value, safe="") or "x", path)
        path = re.sub(r"<any\([^)]*\):\w+>", "x", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            check(client.open(path, method=method, data={"csrf_token": csrf} if method == "POST" else None))

    visit()
