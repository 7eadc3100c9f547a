"""The generated text of the satisfaction analysis report (docs/report-outline.md), in Chinese and English.

Pure: a satisfaction document (and, where a section needs them, a comparison and a few facts about the survey) in;
paragraphs per section out. Every number in a sentence comes from the document and is formatted here once:
percentages with two decimals (98.64%), differences of the printed figures in percentage points.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from analysis.intervals import BOOTSTRAP_RESAMPLES
from analysis.rounding import fixed, percent, round_half_up
from analysis.satisfaction import ranked_groups

#: report-outline.md's section keys, in the outline's order (1–11)
SECTIONS = ("scope", "method", "returns", "sample", "overall", "dimensions", "groups", "reliability", "comments",
            "limitations", "conclusion")
#: groups with fewer valid questionnaires than this get a warning next to their figure
SMALL_GROUP = 5
#: Cronbach's α readings, highest threshold first
RELIABILITY_READINGS = ((0.9, "excellent"), (0.8, "good"), (0.7, "acceptable"), (float("-inf"), "questionable"))

ZH = {
    "scope": "本次调查对象为{population}，调查范围覆盖{districts}个区{issued}个街镇。",
    "period": "调查时间为{opens}至{closes}，绩效评价小组通过电子邮件和二维码向各单位发送专属问卷链接，由各单位在线填答。",
    "design": "问卷共设{dimensions}个维度、{items}个题项，采用{levels}级量表（{labels}），另设“{na}”选项。",
    "scheme.linear": "按线性赋分法计分：{points}。",
    "scheme.points": "按赋分表计分：{points}。",
    "scheme.top_box": "按满意率计分：选择前{top}项的作答记100分，其余记0分（{points}）。",
    "points": "{label}{points}分",
    "estimators": "题项满意度为该题项有效作答分值的平均数，“{na}”和未作答不计入；维度满意度为所含题项满意度按题项权重的加权平均；"
                  "综合满意度为各维度满意度按维度权重的加权平均。文中“满意度”均指0—100的分值，“满意率”指选择“{top1}”“{top2}”"
                  "两项的作答占比。",
    "validity": "有效问卷认定规则：李克特题项作答比例（含“{na}”）不低于{share}；每个单位仅可提交一份问卷；经复核认定为无效的问卷保留记录及原因，"
                "但不计入任何统计。",
    "straight_lining": "所有题项选择同一选项的问卷标记为待复核。",
    "interval.bootstrap": "95%置信区间采用以受访单位为抽样单元的自助法（百分位法，{resamples}次重抽样，固定随机种子，结果可复现）{fpc}。",
    "interval.delta": "95%置信区间采用线性化（delta）方法{fpc}。",
    "fpc": "，并按有限总体校正系数√((N−n)/(N−1))缩小区间半宽（N为发放数，n为有效问卷数）",
    "returns": "共发放问卷{issued}份，提交{submitted}份，其中有效问卷{valid}份，问卷回收率（有效问卷÷发放数）为{valid_rate}。",
    "returns.invalid": "{invalid}份问卷经认定为无效，未计入统计。",
    "sample": "有效问卷来自{districts}个区，其中{largest}最多，为{largest_n}份，占{largest_share}。",
    "sample.kinds": "按单位类型分，{kinds}。",
    "kind": "{kind}{n}份（占{share}）",
    "overall": "在{valid}份有效问卷中，“{top1}”“{top2}”分别占{x}、{y}，合计{z}；综合满意度为{overall}，95%置信区间为{low}至{high}。",
    "overall.point": "在{valid}份有效问卷中，“{top1}”“{top2}”分别占{x}、{y}，合计{z}；综合满意度为{overall}。",
    "no_index": "尚无有效问卷，无法计算满意度。",
    "dimensions": "受访者对{highest}的满意度最高，达到{high}，相较于平均满意度分值（{overall}）高出了{up}个百分点；"
                  "对{lowest}的满意度最低，为{low}，低{down}个百分点。",
    "ranking": "各维度满意度由高到低依次为：{ranking}。",
    "ranked": "{title}（{index}）",
    "groups": "各区满意度最高为{highest}（{high}），最低为{lowest}（{low}），相差{gap}个百分点；Kruskal–Wallis检验H={statistic}，"
              "p{p}，差异{significance}。",
    "groups_untested": "各区满意度最高为{highest}（{high}），最低为{lowest}（{low}），相差{gap}个百分点；各问卷得分完全相同，"
                       "无法进行Kruskal–Wallis检验。",
    "significant": "在0.05水平上显著",
    "not_significant": "在0.05水平上不显著",
    "small_groups": "{groups}的有效问卷少于{minimum}份，其满意度仅供参考。",
    "list_separator": "、",
    "clause_separator": "；",
    "reliability": "量表的Cronbach's α系数为{alpha}（基于{n}份所有题项均作出有效评价的问卷），{reading}。",
    "reading.excellent": "信度优秀",
    "reading.good": "信度良好",
    "reading.acceptable": "信度可以接受",
    "reading.questionable": "信度存疑，结论应谨慎使用",
    "weak_items": "删除题项{items}后α系数将有所上升，这些题项与其余题项的一致性相对较弱。",
    "warning.negative_alpha": "注意：Cronbach's α为负值，说明题项之间总体呈负相关，常见原因是反向题未作反向计分；"
                              "核查各题项的计分方向之前，不应据此判断量表信度。",
    "warning.negative_item_total_r": "注意：题项{items}与其余题项总分呈负相关，可能需要反向计分，或应检查其题意。",
    "no_reliability": "所有题项均作出有效评价的问卷不足3份，未计算信度系数。",
    "undefined_reliability": "各问卷总分完全相同，没有可供分析的差异，Cronbach's α系数无法计算。",
    "comments": "共收到意见和建议{count}条，来自{groups}个区，按区汇总如下。",
    "no_comments": "本次调查未收到意见和建议。",
    "nonresponse": "本次调查尚有{missing}个单位的问卷未回收或无效。若未回收的{missing}份问卷全部为最低/最高评价，综合满意度将介于{lower}与{upper}之间。",
    "self_report": "满意度来自受访单位的自我评价，可能受主观因素影响；每个单位仅由一名工作人员代表填答，其评价未必代表单位内全部人员的意见。",
    "indicator": "{code}{name}权重{weight}分，得分 = {weight} × {overall} = {score}分。",
    "comparison": "与{earlier}相比，综合满意度{change}（Mann–Whitney U检验p{p}，变化{significance}）。",
    "comparison.dimensions": "分维度看，{changes}。",
    "comparison.dimension": "{title}{change}（p{p}）",
    "up": "上升{value}个百分点",
    "down": "下降{value}个百分点",
    "same": "持平",
    "date": "{year}年{month}月{day}日",
    "blank_group": "（未填）",
}

EN = {
    "scope": "The survey covered {population}: {issued} units in {districts} districts.",
    "period": "It ran from {opens} to {closes}; each unit received a personal link by e-mail or QR code and answered "
              "online.",
    "design": "The questionnaire has {items} items in {dimensions} dimensions on a {levels}-point scale ({labels}), "
              "plus a “{na}” option.",
    "scheme.linear": "Answers are scored linearly: {points}.",
    "scheme.points": "Answers are scored by a points table: {points}.",
    "scheme.top_box": "Answers are scored as a top-box share: the top {top} options count 100, the others 0 "
                      "({points}).",
    "points": "{label} {points}",
    "estimators": "An item's index is the mean of its scored answers (“{na}” and blanks excluded); a dimension's "
                  "index is the item-weighted mean of its items' indexes; the overall index is the dimension-weighted "
                  "mean of the dimension indexes. “Satisfaction” always means this 0–100 score; the “top-2 share” is "
                  "the share of answers “{top1}” or “{top2}”.",
    "validity": "A questionnaire is valid when at least {share} of its Likert items are answered (“{na}” counts as "
                "answered); each unit submits once; questionnaires judged invalid are kept with their reason but "
                "excluded from every figure.",
    "straight_lining": "A questionnaire with the same option on every item is flagged for review.",
    "interval.bootstrap": "95% intervals come from a respondent-level bootstrap (percentile method, {resamples} "
                          "resamples, fixed seed, reproducible){fpc}.",
    "interval.delta": "95% intervals come from the delta method (linearisation){fpc}.",
    "fpc": ", narrowed by the finite-population correction √((N−n)/(N−1)) (N issued, n valid)",
    "returns": "{issued} questionnaires were issued and {submitted} submitted, of which {valid} were valid: a "
               "return rate (valid ÷ issued) of {valid_rate}.",
    "returns.invalid": "{invalid} questionnaires were judged invalid and are not counted.",
    "sample": "Valid questionnaires came from {districts} districts; {largest} returned the most, {largest_n} "
              "({largest_share}).",
    "sample.kinds": "By kind of unit: {kinds}.",
    "kind": "{kind} {n} ({share})",
    "overall": "Of the {valid} valid questionnaires' answers, “{top1}” and “{top2}” made up {x} and {y}, {z} in "
               "all; the overall satisfaction index is {overall} (95% interval {low} to {high}).",
    "overall.point": "Of the {valid} valid questionnaires' answers, “{top1}” and “{top2}” made up {x} and {y}, {z} "
                     "in all; the overall satisfaction index is {overall}.",
    "no_index": "There is no valid questionnaire yet, so no index can be computed.",
    "dimensions": "Respondents were most satisfied with {highest}, at {high}, {up} percentage points above the "
                  "overall index ({overall}); and least satisfied with {lowest}, at {low}, {down} percentage points "
                  "below it.",
    "ranking": "Dimensions from high to low: {ranking}.",
    "ranked": "{title} ({index})",
    "groups": "By district, the highest index is {highest} ({high}) and the lowest {lowest} ({low}), a gap of {gap} "
              "percentage points; Kruskal–Wallis test H = {statistic}, p {p}: the difference is {significance}.",
    "groups_untested": "By district, the highest index is {highest} ({high}) and the lowest {lowest} ({low}), a gap "
                       "of {gap} percentage points; every questionnaire scored the same, so no Kruskal–Wallis test "
                       "is possible.",
    "significant": "significant at the 0.05 level",
    "not_significant": "not significant at the 0.05 level",
    "small_groups": "{groups} returned fewer than {minimum} valid questionnaires; read their indexes with care.",
    "list_separator": ", ",
    "clause_separator": "; ",
    "reliability": "Cronbach's α of the scale is {alpha} (on {n} questionnaires with a rating on every item): "
                   "{reading}.",
    "reading.excellent": "excellent reliability",
    "reading.good": "good reliability",
    "reading.acceptable": "acceptable reliability",
    "reading.questionable": "questionable reliability; use the conclusions with care",
    "weak_items": "Deleting {items} would raise α: these items agree less with the rest of the scale.",
    "warning.negative_alpha": "Warning: Cronbach's α is negative, so the items correlate negatively on the whole, "
                              "typically because a reversed item was scored as if it were not; check the items' "
                              "direction before reading it as the scale's reliability.",
    "warning.negative_item_total_r": "Warning: {items} correlate negatively with the total of the other items and "
                                     "probably should be reversed, or their wording checked.",
    "no_reliability": "Fewer than 3 questionnaires rate every item, so no reliability coefficient is computed.",
    "undefined_reliability": "Every questionnaire has the same total score, so Cronbach's α is undefined.",
    "comments": "{count} comments and suggestions came from {groups} districts; they are listed by district below.",
    "no_comments": "No comments or suggestions were received.",
    "nonresponse": "{missing} units did not return a valid questionnaire. Had all {missing} given the lowest (highest) "
                   "rating throughout, the overall index would lie between {lower} and {upper}.",
    "self_report": "Satisfaction is self-reported by the units and may be coloured by subjective factors; one staff "
                   "member answers for each unit and need not speak for all of its staff.",
    "indicator": "{code} {name}, weight {weight}: score = {weight} × {overall} = {score}.",
    "comparison": "Compared with {earlier}, the overall index {change} (Mann–Whitney U test p {p}; {significance}).",
    "comparison.dimensions": "By dimension: {changes}.",
    "comparison.dimension": "{title} {change} (p {p})",
    "up": "rose by {value} percentage points",
    "down": "fell by {value} percentage points",
    "same": "is unchanged",
    "date": "{day} {month_name} {year}",
    "blank_group": "(blank)",
}

TEMPLATES = {"zh": ZH, "en": EN}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class SurveyFacts:
    """What the sentences need beyond the document: the population, the period and the questionnaire's rules."""

    #: who was surveyed, e.g. 上海市221个街镇党建服务中心
    population: str
    #: scale option labels from the most satisfied down, keyed by option value ("5": 非常满意)
    option_labels: Mapping[str, str]
    #: the label of the not-applicable option (不了解)
    not_applicable_label: str
    #: valid questionnaire rule: least share of Likert items answered (0–1)
    min_answered_share: float
    flag_straight_lining: bool
    opens: date | None = None
    closes: date | None = None
    #: open comments received, and how many groups they came from
    comments: int = 0
    comment_groups: int = 0
    #: valid questionnaires per kind of unit (街道 / 镇 / …), largest first
    kinds: Sequence[tuple[str, int]] = field(default_factory=tuple)


def group_name(label: str, language: str = "zh") -> str:
    """A group's label as pages and reports show it: units with a blank grouping value are （未填）."""
    return label if label else TEMPLATES[language]["blank_group"]


def reliability_reading(alpha: float) -> str:
    """excellent (≥ 0.9), good (≥ 0.8), acceptable (≥ 0.7) or questionable."""
    return next(reading for threshold, reading in RELIABILITY_READINGS if alpha >= threshold)


def coefficient(value: float | None) -> str:
    """A coefficient (Cronbach's α, a correlation) as printed everywhere: three decimals, 0.794."""
    return fixed(value, 3)


def points_difference(higher: float, lower: float) -> str:
    """The difference of two printed percentages in percentage points (84.17% − 81.65% → 2.52)."""
    return fixed(round_half_up(higher, 2) - round_half_up(lower, 2))


def p_value_text(p: float) -> str:
    """``=0.512`` or ``<0.001``, to follow a ``p``."""
    return "<0.001" if p < 0.001 else "=" + fixed(p, 3)


def narrative(document: dict, facts: SurveyFacts, language: str = "zh", comparison: dict | None = None) -> dict:
    """Paragraphs per section of report-outline.md (keys: :data:`SECTIONS`), each a list of sentences."""
    writer = _Writer(TEMPLATES[language], language)
    has_index = document["overall"]["index"] is not None
    sections = {
        "scope": writer.scope(document, facts),
        "method": writer.method(document, facts),
        "returns": writer.returns(document),
        "sample": writer.sample(document, facts),
        "overall": writer.overall(document, facts) if has_index else [writer.say("no_index")],
        "dimensions": writer.dimensions(document) if has_index else [],
        "groups": writer.groups(document) if has_index else [],
        "reliability": writer.reliability(document),
        "comments": writer.comments(facts),
        "limitations": writer.limitations(document) if has_index else [writer.say("self_report")],
        "conclusion": writer.conclusion(document, comparison) if has_index else [],
    }
    return sections


def reliability_warning_text(document: dict, language: str = "zh") -> list[str]:
    """The reliability warnings alone (a negative α, negatively correlated items), for pages and the CLI."""
    reliability = document["reliability"]
    return _Writer(TEMPLATES[language], language).reliability_warnings(reliability) if reliability else []


def comparison_text(comparison: dict, language: str = "zh") -> list[str]:
    """The year-over-year sentences alone (the conclusion's last part), for the comparison page."""
    return _Writer(TEMPLATES[language], language).comparison(comparison)


class _Writer:
    """Fills one language's templates; numbers are formatted only by the module's helpers."""

    def __init__(self, templates: dict[str, str], language: str):
        self.templates = templates
        self.language = language

    def say(self, key: str, **values) -> str:
        return self.templates[key].format(**values)

    def join(self, parts: Sequence[str]) -> str:
        return self.templates["list_separator"].join(parts)

    def title(self, entry: dict) -> str:
        return (entry.get("title_en") or entry["title"]) if self.language == "en" else entry["title"]

    def group(self, label: str) -> str:
        return group_name(label, self.language)

    def date(self, day: date) -> str:
        return self.say("date", year=day.year, month=day.month, day=day.day, month_name=MONTHS[day.month - 1])

    def scope(self, document: dict, facts: SurveyFacts) -> list[str]:
        groups = document["groups"]["rows"] if document["groups"] else []
        sentences = [self.say("scope", population=facts.population, districts=len(groups),
                              issued=document["counts"]["issued"])]
        if facts.opens and facts.closes:
            sentences.append(self.say("period", opens=self.date(facts.opens), closes=self.date(facts.closes)))
        return sentences

    def method(self, document: dict, facts: SurveyFacts) -> list[str]:
        labels = list(facts.option_labels.values())
        scoring = document["scoring"]
        points = self.join([self.say("points", label=facts.option_labels[value], points=scoring["points"][value])
                            for value in facts.option_labels])
        items = sum(len(d["items"]) for d in document["dimensions"])
        sentences = [
            self.say("design", dimensions=len(document["dimensions"]), items=items, levels=len(labels),
                     labels=self.join(labels), na=facts.not_applicable_label),
            self.say(f"scheme.{scoring['scheme']}", points=points, top=scoring.get("top")),
            self.say("estimators", na=facts.not_applicable_label, top1=labels[0], top2=labels[1]),
            self.say("validity", na=facts.not_applicable_label, share=_share(facts.min_answered_share * 100)),
        ]
        if facts.flag_straight_lining:
            sentences.append(self.say("straight_lining"))
        method = "interval.bootstrap" if document["ci_method"].startswith("bootstrap") else "interval.delta"
        fpc = self.templates["fpc"] if document["ci_method"].endswith("-fpc") else ""
        sentences.append(self.say(method, resamples=BOOTSTRAP_RESAMPLES, fpc=fpc))
        return sentences

    def returns(self, document: dict) -> list[str]:
        counts = document["counts"]
        rate = percent(counts["valid_rate"], rate=True)
        sentences = [self.say("returns", issued=counts["issued"], submitted=counts["submitted"], valid=counts["valid"],
                              valid_rate=rate)]
        if counts["invalid"]:
            sentences.append(self.say("returns.invalid", invalid=counts["invalid"]))
        return sentences

    def sample(self, document: dict, facts: SurveyFacts) -> list[str]:
        valid = document["counts"]["valid"]
        rows = [row for row in (document["groups"]["rows"] if document["groups"] else []) if row["valid"]]
        if not valid or not rows:
            return []
        largest = max(rows, key=lambda row: row["valid"])
        sentences = [self.say("sample", districts=len(rows), largest=self.group(largest["group"]),
                              largest_n=largest["valid"],
                              largest_share=percent(largest["valid"] / valid * 100))]
        if facts.kinds:
            kinds = [self.say("kind", kind=kind, n=n, share=percent(n / valid * 100)) for kind, n in facts.kinds]
            sentences.append(self.say("sample.kinds", kinds=self.join(kinds)))
        return sentences

    def overall(self, document: dict, facts: SurveyFacts) -> list[str]:
        distribution = document["distribution"]
        values = list(facts.option_labels)
        answered = sum(distribution[value] for value in values)
        top1, top2 = (distribution[value] / answered * 100 for value in values[:2])
        overall = document["overall"]
        labels = list(facts.option_labels.values())
        figures = dict(valid=document["counts"]["valid"], top1=labels[0], top2=labels[1], x=percent(top1),
                       y=percent(top2), z=percent(top1 + top2), overall=percent(overall["index"]))
        if overall["ci95"]:
            return [self.say("overall", low=percent(overall["ci95"][0]), high=percent(overall["ci95"][1]),
                             **figures)]
        return [self.say("overall.point", **figures)]

    def dimensions(self, document: dict) -> list[str]:
        overall = document["overall"]["index"]
        by_key = {d["key"]: d for d in document["dimensions"]}
        highest, lowest = by_key[document["highest"]["key"]], by_key[document["lowest"]["key"]]
        ranked = sorted((d for d in document["dimensions"] if d["index"] is not None), key=lambda d: -d["index"])
        return [
            self.say("dimensions", highest=self.title(highest), high=percent(highest["index"]),
                     overall=percent(overall), up=points_difference(highest["index"], overall),
                     lowest=self.title(lowest), low=percent(lowest["index"]),
                     down=points_difference(overall, lowest["index"])),
            self.say("ranking", ranking=self.join([self.say("ranked", title=self.title(d), index=percent(d["index"]))
                                                   for d in ranked])),
        ]

    def groups(self, document: dict) -> list[str]:
        groups = document["groups"]
        rows = [row for row in ranked_groups(groups["rows"] if groups else []) if row["index"] is not None]
        if len(rows) < 2:
            return []
        highest, lowest = rows[0], rows[-1]
        test = groups["test"]
        figures = {"highest": self.group(highest["group"]), "high": percent(highest["index"]),
                   "lowest": self.group(lowest["group"]),
                   "low": percent(lowest["index"]), "gap": points_difference(highest["index"], lowest["index"])}
        if test is None:  # every score tied: the test is undefined (analysis.stats.kruskal_wallis)
            sentences = [self.say("groups_untested", **figures)]
        else:
            sentences = [self.say("groups", **figures, statistic=fixed(test["statistic"]),
                                  p=p_value_text(test["p_value"]), significance=self.significance(test["p_value"]))]
        small = [self.group(row["group"]) for row in rows if row["valid"] < SMALL_GROUP]
        if small:
            sentences.append(self.say("small_groups", groups=self.join(small), minimum=SMALL_GROUP))
        return sentences

    def significance(self, p_value: float) -> str:
        return self.templates["significant" if p_value < 0.05 else "not_significant"]

    def reliability(self, document: dict) -> list[str]:
        reliability = document["reliability"]
        if reliability is None:
            return [self.say("no_reliability")]
        alpha = reliability["cronbach_alpha"]
        if alpha is None:  # no variance in the totals (analysis.stats._alpha)
            return [self.say("undefined_reliability")]
        sentences = [self.say("reliability", alpha=coefficient(alpha), n=reliability["n_complete"],
                              reading=self.templates["reading." + reliability_reading(alpha)])]
        sentences += self.reliability_warnings(reliability)
        weak = [key for key, value in reliability["alpha_if_deleted"].items() if value is not None and value > alpha]
        if weak:
            sentences.append(self.say("weak_items", items=self.join(weak)))
        return sentences

    def reliability_warnings(self, reliability: dict) -> list[str]:
        return [self.say("warning." + warning["code"], items=self.join(warning.get("items", ())))
                for warning in reliability.get("warnings", ())]

    def comments(self, facts: SurveyFacts) -> list[str]:
        if not facts.comments:
            return [self.say("no_comments")]
        return [self.say("comments", count=facts.comments, groups=facts.comment_groups)]

    def limitations(self, document: dict) -> list[str]:
        sentences = []
        bounds = document["nonresponse_bounds"]
        if bounds and bounds["missing_units"]:
            sentences.append(self.say("nonresponse", missing=bounds["missing_units"], lower=percent(bounds["lower"]),
                                      upper=percent(bounds["upper"])))
        sentences.append(self.say("self_report"))
        return sentences

    def conclusion(self, document: dict, comparison: dict | None) -> list[str]:
        sentences = []
        indicator = document["indicator"]
        if indicator and indicator["score"] is not None:
            sentences.append(self.say("indicator", code=indicator["code"], name=indicator["name"],
                                      weight=_number(indicator["weight"]), overall=percent(indicator["index"]),
                                      score=f"{indicator['score']:.2f}"))
        if comparison:
            sentences += self.comparison(comparison)
        return sentences

    def comparison(self, comparison: dict) -> list[str]:
        overall = comparison["overall"]
        if overall["change_pp"] is None:
            return []
        significance = self.significance(overall["p_value"]) if overall["p_value"] is not None else "—"
        sentences = [self.say("comparison", earlier=comparison["earlier"]["title"],
                              change=self.change(overall["change_pp"]), p=self.p_or_dash(overall["p_value"]),
                              significance=significance)]
        changes = [self.say("comparison.dimension", title=self.title(row), change=self.change(row["change_pp"]),
                            p=self.p_or_dash(row["p_value"]))
                   for row in comparison["dimensions"] if row["change_pp"] is not None]
        if changes:
            separator = self.templates["clause_separator"]
            sentences.append(self.say("comparison.dimensions", changes=separator.join(changes)))
        return sentences

    def change(self, change_pp: float) -> str:
        if change_pp == 0:
            return self.templates["same"]
        return self.say("up" if change_pp > 0 else "down", value=f"{abs(change_pp):.2f}")

    @staticmethod
    def p_or_dash(p_value: float | None) -> str:
        return p_value_text(p_value) if p_value is not None else " —"


def _share(value: float) -> str:
    """A threshold share as written in a rule: 80%, 87.5%."""
    return f"{value:g}%"


def _number(value: float) -> str:
    """A weight as written in the scorecard: 8, 2.5."""
    return f"{value:g}"
