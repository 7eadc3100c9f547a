"""The changes between two versions, named in words: hand-made edits and the changes they must give."""
import copy

import yaml

from analysis.questionnaire import parse_questionnaire
from analysis.questionnaire_diff import diff_questionnaires

from conftest import QUESTIONNAIRE_2017


def test_every_kind_of_edit_is_named_and_nothing_else():
    old = yaml.safe_load(QUESTIONNAIRE_2017.read_text(encoding="utf-8"))
    new = copy.deepcopy(old)
    new["dimensions"][0]["weight"] = 2
    new["dimensions"][1]["title"] = "平台访问的便捷性"
    new["dimensions"][2]["items"][1].update(text="终端设备经常出现故障", reverse=True)
    new["dimensions"][3]["items"][0]["weight"] = 3
    moved = new["dimensions"][5]["items"].pop(1)
    new["dimensions"][4]["items"].append(moved)
    new["dimensions"][5]["items"].append({"key": "q13", "text": "投诉处理人员的服务态度"})
    del new["open_questions"]
    new["scoring"] = {"scheme": "top_box"}
    changes = [str(c) for c in diff_questionnaires(parse_questionnaire(old), parse_questionnaire(new))]
    assert changes == [
        "Scoring changed from linear (5→100, 4→75, 3→50, 2→25, 1→0) to top_box (5→100, 4→100, 3→0, 2→0, 1→0).",
        "Dimension resources weight changed from 1 to 2.",
        "Dimension access renamed from “平台访问便捷性” to “平台访问的便捷性”.",
        "Item q06 reworded from “终端站点设备运行的稳定程度” to “终端设备经常出现故障”.",
        "Item q06 is now reversed.",
        "Item q07 weight changed from 1 to 3.",
        "Item q12 moved from dimension complaints to support.",
        "Item q13 “投诉处理人员的服务态度” added.",
        "Order of items changed.",
        "Question suggestions “您对远程教育网络体系运维工作还有哪些意见和建议？” removed.",
    ]
    assert diff_questionnaires(parse_questionnaire(old), parse_questionnaire(copy.deepcopy(old))) == []
