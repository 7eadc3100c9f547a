"""The generated sentences against hand-built documents whose figures are known (the 2017 report's 81.65 / 84.17 /
78.90 / 98.64); no app, no database."""
import subprocess
import sys
from datetime import date
from pathlib import Path


from analysis.narrative import SECTIONS, SurveyFacts, narrative, p_value_text, points_difference, reliability_reading

LABELS_ZH = {"5": "非常满意", "4": "满意", "3": "一般", "2": "不满意", "1": "非常不满意"}
LABELS_EN = {"5": "Very satisfied", "4": "Satisfied", "3": "Neutral", "2": "Dissatisfied", "1": "Very dissatisfied"}
FACTS = SurveyFacts(population="上海市221个街镇党建服务中心", option_labels=LABELS_ZH, not_applicable_label="不了解",
                    min_answered_share=0.8, flag_straight_lining=True, opens=date(2018, 6, 8), closes=date(2018, 6, 18),
                    comments=12, comment_groups=7, kinds=(("街道", 107), ("镇", 104), ("功能区", 7)))


def dimension(key, title, index, title_en=None):
    return {"key": key, "title": title, "title_en": title_en, "weight": 1, "index": index, "ci95": None, "n": 218,
            "delta_pp": index - 81.6512, "top2_share": 70.0, "items": [{"key": key + "1"}, {"key": key + "2"}]}


def report_document(**changes):
    """The 2017 report's survey as a satisfaction document (figures as published, unrounded where it matters)."""
    document = {
        "schema": "satisfaction/v1",
        "survey": {"key": "remote-edu-ops-2017", "title": "2017年度满意度调查", "year": 2017, "status": "closed"},
        "scoring": {"scheme": "linear", "points": {"5": 100, "4": 75, "3": 50, "2": 25, "1": 0}, "not_applicable": 0,
                    "top": None},
        "counts": {"issued": 221, "submitted": 220, "valid": 218, "invalid": 2, "return_rate": 220 / 221,
                   "valid_rate": 218 / 221},
        "ci_method": "bootstrap-percentile-fpc",
        "overall": {"index": 81.6512, "ci95": [81.401, 81.9049], "n": 218},
        "dimensions": [dimension("resources", "资源栏目内容丰富度", 84.1711, "Richness of resource content"),
                       dimension("stability", "系统运行稳定性", 79.9333, "System stability"),
                       dimension("complaints", "投诉处理服务能力", 78.9049, "Complaint handling")],
        "distribution": {"5": 1000, "4": 1200, "3": 300, "2": 60, "1": 40, "na": 16, "missing": 0},
        "nonresponse_bounds": {"missing_units": 3, "lower": 80.5449, "upper": 81.9012},
        "highest": {"key": "resources", "index": 84.1711, "delta_pp": 2.52},
        "lowest": {"key": "complaints", "index": 78.9049, "delta_pp": -2.75},
        "reliability": {"cronbach_alpha": 0.912, "n_complete": 205,
                        "alpha_if_deleted": {"q01": 0.90, "q02": 0.93}, "item_total_r": {"q01": 0.71, "q02": 0.2}},
        "groups": {"by": "district", "rows": [
            {"group": "金山区", "issued": 11, "submitted": 11, "valid": 11, "valid_rate": 1.0, "index": 88.004, "n": 11},
            {"group": "黄浦区", "issued": 10, "submitted": 10, "valid": 10, "valid_rate": 1.0, "index": 81.2, "n": 10},
            {"group": "长宁区", "issued": 10, "submitted": 4, "valid": 4, "valid_rate": 0.4, "index": 76.1149, "n": 4}],
            "test": {"name": "kruskal-wallis", "statistic": 14.2049, "df": 2, "p_value": 0.51,
                     "epsilon_squared": 0.06}},
        "indicator": {"code": "C4-1", "name": "基层党建中心满意度", "weight": 8, "index": 81.6512, "score": 6.53},
    }
    document.update(changes)
    return document


def test_highest_and_lowest_dimension_read_as_the_report_does():
    sentence = narrative(report_document(), FACTS)["dimensions"][0]
    assert sentence == ("受访者对资源栏目内容丰富度的满意度最高，达到84.17%，相较于平均满意度分值（81.65%）高出了2.52个百分点；"
                        "对投诉处理服务能力的满意度最低，为78.90%，低2.75个百分点。")


def test_returns_scope_and_indicator():
    text = narrative(report_document(), FACTS)
    assert text["returns"][0] == "共发放问卷221份，提交220份，其中有效问卷218份，问卷回收率（有效问卷÷发放数）为98.64%。"
    assert text["scope"] == ["本次调查对象为上海市221个街镇党建服务中心，调查范围覆盖3个区221个街镇。",
                             "调查时间为2018年6月8日至2018年6月18日，绩效评价小组通过电子邮件和二维码向各单位发送专属问卷链接，"
                             "由各单位在线填答。"]
    assert text["conclusion"][0] == "C4-1基层党建中心满意度权重8分，得分 = 8 × 81.65% = 6.53分。"


def test_overall_shares_and_interval():
    # 1000 + 1200 + 300 + 60 + 40 = 2600 rated answers; N/A is not among them
    assert narrative(report_document(), FACTS)["overall"] == [
        "在218份有效问卷中，“非常满意”“满意”分别占38.46%、46.15%，合计84.62%；综合满意度为81.65%，95%置信区间为81.40%至81.90%。"]


def test_district_spread_test_in_words_and_small_groups():
    assert narrative(report_document(), FACTS)["groups"] == [
        "各区满意度最高为金山区（88.00%），最低为长宁区（76.11%），相差11.89个百分点；Kruskal–Wallis检验H=14.20，p=0.510，"
        "差异在0.05水平上不显著。",
        "长宁区的有效问卷少于5份，其满意度仅供参考。"]
    significant = report_document()
    significant["groups"]["test"]["p_value"] = 0.0004
    assert "p<0.001，差异在0.05水平上显著" in narrative(significant, FACTS)["groups"][0]


def test_reliability_reading_and_weak_items():
    assert narrative(report_document(), FACTS)["reliability"] == [
        "量表的Cronbach's α系数为0.912（基于205份所有题项均作出有效评价的问卷），信度优秀。",
        "删除题项q02后α系数将有所上升，这些题项与其余题项的一致性相对较弱。"]
    assert [reliability_reading(a) for a in (0.95, 0.9, 0.85, 0.7, 0.69)] == [
        "excellent", "excellent", "good", "acceptable", "questionable"]
    assert narrative(report_document(reliability=None), FACTS)["reliability"] == [
        "所有题项均作出有效评价的问卷不足3份，未计算信度系数。"]


def test_nonresponse_bounds_and_method():
    text = narrative(report_document(), FACTS)
    assert text["limitations"][0] == ("本次调查尚有3个单位的问卷未回收或无效。若未回收的3份问卷全部为最低/最高评价，"
                                      "综合满意度将介于80.54%与81.90%之间。")
    method = "".join(text["method"])
    assert "非常满意100分、满意75分、一般50分、不满意25分、非常不满意0分" in method
    assert "不低于80%" in method and "2000次重抽样" in method and "有限总体校正" in method


def test_sample_by_district_and_kind():
    assert narrative(report_document(), FACTS)["sample"] == [
        "有效问卷来自3个区，其中金山区最多，为11份，占5.05%。",
        "按单位类型分，街道107份（占49.08%）、镇104份（占47.71%）、功能区7份（占3.21%）。"]


def test_comparison_in_percentage_points():
    comparison = {"earlier": {"title": "2016年度满意度调查"}, "overall": {"change_pp": 1.2, "p_value": 0.0312},
                  "dimensions": [{"title": "资源栏目内容丰富度", "title_en": None, "change_pp": -0.5, "p_value": 0.4},
                                 {"title": "系统运行稳定性", "title_en": None, "change_pp": 0.0, "p_value": 0.9}]}
    text = narrative(report_document(), FACTS, comparison=comparison)["conclusion"]
    assert text[1] == "与2016年度满意度调查相比，综合满意度上升1.20个百分点（Mann–Whitney U检验p=0.031，变化在0.05水平上显著）。"
    assert text[2] == "分维度看，资源栏目内容丰富度下降0.50个百分点（p=0.400）；系统运行稳定性持平（p=0.900）。"


def test_chinese_text_uses_full_width_punctuation():
    text = narrative(report_document(), FACTS)
    for sentence in (s for section in text.values() for s in section):
        prose = sentence.replace("√((N−n)/(N−1))", "")  # a formula keeps its mathematical brackets
        assert not any(mark in prose for mark in (",", ";", "(", ")", '"')), sentence
        assert sentence.endswith("。"), sentence


def test_english_mirrors_the_sections():
    facts = SurveyFacts(**{**FACTS.__dict__, "option_labels": LABELS_EN, "not_applicable_label": "Don't know",
                           "population": "the party-building centres of Shanghai's streets and towns"})
    english = narrative(report_document(), facts, language="en")
    chinese = narrative(report_document(), FACTS)
    assert tuple(english) == SECTIONS
    assert {k: len(v) for k, v in english.items()} == {k: len(v) for k, v in chinese.items()}
    assert english["dimensions"][0] == (
        "Respondents were most satisfied with Richness of resource content, at 84.17%, 2.52 percentage points above "
        "the overall index (81.65%); and least satisfied with Complaint handling, at 78.90%, 2.75 percentage points "
        "below it.")
    assert english["scope"][1].startswith("It ran from 8 June 2018 to 18 June 2018")
    assert english["conclusion"][0] == "C4-1 基层党建中心满意度, weight 8: score = 8 × 81.65% = 6.53."


def test_no_valid_questionnaire_yet():
    empty = report_document(overall={"index": None, "ci95": None, "n": 0}, highest=None, lowest=None,
                            reliability=None, nonresponse_bounds={"missing_units": 221, "lower": None, "upper": None})
    text = narrative(empty, FACTS)
    assert text["overall"] == ["尚无有效问卷，无法计算满意度。"] and text["dimensions"] == [] and text["conclusion"] == []


def test_rounding_helpers():
    assert points_difference(84.1711, 81.6512) == "2.52" and points_difference(81.6512, 78.9049) == "2.75"
    assert p_value_text(0.0004) == "<0.001" and p_value_text(0.0455) == "=0.046"


def test_narrative_and_comparison_are_pure():
    code = ("import sys, analysis.narrative, analysis.comparison; print(','.join(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('flask', 'sqlalchemy', 'survey_service'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == ""


def test_identical_answers_leave_the_test_and_alpha_undefined_and_say_so():
    """Everyone gave the same answers: no Kruskal–Wallis test, no Cronbach's α; the text says why, in both languages."""
    document = report_document()
    document["groups"]["test"] = None
    document["reliability"] = {**document["reliability"], "cronbach_alpha": None,
                               "alpha_if_deleted": {"q01": None, "q02": None}}
    text = narrative(document, FACTS)
    assert text["groups"][0].endswith("各问卷得分完全相同，无法进行Kruskal–Wallis检验。")
    assert text["reliability"] == ["各问卷总分完全相同，没有可供分析的差异，Cronbach's α系数无法计算。"]
    english = narrative(document, FACTS, "en")
    assert english["groups"][0].endswith("so no Kruskal–Wallis test is possible.")
    assert english["reliability"] == ["Every questionnaire has the same total score, so Cronbach's α is undefined."]


def test_a_negative_alpha_and_negatively_correlated_items_are_warned_of():
    reliability = {"cronbach_alpha": -0.21, "n_complete": 205, "alpha_if_deleted": {"q01": -0.5, "q02": -0.4},
                   "item_total_r": {"q01": -0.1, "q02": -0.3},
                   "warnings": [{"code": "negative_alpha"}, {"code": "negative_item_total_r", "items": ["q01", "q02"]}]}
    text = narrative(report_document(reliability=reliability), FACTS)["reliability"]
    assert text[1].startswith("注意：Cronbach's α为负值")
    assert text[2] == "注意：题项q01、q02与其余题项总分呈负相关，可能需要反向计分，或应检查其题意。"
    english = narrative(report_document(reliability=reliability), FACTS, "en")["reliability"]
    assert english[2].startswith("Warning: q01, q02 correlate negatively")
