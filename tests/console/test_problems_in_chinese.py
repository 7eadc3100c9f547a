"""A bad file uploaded to the Chinese console is described in Chinese: every problem, the summaries of repeated ones
and the guess at the file's scale, with only file and column names left as they are."""
from __future__ import annotations

import html
import io
import re

from tests.conftest import post_form
from tests.console.conftest import ANSWERS

#: two ASCII words in a row: an English sentence, where the names of files, columns and formats stand alone
ENGLISH = re.compile(r"[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}")
#: names that stay as they are in a Chinese message
NAMES = ("CSV UTF-8", "XLSX", "centre_code", "contact_email")


def problems(page: str) -> list[str]:
    listed = page[page.index('class="problems"'):]
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", listed[:listed.index("</ul>")])]


def assert_chinese(found: list[str], filename: str) -> None:
    assert found
    for problem in found:
        text = problem.replace(filename, "")
        for name in NAMES:
            text = text.replace(name, "")
        assert re.search(r"[\u4e00-\u9fff]", text) and not ENGLISH.search(text), problem


def upload(client, page: str, data: bytes, filename: str, **fields):
    return post_form(client, page, {"file": (io.BytesIO(data), filename), **fields},
                     content_type="multipart/form-data")


def test_a_bad_roster_is_described_in_chinese(client, login):
    login("evaluator")
    bad = ("code,name,district,contact_email,片区\n1,甲街道,黄浦区,a@b,x\n1,,,,y\n,乙街道,徐汇区,,z\n"
           + "2," + "名" * 300 + ",黄浦区,,w\n").encode()
    response = upload(client, "/rosters", bad, "roster.csv", name="坏名单")
    found = problems(response.get_data(as_text=True))
    assert response.status_code == 422 and len(found) == 6
    assert "roster.csv 第 3 行：编码“1”重复（首次出现在第 2 行）" in found
    assert_chinese(found, "roster.csv")
    separated = upload(client, "/rosters", "code;name;district\n1;甲街道;黄浦区\n".encode(), "semicolons.csv",
                       name="分号名单")
    assert problems(separated.get_data(as_text=True)) == [
        "semicolons.csv 第 1 行：各列以分号（;）分隔，而不是逗号：请将文件另存为 CSV UTF-8（逗号分隔）或 XLSX"]
    header = upload(client, "/rosters", "code,name,name\n1,甲街道,甲\n".encode(), "header.csv", name="表头")
    assert_chinese(problems(header.get_data(as_text=True)), "header.csv")


def test_a_bad_responses_file_is_described_in_chinese(client, login, small_survey):
    login("evaluator")
    items = list(ANSWERS)
    # seven unknown centres, and every answer of q03–q12 on a 7-point scale
    rows = [[f"31019999{n}", 5, 5, *[7] * 10] for n in range(7)]
    data = "\n".join([",".join(["centre_code", *items, "colour"])]
                     + [",".join(str(cell) for cell in row) for row in rows]).encode()
    response = upload(client, f"/surveys/{small_survey}/responses/import", data, "paper.csv", mode="paper")
    found = problems(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "paper.csv：……另有 2 行存在同样的问题（未知单位）" in found
    assert "paper.csv q03–q12 列：70 个值超出 1–5（首个在第 2 行 q03 列：“7”）；该文件可能使用 7 级量表" in found
    assert_chinese(found, "paper.csv")
