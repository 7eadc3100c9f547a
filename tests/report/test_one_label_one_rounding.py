"""Every results page, export and report of the demo: each rate under one label, each figure rounded one way.

问卷回收率 (return rate) is valid ÷ issued (``valid_rate``), 提交率 (submission rate) is submitted ÷ issued
(``return_rate``); every percentage is rounded half up (analysis/rounding.py), never by Python's format().
"""
import io
import re

import openpyxl
import pytest
from lxml import html

from analysis.rounding import percent
from survey_service.results.documents import survey_document
from survey_service.surveys.operations import find_survey
from tests.conftest import create_account, log_in

KEY = "remote-edu-ops-2017"
RESULT_PAGES = ["", "dimensions", "items", "districts", "reliability", "comments", "comparison", "report"]
CONSOLE_PAGES = ["/", f"/surveys/{KEY}"]


@pytest.fixture(scope="module")
def evaluator(demo_app):
    client = demo_app.test_client()
    email, password = create_account(demo_app, "evaluator", "labels@example.org")
    assert log_in(client, email, password).status_code == 302
    client.get(f"/surveys/{KEY}/results/", query_string={"lang": "zh"})
    return client


@pytest.fixture(scope="module")
def document(demo_app):
    with demo_app.app_context():
        return survey_document(find_survey(KEY))


@pytest.fixture(scope="module")
def texts(demo_app, evaluator):
    """The visible text of every page and the CLI's tables, by name."""
    pages = {f"results/{page}": evaluator.get(f"/surveys/{KEY}/results/{page}") for page in RESULT_PAGES}
    pages.update({f"console {page}": evaluator.get(page) for page in CONSOLE_PAGES})
    texts = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        texts[name] = html.fromstring(response.get_data(as_text=True)).text_content()
    texts["analyze"] = demo_app.test_cli_runner().invoke(args=["analyze", "--survey", KEY]).stdout
    return texts


def _figures(document):
    """Every percentage of the document, on 0–100."""
    counts = document["counts"]
    yield counts["valid_rate"] * 100
    yield counts["return_rate"] * 100
    yield document["overall"]["index"]
    for interval in [document["overall"]["ci95"]] + [d["ci95"] for d in document["dimensions"]]:
        yield from interval or ()
    for dimension in document["dimensions"]:
        yield dimension["index"]
        yield dimension["top2_share"]
        for item in dimension["items"]:
            yield item["index"]
            yield item["top2_share"]
    for row in document["groups"]["rows"]:
        if row["index"] is not None:
            yield row["index"]
        if row["valid_rate"] is not None:
            yield row["valid_rate"] * 100


def test_the_rates_have_one_label_each_everywhere(texts):
    for name, text in texts.items():
        # 回收率 only ever as 问卷回收率; no "有效回收率" and no bare 回收率 for submitted ÷ issued
        assert not re.search(r"(?<!问卷)回收率", text), name
        assert "Return rate" not in text and "return rate" not in text, name


def test_each_rate_sits_under_its_label(evaluator, document, texts):
    counts = document["counts"]
    overview = html.fromstring(evaluator.get(f"/surveys/{KEY}/results/").get_data(as_text=True))
    table = overview.xpath("//table[.//th[normalize-space()='提交率']]")[0]
    headers = [th.text_content().strip() for th in table.xpath(".//thead//th")]
    cells = [td.text_content().strip() for td in table.xpath(".//tbody//td")]
    by_label = dict(zip(headers, cells))
    assert by_label["问卷回收率"] == percent(counts["valid_rate"], rate=True)
    assert by_label["提交率"] == percent(counts["return_rate"], rate=True)
    console = html.fromstring(evaluator.get(f"/surveys/{KEY}").get_data(as_text=True))
    kpi = console.xpath("//*[@data-testid='return-rate']")[0]
    assert kpi.getparent().text_content().strip().startswith("问卷回收率")
    assert kpi.text_content().strip() == percent(counts["valid_rate"], rate=True)
    assert f"提交率 {percent(counts['return_rate'], rate=True)}" in texts["analyze"]
    assert f"问卷回收率 {percent(counts['valid_rate'], rate=True)}" in texts["analyze"]
    assert f"问卷回收率（有效问卷÷发放数）为{percent(counts['valid_rate'], rate=True)}" in texts["results/report"]


def test_every_figure_is_rounded_half_up_everywhere(document, texts):
    figures = [value for value in _figures(document) if value is not None]
    correct = {percent(value) for value in figures}
    # a figure printed by format() differs from the rule where its third decimal is a 5 (e.g. 3.125 → "3.12")
    wrong = {f"{value:.2f}%" for value in figures} - correct
    for name, text in texts.items():
        for rendering in wrong:
            assert rendering not in text, (name, rendering)
    assert percent(document["overall"]["index"]) in texts["results/"]
    assert percent(document["overall"]["index"]) in texts["analyze"]


def test_the_workbook_labels_each_rate_once(evaluator, document):
    workbook = openpyxl.load_workbook(io.BytesIO(evaluator.get(f"/surveys/{KEY}/results/results.xlsx").data))
    summary = {row[0]: row[1] for row in workbook["汇总"].iter_rows(values_only=True) if row and row[0]}
    assert summary["问卷回收率"] == pytest.approx(document["counts"]["valid_rate"])
    assert summary["提交率"] == pytest.approx(document["counts"]["return_rate"])
    labels = {cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
              if isinstance(cell, str)}
    assert not [label for label in labels if re.search(r"(?<!问卷)回收率", label)]


def test_the_document_names_the_rates_by_their_keys(document):
    counts = document["counts"]
    assert counts["valid_rate"] == pytest.approx(counts["valid"] / counts["issued"])
    assert counts["return_rate"] == pytest.approx(counts["submitted"] / counts["issued"])
