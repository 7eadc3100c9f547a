"""The satisfaction document as readable terminal tables (``analyze`` without ``--json``)."""
from __future__ import annotations

from analysis.narrative import group_name, reliability_warning_text
from analysis.rounding import fixed, percent
from analysis.satisfaction import ranked_groups
from survey_service.text_tables import text_table


def _interval(ci) -> str:
    return "—" if not ci else f"[{fixed(ci[0])}, {fixed(ci[1])}]"


def render_document(document: dict) -> str:
    """Counts, overall and dimension indexes with intervals, groups, reliability and the indicator score."""
    survey, counts, overall = document["survey"], document["counts"], document["overall"]
    blocks = [
        f"{survey.get('title') or survey['key']}  ({survey['key']}, {survey['status']})",
        f"发放 {counts['issued']}  提交 {counts['submitted']}  有效 {counts['valid']}  无效 {counts['invalid']}  "
        f"提交率 {percent(counts['return_rate'], rate=True)}  问卷回收率 {percent(counts['valid_rate'], rate=True)}",
        f"综合满意度 {percent(overall['index'])}  95% CI {_interval(overall['ci95'])}  n={overall['n']}  "
        f"({document['scoring']['scheme']}, {document['ci_method']})",
    ]
    rows = [(d["key"], d["title"], percent(d["index"]), _interval(d["ci95"]), str(d["n"]),
             fixed(d["delta_pp"], signed=True)) for d in document["dimensions"]]
    blocks.append(text_table(("维度", "名称", "满意度", "95% CI", "n", "较综合(个百分点)"), rows,
                             (False, False, True, True, True, True)))
    groups = document.get("groups")
    if groups:
        rows = [(group_name(row["group"]), str(row["issued"]), str(row["valid"]), percent(row["index"]),
                 _interval(row["ci95"])) for row in ranked_groups(groups["rows"])]
        blocks.append(text_table((groups["by"], "发放", "有效", "满意度", "95% CI"), rows,
                                 (False, True, True, True, True)))
        test = groups.get("test")
        if test:
            blocks.append(f"Kruskal–Wallis H={fixed(test['statistic'])}, df={test['df']}, "
                          f"p={fixed(test['p_value'], 3)}, ε²={fixed(test['epsilon_squared'], 3)}")
    reliability = document.get("reliability")
    if reliability:
        blocks.append("\n".join([f"Cronbach's α {fixed(reliability['cronbach_alpha'], 3)} "
                                 f"(n={reliability['n_complete']})", *reliability_warning_text(document)]))
    indicator = document.get("indicator")
    if indicator and indicator.get("score") is not None:
        blocks.append(f"{indicator['code']} {indicator['name']}: {indicator['weight']:g} × "
                      f"{percent(indicator['index'])} = {fixed(indicator['score'])}")
    return "\n\n".join(blocks) + "\n"
