"""Formula neutralisation in every export (one home: survey_service/tabular.py), full-width starts included."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from survey_service.tabular import FORMULA_PREFIXES, csv_bytes, xlsx_bytes

STARTS = ["=", "+", "-", "@", "＝", "＋", "－", "＠"]


def test_every_formula_start_is_listed_once_in_one_place():
    assert set(STARTS) <= set(FORMULA_PREFIXES)


@pytest.mark.parametrize("start", STARTS)
def test_csv_and_xlsx_cells_starting_like_a_formula_are_text(start):
    value = f"{start}HYPERLINK(\"http://evil.example\",\"点击\")"
    read = list(csv.reader(io.StringIO(csv_bytes(["名称"], [[value], ["普通文本"]]).decode("utf-8-sig"))))
    assert read == [["名称"], ["'" + value], ["普通文本"]]
    sheet = load_workbook(io.BytesIO(xlsx_bytes({"表": (["名称"], [[value]])}))).active
    assert sheet["A2"].value == "'" + value and sheet["A2"].data_type == "s"


def test_a_roster_name_in_full_width_is_neutralised_in_the_links_export(app, client, login):
    from survey_service.extensions import db
    from survey_service.roster.operations import import_roster
    from survey_service.questionnaires.operations import import_questionnaire
    from survey_service.surveys.operations import create_survey
    from tests.conftest import QUESTIONNAIRE

    with app.app_context():
        version, _ = import_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
        roster = import_roster("code,name,district\n310101002,＝1+1,黄浦区\n".encode(), "r.csv", "全角")
        create_survey("fullwidth-2018", version, roster)
        db.session.commit()
    login("evaluator")
    exported = client.get("/surveys/fullwidth-2018/invitations.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert any("'＝1+1" in row for row in rows) and not any("＝1+1" in row for row in rows)
