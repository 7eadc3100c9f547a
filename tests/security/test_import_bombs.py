"""Hostile table files (rosters, response imports): zip bombs, millions of rows, endless cells.

Refused quickly, in little memory, with a message in the page's language, and nothing stored.
"""
from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.roster.models import Roster
from survey_service.tabular import MAX_CELL_CHARACTERS, MAX_TABLE_ROWS, read_table
from tests.conftest import csrf_token

#: what a request may allocate at most while refusing a file (the 16 MB upload itself included)
MEMORY_LIMIT = 160 * 2**20


@pytest.fixture(scope="module")
def shared_strings_bomb() -> bytes:
    """About 1 MB of XLSX whose shared strings unpack to 1 GB, made without ever holding the gigabyte."""
    plain = Workbook()
    plain.active.append(["code", "name", "district"])
    plain.active.append(["310101002", "南京东路街道", "黄浦区"])
    source = io.BytesIO()
    plain.save(source)
    bomb = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as packed:
        for member in original.infolist():
            if member.filename != "xl/sharedStrings.xml":
                packed.writestr(member, original.read(member))
        with packed.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                          b'spreadsheetml/2006/main"><si><t>')
            block = b"A" * 2**20
            for _ in range(1024):
                strings.write(block)
            strings.write(b"</t></si></sst>")
    data = bomb.getvalue()
    assert len(data) < 1.5 * 2**20
    return data


def big_csv() -> bytes:
    """A roster CSV of almost 16 MB (the upload limit): about 640,000 rows."""
    rows = [b"code,name,district"]
    size, number = 0, 0
    while size < 15_800_000:
        row = f"{310000000 + number},中心{number},黄浦区".encode()
        rows.append(row)
        size += len(row) + 1
        number += 1
    return b"\n".join(rows) + b"\n"


def upload_roster(client, content: bytes, filename: str):
    return client.post("/rosters", data={"csrf_token": csrf_token(client, "/rosters"), "name": "炸弹",
                                         "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def refused_in_little_memory(client, content: bytes, filename: str) -> str:
    """Refused (422) before it is read whole: the upload's peak of Python allocations stays small. Its speed is
    measured by the benchmarks, not asserted here."""
    tracemalloc.start()
    try:
        response = upload_roster(client, content, filename)
        assert response.status_code == 422
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.0f} MB"
    return response.get_data(as_text=True)


def test_a_shared_strings_bomb_is_refused_before_it_unpacks(app, client, login, shared_strings_bomb):
    login("evaluator")
    page = refused_in_little_memory(client, shared_strings_bomb, "bomb.xlsx")
    assert "bomb.xlsx：工作簿解压后超过 64 MB；最多接受 64 MB" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Roster)) == 0


def test_a_sixteen_megabyte_csv_is_refused_at_the_row_limit(app, client, login):
    login("evaluator")
    page = refused_in_little_memory(client, big_csv(), "big.csv")
    assert f"big.csv：超过 {MAX_TABLE_ROWS:,} 行；最多接受 {MAX_TABLE_ROWS:,} 行，请拆分文件" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Roster)) == 0


def test_an_endless_cell_is_refused_with_its_line_in_english_on_the_command_line():
    data = ("code,name,district\n310101002,南京东路街道,黄浦区\n310101013,外滩街道," + "区" * (MAX_CELL_CHARACTERS + 1)
            + "\n").encode()
    with pytest.raises(ProblemList) as refused:
        read_table(data, "roster.csv")
    assert refused.value.problems == [
        f"roster.csv: line 3: a cell of more than {MAX_CELL_CHARACTERS:,} characters; "
        f"at most {MAX_CELL_CHARACTERS:,} are accepted"]


def test_an_endless_cell_in_a_workbook_is_refused_too():
    workbook = Workbook()
    workbook.active.append(["code", "name", "district"])
    workbook.active.append(["310101002", "南" * (MAX_CELL_CHARACTERS + 1), "黄浦区"])
    content = io.BytesIO()
    workbook.save(content)
    with pytest.raises(ProblemList, match="roster.xlsx: line 2: a cell of more than"):
        read_table(content.getvalue(), "roster.xlsx")


def test_a_table_at_the_limits_is_read():
    rows = "".join(f"{n},中心{n},{'区' * 100}\n" for n in range(MAX_TABLE_ROWS))
    header, read = read_table(("code,name,district\n" + rows).encode(), "roster.csv")
    assert header == ["code", "name", "district"] and len(read) == MAX_TABLE_ROWS
    assert read[-1] == (MAX_TABLE_ROWS + 1, {"code": str(MAX_TABLE_ROWS - 1), "name": f"中心{MAX_TABLE_ROWS - 1}",
                                             "district": "区" * 100})


def test_a_file_that_is_not_utf8_still_names_its_first_bad_byte():
    with pytest.raises(ProblemList, match=r"roster\.csv: not UTF-8 text \(byte 28\)"):
        read_table("code,name,district\n1,中心,".encode() + b"\xff\xfe\n", "roster.csv")
