"""The satisfaction document as readable terminal tables (``analyze`` without ``--json``)."""
from __future__ import annotations

from survey_service.text_tables import text_table


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


def _interval(ci) -> str:
    return "—" if not ci else f"[{ci[0]:.2f}, {ci[1]:.2f}]"


def render_document(document: dict) -> str:
    """Counts, overall and dimension indexes with intervals, groups, reliability and the indicator score."""
    survey, counts, overall = document["survey"], document["counts"], document["overall"]
    blocks = [
        f"{survey.get('title') or survey['key']}  ({survey['key']}, {survey['status']})",
        f"发放 {counts['issued']}  回收 {counts['submitted']}  有效 {counts['valid']}  无效 {counts['invalid']}  "
        f"有效回收率 {_pct(None if counts['valid_rate'] is None else counts['valid_rate'] * 100)}",
        f"综合满意度 {_pct(overall['index'])}  95% CI {_interval(overall['ci95'])}  n={overall['n']}  "
        f"({document['scoring']['scheme']}, {document['ci_method']})",
    ]
    rows = [(d["key"], d["title"], _pct(d["index"]), _interval(d["ci95"]), str(d["n"]),
             "—" if d["delta_pp"] is None else f"{d['delta_pp']:+.2f}") for d in document["dimensions"]]
    blocks.append(text_table(("维度", "名称", "满意度", "95% CI", "n", "较综合(个百分点)"), rows,
                             (False, False, True, True, True, True)))
    groups = document.get("groups")
    if groups:
        rows = [(row["group"], str(row["issued"]), str(row["valid"]), _pct(row["index"]), _interval(row["ci95"]))
                for row in groups["rows"]]
        blocks.append(text_table((groups["by"], "发放", "有效", "满意度", "95% CI"), rows,
                                 (False, True, True, True, True)))
        test = groups.get("test")
        if test:
            blocks.append(f"Kruskal–Wallis H={test['statistic']:.2f}, df={test['df']}, p={test['p_value']:.3f}, "
                          f"ε²={test['epsilon_squared']:.3f}")
    reliability = document.get("reliability")
    if reliability:
        blocks.append(f"Cronbach's α {reliability['cronbach_alpha']:.3f} (n={reliability['n_complete']})")
    indicator = document.get("indicator")
    if indicator and indicator.get("score") is not None:
        blocks.append(f"{indicator['code']} {indicator['name']}: {indicator['weight']:g} × "
                      f"{indicator['index']:.2f}% = {indicator['score']:.2f}")
    return "\n\n".join(blocks) + "\n"
