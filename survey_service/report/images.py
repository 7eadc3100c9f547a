"""The report's charts as PNG images for Word, drawn with matplotlib from the rows of ``charts.py``.

The pages draw the same rows with plotly and the printable report with SVG: the rows (bars with intervals, the
diverging Likert segments, their colours) have one definition, only the drawing differs. Drawing offline needs no
browser; a Figure object of its own per chart keeps it safe in threads (no pyplot state).
"""
from __future__ import annotations

import functools
import io

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis.narrative import percent
from survey_service.report.charts import BAR, MUTED_BAR, NOT_APPLICABLE, REFERENCE, Bar, LikertRow

#: a CJK face first (Chinese labels), then what matplotlib always has
FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei", "DejaVu Sans"]
#: the width of the text column in the Word report (A4 less 3.17 cm margins), in inches
WIDTH = 6.0
DPI = 220


def _drawing(draw):
    """Draw in the report's fonts: text takes its font when it is made, so the whole drawing runs inside."""

    @functools.wraps(draw)
    def in_report_fonts(*args, **kwargs):
        with rc_context({"font.family": "sans-serif", "font.sans-serif": FONTS, "axes.unicode_minus": False}):
            return draw(*args, **kwargs)

    return in_report_fonts


def _figure(height: float) -> Figure:
    figure = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _style(axes) -> None:
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.tick_params(axis="y", length=0)
    axes.xaxis.grid(True, color="#e5e7eb", linewidth=0.8)
    axes.set_axisbelow(True)


@_drawing
def index_png(bars: tuple[Bar, ...], reference: float | None = None, reference_label: str = "") -> bytes:
    """Horizontal bars high to low with interval whiskers, the value past each, a dashed line at the reference."""
    shown = [bar for bar in bars if bar.value is not None]
    figure = _figure(0.8 + 0.32 * max(len(shown), 1))
    axes = figure.add_subplot()
    positions = list(range(len(shown)))
    axes.barh(positions, [bar.value for bar in shown], height=0.6,
              color=[MUTED_BAR if bar.muted else BAR for bar in shown])
    for position, bar in zip(positions, shown):
        end = bar.value
        if bar.low is not None:
            axes.errorbar(bar.value, position, xerr=[[bar.value - bar.low], [bar.high - bar.value]], fmt="none",
                          ecolor="#333", elinewidth=0.9, capsize=2.5)
            end = max(bar.high, bar.value)
        axes.text(end + 1.2, position, percent(bar.value), va="center", fontsize=7.5, fontweight="bold")
    if reference is not None:
        axes.axvline(reference, color=REFERENCE, linestyle="--", linewidth=1.1)
        axes.text(reference, -0.75, f"{reference_label} {percent(reference)}", color=REFERENCE, fontsize=7.5,
                  ha="center", va="bottom", fontweight="bold")
    axes.set_yticks(positions, [bar.label for bar in shown], fontsize=8)
    axes.set_ylim(len(shown) - 0.5, -1.1 if reference is not None else -0.6)
    axes.set_xlim(0, 112)
    axes.set_xticks([0, 20, 40, 60, 80, 100], [f"{tick}%" for tick in (0, 20, 40, 60, 80, 100)], fontsize=7.5)
    _style(axes)
    return _png(figure)


@_drawing
def likert_png(rows: tuple[LikertRow, ...], labels: dict[str, str], not_applicable_label: str) -> bytes:
    """Diverging stacked bars per item (dissatisfied left of 0), N/A shares in a narrow panel on the right."""
    figure = _figure(1.0 + 0.36 * max(len(rows), 1))
    grid = figure.add_gridspec(1, 2, width_ratios=[5, 1])
    axes, na_axes = figure.add_subplot(grid[0]), figure.add_subplot(grid[1])
    positions = list(range(len(rows)))
    for position, row in zip(positions, rows):
        for segment in row.segments:
            if segment.share <= 0:
                continue
            axes.barh(position, segment.share, left=segment.start, height=0.62, color=segment.colour)
            if segment.share >= 7:
                dark = segment.colour in ("#2166ac", "#b2182b")
                axes.text(segment.start + segment.share / 2, position, f"{segment.share:.0f}", ha="center",
                          va="center", fontsize=6.5, color="white" if dark else "#222")
        na_axes.barh(position, row.not_applicable, height=0.62, color=NOT_APPLICABLE)
        na_axes.text(row.not_applicable + 0.8, position, percent(row.not_applicable), va="center", fontsize=6)
    axes.axvline(0, color="#555", linewidth=0.8)
    axes.set_xlim(-100, 100)
    axes.set_xticks([-100, -50, 0, 50, 100], ["100%", "50%", "0", "50%", "100%"], fontsize=7)
    axes.set_yticks(positions, [f"{row.key} {row.text}" if len(row.text) <= 16 else f"{row.key} {row.text[:15]}…"
                                for row in rows], fontsize=7)
    axes.set_ylim(len(rows) - 0.5, -0.6)
    na_axes.set_ylim(len(rows) - 0.5, -0.6)
    na_axes.set_xlim(0, 30)
    na_axes.set_yticks([])
    na_axes.set_xticks([0, 10, 20], ["0", "10%", "20%"], fontsize=7)
    na_axes.set_title(not_applicable_label, fontsize=7.5)
    _style(axes)
    _style(na_axes)
    if rows:
        handles = [axes.barh([0], [0], color=segment.colour, label=segment.label)[0]
                   for segment in reversed(rows[0].segments)]
        axes.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(handles), fontsize=7,
                    frameon=False, handlelength=1.2, columnspacing=1.0)
    return _png(figure)
