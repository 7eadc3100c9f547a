"""The result pages on the demo data: who may read them, what they show, and that every figure is the document's."""
import re

import pytest
from lxml import html

from analysis.rounding import fixed, percent
from survey_service.results.documents import survey_document
from survey_service.surveys.operations import find_survey
from tests.conftest import create_account, log_in

KEY = "remote-edu-ops-2017"
PAGES = ["", "dimensions", "items", "districts", "reliability", "comments", "comparison", "report"]
DOWNLOADS = ["report.pdf", "results.xlsx", "responses.csv"]


def url(page: str, key: str = KEY) -> str:
    return f"/surveys/{key}/results/{page}"


@pytest.fixture(scope="module")
def clients(demo_app):
    """A logged-in client per role (accounts made once per module)."""
    clients = {}
    for role in ("viewer", "evaluator", "admin"):
        client = demo_app.test_client()
        email, password = create_account(demo_app, role, f"report-{role}@example.org")
        assert log_in(client, email, password).status_code == 302
        clients[role] = client
    return clients


@pytest.fixture(scope="module")
def document(demo_app):
    with demo_app.app_context():
        return survey_document(find_survey(KEY))


@pytest.mark.parametrize("role", ["viewer", "evaluator", "admin"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_is_readable_from_viewer_up(clients, role, page):
    response = clients[role].get(url(page))
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_results_index_lists_the_surveys(clients):
    page = clients["viewer"].get("/results").get_data(as_text=True)
    assert url("") in page and url("", "remote-edu-ops-2016") in page


@pytest.mark.parametrize("page", PAGES + DOWNLOADS)
def test_anonymous_users_are_sent_to_the_login_page(demo_app, page):
    response = demo_app.test_client().get(url(page))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("page", PAGES + DOWNLOADS)
def test_an_unknown_survey_is_404(clients, page):
    assert clients["evaluator"].get(url(page, "no-such-survey")).status_code == 404


@pytest.mark.parametrize("download", ["responses.csv", "results.xlsx"])
def test_individual_responses_are_for_evaluators(clients, download):
    assert clients["viewer"].get(url(download)).status_code == 403
    assert clients["evaluator"].get(url(download)).status_code == 200


def test_overview_figures_come_from_the_document(clients, document):
    page = clients["viewer"].get(url("")).get_data(as_text=True)
    assert percent(document["overall"]["index"]) in page
    assert fixed(document['indicator']['score']) in page
    assert percent(document["counts"]["valid_rate"], rate=True) in page


def test_dimension_page_names_the_highest_and_lowest(clients, document):
    page = clients["viewer"].get(url("dimensions")).get_data(as_text=True)
    highest = next(d for d in document["dimensions"] if d["key"] == document["highest"]["key"])
    assert f"受访者对{highest['title']}的满意度最高，达到{percent(highest['index'])}" in page


def test_districts_page_gives_the_test_in_words_and_warns_of_small_groups(clients, document):
    page = clients["viewer"].get(url("districts")).get_data(as_text=True)
    assert "Kruskal–Wallis检验H=" in page and "在0.05水平上" in page
    for row in document["groups"]["rows"]:
        assert row["group"] in page


def test_charts_are_json_specs_drawn_by_a_static_script(clients):
    page = clients["viewer"].get(url("items")).get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all('src="' in attributes or 'type="application/json"' in attributes for attributes in scripts)
    assert "/assets/plotly.min.js" in page and "/static/js/report.js" in page
    assert "cdn" not in page.lower()


def test_plotly_is_served_from_the_installed_package(clients):
    response = clients["viewer"].get("/assets/plotly.min.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert b"plotly.js" in response.data[:200]


def test_the_content_security_policy_is_unchanged(clients):
    policy = clients["viewer"].get(url("")).headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy and "cdn" not in policy


def test_comparison_page_shows_the_change_since_2016(clients):
    page = clients["viewer"].get(url("comparison")).get_data(as_text=True)
    assert "2016年度远程教育网络体系运维满意度调查" in page and "个百分点" in page and "Mann–Whitney" in page
    earliest = clients["viewer"].get(url("comparison", "remote-edu-ops-2016")).get_data(as_text=True)
    assert "该问卷尚无更早的调查可供比较" in earliest


def test_comments_filter_by_district(clients):
    everything = clients["viewer"].get(url("comments")).get_data(as_text=True)
    district = re.search(r'<option value="([^"]+)">', everything).group(1)
    filtered = clients["viewer"].get(url("comments"), query_string={"district": district}).get_data(as_text=True)
    assert filtered.count('class="comment-group"') == 1 and f"<h4>{district}" in filtered


def test_printable_report_follows_the_outline(clients, document):
    page = clients["viewer"].get(url("report")).get_data(as_text=True)
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings == ["一、调查基本情况", "二、调查方法与问卷设计", "三、问卷发放与回收情况", "四、样本构成", "五、总体满意度",
                        "六、分维度满意度", "七、分区比较", "八、信度分析", "九、意见和建议汇总", "十、调查局限性", "十一、结论及指标得分"]
    assert page.count("<svg") == 4 and "chart-spec" not in page
    indicator = document["indicator"]
    assert (f"C4-1基层党建中心满意度权重8分，得分 = 8 × {percent(indicator['index'])} = {indicator['score']:.2f}分。"
            in page)


def test_english_pages_mirror_the_chinese(clients):
    page = clients["viewer"].get(url("report"), query_string={"lang": "en"}).get_data(as_text=True)
    clients["viewer"].get(url(""), query_string={"lang": "zh"})
    assert "1. About the survey" in page and "11. Conclusion and indicator score" in page
    assert "Respondents were most satisfied with" in page and "percentage points" in page


def test_workbook_shows_not_applicable_as_its_label_and_keeps_the_code(clients):
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(clients["evaluator"].get(url("results.xlsx")).data))
    readable, coded = workbook["答卷"], workbook["答卷（编码）"]
    items = [column for column, cell in enumerate(coded[1], 1) if re.fullmatch(r"q\d+", str(cell.value))]
    pairs = [(readable.cell(row, column).value, coded.cell(row, column).value)
             for row in range(2, coded.max_row + 1) for column in items]
    assert ("不了解", 0) in pairs
    assert all(shown == "不了解" for shown, code in pairs if code == 0)
    assert all(shown == code for shown, code in pairs if code != 0)


def test_a_district_where_every_unit_answered_reads_as_a_census(clients, document):
    census = [row for row in document["groups"]["rows"] if row["issued"] and row["valid"] == row["issued"]]
    assert census, "the demo has districts where every centre answered"
    page = clients["viewer"].get(url("districts")).get_data(as_text=True)
    for row in census:
        cells = re.search(rf"<th scope=\"row\">{row['group']}</th>(.*?)</tr>", page, re.S).group(1)
        assert "该区全部单位均已作答，为普查数据，无抽样误差。" in cells
        assert f"{percent(row['ci95'][0])} – {percent(row['ci95'][1])}" not in cells
    sampled = next(row for row in document["groups"]["rows"] if row["valid"] and row["valid"] < row["issued"])
    assert f"{percent(sampled['ci95'][0])} – {percent(sampled['ci95'][1])}" in page


def test_alpha_has_three_decimals_on_every_page(clients, document):
    alpha = f"{document['reliability']['cronbach_alpha']:.3f}"
    for page in ("reliability", "report"):
        html = clients["viewer"].get(url(page)).get_data(as_text=True)
        assert f"α系数为{alpha}" in html and f"<td class=\"num strong\">{alpha}</td>" in html


def _table_rows(page: str, table_class: str | None = None):
    """Each body row of the page's tables as the texts of its cells (header cell first)."""
    tree = html.fromstring(page)
    tables = tree.xpath(f"//table[contains(@class, '{table_class}')]" if table_class else "//table")
    return [[cell.text_content().strip() for cell in row.xpath("./th|./td")]
            for table in tables for row in table.xpath("./tbody/tr")]


def test_items_page_shows_each_items_answers_and_figures(clients, document):
    rows = {row[0].split()[0]: row for row in _table_rows(clients["viewer"].get(url("items")).get_data(as_text=True),
                                                           "items-table") if len(row) > 2}
    for dimension in document["dimensions"]:
        for item in dimension["items"]:
            row = rows[item["key"]]
            assert item["text"] in row[0]
            counts = [item["distribution"][value] for value in ("5", "4", "3", "2", "1")]
            assert row[1:6] == [str(count) for count in counts]
            assert row[6] == str(item["distribution"]["na"])
            assert row[7:] == [percent(item["index"]), percent(item["top2_share"])]


def test_reliability_page_shows_alpha_and_each_items_figures(clients, document):
    page = clients["viewer"].get(url("reliability")).get_data(as_text=True)
    reliability = document["reliability"]
    assert f"量表的Cronbach's α系数为{fixed(reliability['cronbach_alpha'], 3)}" in html.fromstring(page).text_content()
    rows = {row[0].split()[0]: row for row in _table_rows(page)}
    for key, deleted in reliability["alpha_if_deleted"].items():
        assert rows[key][1:] == [fixed(deleted, 3), fixed(reliability["item_total_r"][key], 3)]
    total = html.fromstring(page).xpath("//tfoot//td[contains(@class, 'strong')]")[0].text_content()
    assert total == fixed(reliability["cronbach_alpha"], 3)


def test_workbook_districts_say_census_instead_of_a_zero_width_interval(clients, document):
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(clients["evaluator"].get(url("results.xlsx")).data))["各区"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    for group in document["groups"]["rows"]:
        low, high, note = rows[group["group"]][6:9]
        if group["valid"] == group["issued"]:
            assert (low, high, note) == (None, None, "该区全部单位均已作答，为普查数据，无抽样误差。")
        else:
            assert low < high and not note
