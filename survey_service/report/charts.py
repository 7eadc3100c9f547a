"""Chart data from the satisfaction document, drawn twice: plotly specs on screen, SVG macros in print.

Both take the same rows from here, so the screen and the printed report cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from analysis.narrative import SMALL_GROUP, group_name
from analysis.rounding import fixed, percent
from analysis.satisfaction import ranked_groups
from survey_service.formatting import chart_text

FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
BAR = "#1d4e89"
MUTED_BAR = "#9fb3cc"
REFERENCE = "#a4161a"
#: diverging palette, strongest first: satisfied side blue, dissatisfied side red, neutral grey
POSITIVE = ("#2166ac", "#67a9cf", "#a6cfe6")
NEGATIVE = ("#b2182b", "#ef8a62", "#f4b9a0")
NEUTRAL = "#bdbdbd"
NOT_APPLICABLE = "#d8d2bd"


@dataclass(frozen=True)
class Bar:
    """One bar of an index chart: a figure on 0–100 with its interval; ``muted`` marks a small group."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    muted: bool = False


@dataclass(frozen=True)
class Segment:
    """One option's share of an item's rated answers, placed on the diverging axis (starts left of 0 when < 0)."""

    value: str
    label: str
    share: float
    start: float
    colour: str


@dataclass(frozen=True)
class LikertRow:
    key: str
    text: str
    segments: tuple[Segment, ...]
    #: share of not-applicable answers among all answers of the item
    not_applicable: float
    rated: int


def title_of(entry: dict, language: str) -> str:
    """A dimension's or item's title (``title``/``text``) in the report's language."""
    if "text" in entry:
        return (entry.get("text_en") or entry["text"]) if language == "en" else entry["text"]
    return (entry.get("title_en") or entry["title"]) if language == "en" else entry["title"]


def dimension_bars(document: dict, language: str) -> list[Bar]:
    """Dimensions ranked high to low."""
    ranked = sorted((d for d in document["dimensions"] if d["index"] is not None), key=lambda d: -d["index"])
    return [Bar(title_of(d, language), d["index"], *(d["ci95"] or (None, None))) for d in ranked]


def group_bars(document: dict, language: str) -> list[Bar]:
    """Groups (districts) ranked high to low; small groups muted."""
    return [Bar(group_name(row["group"], language), row["index"], *(row["ci95"] or (None, None)),
                muted=row["valid"] < SMALL_GROUP)
            for row in ranked_groups(document["groups"]["rows"]) if row["index"] is not None]


def choice_bars(table: dict, language: str) -> list[Bar]:
    """A choice question's options (and 其他) by their share of the respondents who answered it, in %."""
    bars = [Bar((option.get("label_en") or option["label"]) if language == "en" else option["label"],
                option["share"] * 100 if option["share"] is not None else None) for option in table["options"]]
    if table.get("other_share") is not None:
        bars.append(Bar(_("Other"), table["other_share"] * 100))
    return bars


def option_shares(distribution: dict, labels: dict[str, str]) -> list[Bar]:
    """Each option's share of the rated answers (N/A and blanks excluded), most satisfied first."""
    rated = sum(distribution[value] for value in labels)
    return [Bar(label, distribution[value] / rated * 100 if rated else None) for value, label in labels.items()]


def option_colours(values: list[str]) -> dict[str, str]:
    """Blue for the satisfied half, grey for a middle option, red for the dissatisfied half (values high → low)."""
    half = len(values) // 2
    colours = {value: POSITIVE[min(rank, len(POSITIVE) - 1)] for rank, value in enumerate(values[:half])}
    colours.update({value: NEGATIVE[min(rank, len(NEGATIVE) - 1)]
                    for rank, value in enumerate(reversed(values[len(values) - half:]))})
    if len(values) % 2:
        colours[values[half]] = NEUTRAL
    return colours


def likert_rows(document: dict, labels: dict[str, str], language: str) -> list[LikertRow]:
    """The standard diverging stacked bars: dissatisfied left of 0, satisfied right, a middle option centred."""
    values = list(labels)
    half = len(values) // 2
    colours = option_colours(values)
    rows = []
    for dimension in document["dimensions"]:
        for item in dimension["items"]:
            distribution = item["distribution"]
            rated = sum(distribution[value] for value in values)
            shares = {value: distribution[value] / rated * 100 if rated else 0.0 for value in values}
            negative = sum(shares[value] for value in values[len(values) - half:])
            middle = shares[values[half]] / 2 if len(values) % 2 else 0.0
            position = -(negative + middle)
            segments = []
            for value in reversed(values):
                segments.append(Segment(value, labels[value], shares[value], position, colours[value]))
                position += shares[value]
            answered = rated + distribution["na"]
            rows.append(LikertRow(item["key"], title_of(item, language), tuple(segments),
                                  distribution["na"] / answered * 100 if answered else 0.0, rated))
    return rows


# --- plotly specs (drawn by static/js/report.js) -----------------------------------------------------------

def _layout(height: int, **extra) -> dict:
    return {"height": height, "font": {"family": FONT, "size": 13}, "margin": {"l": 10, "r": 30, "t": 30, "b": 40},
            "paper_bgcolor": "#fff", "plot_bgcolor": "#fff", "showlegend": False, **extra}


def index_figure(bars: list[Bar], reference: float | None, reference_label: str, axis_title: str) -> dict:
    """Horizontal bars with interval whiskers and a dashed line at the reference (the overall index)."""
    with_interval = [bar.low is not None for bar in bars]
    trace = {
        "type": "bar", "orientation": "h", "y": [chart_text(bar.label) for bar in bars],
        "x": [bar.value for bar in bars],
        "marker": {"color": [MUTED_BAR if bar.muted else BAR for bar in bars]},
        "text": [percent(bar.value) for bar in bars], "textposition": "outside", "cliponaxis": False,
        # every figure is formatted here, by the one formatter (plotly's own would round differently)
        "customdata": [percent(bar.value) for bar in bars], "hovertemplate": "%{y}: %{customdata}<extra></extra>",
    }
    traces = [trace]
    if any(with_interval):
        # the whiskers start at the bar's end, where an outside label would sit: the values stand past the whiskers
        del trace["text"], trace["textposition"]
        traces.append({"type": "scatter", "mode": "text", "y": trace["y"], "hoverinfo": "skip", "cliponaxis": False,
                       "x": [bar.high if bar.high is not None else bar.value for bar in bars],
                       "text": ["\u2002" + percent(bar.value) for bar in bars], "textposition": "middle right"})
        trace["error_x"] = {"type": "data", "symmetric": False, "color": "#333", "thickness": 1.2, "width": 4,
                            "array": [bar.high - bar.value if bar.low is not None else 0 for bar in bars],
                            "arrayminus": [bar.value - bar.low if bar.low is not None else 0 for bar in bars]}
    layout = _layout(70 + 30 * len(bars),
                     xaxis={"range": [0, 108], "title": {"text": axis_title}, "ticksuffix": "%", "gridcolor": "#e5e7eb",
                            "tickvals": [0, 20, 40, 60, 80, 100]},
                     yaxis={"autorange": "reversed", "automargin": True})
    if reference is not None:
        layout["shapes"] = [{"type": "line", "x0": reference, "x1": reference, "yref": "paper", "y0": 0, "y1": 1,
                             "line": {"color": REFERENCE, "dash": "dash", "width": 1.5}}]
        layout["annotations"] = [{"x": reference, "y": 1, "yref": "paper", "yanchor": "bottom", "showarrow": False,
                                  "text": f"{chart_text(reference_label)} {percent(reference)}",
                                  "font": {"color": REFERENCE, "size": 12}}]
    return {"data": traces, "layout": layout}


def likert_figure(rows: list[LikertRow], labels: dict[str, str], not_applicable_label: str) -> dict:
    """Diverging stacked bars per item, N/A in its own panel on the right."""
    names = [chart_text(row.key) + " " + _wrap(row.text) for row in rows]
    data = []
    values = list(labels)
    for position, value in enumerate(reversed(values)):
        segments = [next(s for s in row.segments if s.value == value) for row in rows]
        data.append({"type": "bar", "orientation": "h", "name": chart_text(labels[value]), "y": names,
                     "x": [s.share for s in segments], "base": [s.start for s in segments],
                     "marker": {"color": segments[0].colour if segments else NEUTRAL},
                     "text": [fixed(s.share, 0) if s.share >= 6 else "" for s in segments],
                     "textposition": "inside", "insidetextanchor": "middle",
                     "customdata": [percent(s.share) for s in segments],
                     "hovertemplate": f"%{{y}}<br>{chart_text(labels[value])}: %{{customdata}}<extra></extra>",
                     "legendrank": len(values) - position})
    na_label = chart_text(not_applicable_label)
    data.append({"type": "bar", "orientation": "h", "name": na_label, "y": names,
                 "x": [row.not_applicable for row in rows], "xaxis": "x2", "marker": {"color": NOT_APPLICABLE},
                 "customdata": [percent(row.not_applicable) for row in rows],
                 "hovertemplate": f"%{{y}}<br>{na_label}: %{{customdata}}<extra></extra>",
                 "legendrank": len(values) + 1})
    layout = _layout(110 + 44 * len(rows), barmode="overlay", showlegend=True,
                     legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "traceorder": "normal"},
                     xaxis={"domain": [0, 0.8], "range": [-100, 100], "ticksuffix": "%", "zeroline": True,
                            "zerolinecolor": "#555", "tickvals": [-100, -50, 0, 50, 100],
                            "ticktext": ["100%", "50%", "0", "50%", "100%"], "gridcolor": "#e5e7eb"},
                     xaxis2={"domain": [0.87, 1], "range": [0, 30], "ticksuffix": "%", "tickvals": [0, 10, 20],
                             "title": {"text": na_label}, "gridcolor": "#e5e7eb"},
                     yaxis={"autorange": "reversed", "automargin": True})
    # on a phone the item keys replace the long texts (the table below the chart gives them in full)
    narrow = {"y": [chart_text(row.key) for row in rows],
              "layout": {"margin": {"l": 10, "r": 10, "t": 80, "b": 40},
                         "xaxis2": {**layout["xaxis2"], "showticklabels": False}}}
    return {"data": data, "layout": layout, "narrow": narrow}


def comparison_figure(comparison: dict, language: str) -> dict:
    """Earlier and later index per dimension, side by side."""
    rows = comparison["dimensions"]
    names = [chart_text(title_of(row, language)) for row in rows]
    data = [{"type": "bar", "orientation": "h", "name": chart_text(label), "y": names, "x": [row[key] for row in rows],
             "marker": {"color": colour}, "text": [percent(row[key]) for row in rows], "textposition": "outside",
             "cliponaxis": False, "customdata": [percent(row[key]) for row in rows],
             "hovertemplate": "%{y}: %{customdata}<extra>" + chart_text(label) + "</extra>"}
            for key, label, colour in (("earlier", comparison["earlier"]["title"], MUTED_BAR),
                                       ("later", comparison["later"]["title"], BAR))]
    layout = _layout(110 + 56 * len(rows), barmode="group", showlegend=True,
                     legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
                     xaxis={"range": [0, 112], "ticksuffix": "%", "title": {"text": _("Satisfaction index")},
                            "gridcolor": "#e5e7eb"},
                     yaxis={"autorange": "reversed", "automargin": True})
    return {"data": data, "layout": layout}


def _wrap(text: str, width: int = 18) -> str:
    """Long item texts over several tick lines (CJK text has no spaces to break at), escaped line by line."""
    return "<br>".join(chart_text(text[i:i + width]) for i in range(0, len(text), width))
