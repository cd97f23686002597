"""The review's charts, drawn with matplotlib (no display, no pyplot state) as SVG whose
text is left as text (`svg.fonttype: none`): the reader's browser draws the labels with its
own fonts, so Chinese labels need no font on the machine that makes the report. Embedded
as base64 so the HTML report is one self-contained file."""

from __future__ import annotations

import base64
import io
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from leadflow.i18n import compact, label, not_available, number, percent
from leadflow.i18n import gettext as _
from leadflow.review.model import Review
from leadflow.winmodel.review import WinReview

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ACCENT, GOOD, BAD, MUTED, LIGHT = "#2f6fde", "#2e9e5b", "#d64545", "#9aa5b1", "#e4e7eb"
SIZE = (6.4, 3.4)  # inches at 110 dpi: about 700 x 375 pixels, half a page width
DPI = 110
# The browser picks the first of these it has for each character: Latin from the first,
# Chinese from whichever CJK font the reader's system has.
FONTS = [
    "DejaVu Sans",
    "Helvetica",
    "Arial",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "sans-serif",
]


class Chart(BaseModel):
    """One chart: an id for the page, a title, a text alternative, and the SVG (base64)."""

    key: str
    title: str
    alt: str
    svg_base64: str


def _draw(
    key: str, title: str, alt: str, paint: Callable[[Axes], None], height: float = SIZE[1]
) -> Chart:
    """A figure painted by `paint`, rendered to SVG in memory."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    with (
        rc_context(
            {
                "svg.fonttype": "none",
                "svg.hashsalt": "leadflow",
                "font.family": ["sans-serif"],
                "font.sans-serif": FONTS,
                "text.parse_math": False,
            }
        ),
        warnings.catch_warnings(),
    ):
        # matplotlib measures the labels with its own font, which has no CJK glyphs; its
        # placeholder is wider than a CJK character, so the layout leaves room for the
        # browser's glyphs. The text itself goes into the SVG as text.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        figure = Figure(figsize=(SIZE[0], height), dpi=DPI)
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.spines["left"].set_color(MUTED)
        axes.spines["bottom"].set_color(MUTED)
        axes.tick_params(colors="#3e4c59", labelsize=9)
        paint(axes)
        figure.tight_layout()
        figure.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None})
    return Chart(
        key=key,
        title=title,
        alt=alt,
        svg_base64=base64.b64encode(buffer.getvalue()).decode("ascii"),
    )


def _whole_ticks(axes: Axes) -> None:
    """Counts on the y axis: no 0.25-deal ticks."""
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))


def _empty(axes: Axes, note: str) -> None:
    axes.set_axis_off()
    axes.text(
        0.5, 0.5, note, ha="center", va="center", color=MUTED, fontsize=12, transform=axes.transAxes
    )


def _hbars(
    axes: Axes,
    labels: Sequence[str],
    values: Sequence[float],
    texts: Sequence[str],
    color: str = ACCENT,
) -> None:
    """Horizontal bars, the first label on top, each bar labelled with its text."""
    positions = range(len(labels))
    axes.barh(list(positions), list(values), color=color, height=0.6)
    axes.set_yticks(list(positions), list(labels))
    axes.invert_yaxis()
    top = max(values, default=0) or 1
    for y, (value, text) in enumerate(zip(values, texts, strict=True)):
        axes.text(value + top * 0.01, y, text, va="center", fontsize=8, color="#3e4c59")
    axes.set_xlim(0, top * 1.18)


def _ranked(
    key: str,
    title: str,
    empty: str,
    rows: Sequence[tuple[str, float, str]],
    color: str = ACCENT,
    xlabel: str | None = None,
) -> Chart:
    """Horizontal bars of (label, value, text) rows, or a note when there are none."""

    def paint(axes: Axes) -> None:
        if not rows:
            return _empty(axes, empty)
        _hbars(axes, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], color)
        if xlabel:
            axes.set_xlabel(xlabel, fontsize=9)

    alt = ", ".join(f"{label} {text}" for label, _, text in rows)
    return _draw(key, title, alt, paint)


def _funnel(r: Review) -> Chart:
    rows = [
        (label("state", s.state), s.count, f"{number(s.count)} ({percent(s.share, 0)})")
        for s in r.funnel
    ]
    return _ranked(
        "funnel",
        _("Stage funnel of the leads created"),
        _("No leads in this period"),
        rows if r.total_leads else [],
    )


def _channels(r: Review) -> Chart:
    rows = [
        (
            label("channel", c.channel),
            100 * c.conversion_rate,
            _("{share} of {valid} valid").format(
                share=percent(c.conversion_rate), valid=number(c.valid)
            ),
        )
        for c in r.channels
    ]
    return _ranked(
        "channels",
        _("Conversion by channel"),
        _("No leads in this period"),
        rows,
        GOOD,
        _("conversion, won / valid (%)"),
    )


def _losses(r: Review) -> Chart:
    rows = [
        (
            label("loss_reason", s.reason),
            100 * s.share,
            f"{percent(s.share, 0)} ({number(s.count)})",
        )
        for s in r.loss_reasons
    ]
    return _ranked(
        "losses",
        _("Loss reasons"),
        _("No lost deals in this period"),
        rows,
        BAD,
        _("share of lost deals (%)"),
    )


def _cycle(r: Review) -> Chart:
    def paint(axes: Axes) -> None:
        if not any(b.count for b in r.cycle_distribution):
            return _empty(axes, _("No won deals in this period"))
        labels = [b.label for b in r.cycle_distribution]
        counts = [b.count for b in r.cycle_distribution]
        axes.bar(labels, counts, color=ACCENT, width=0.7)
        for x, n in enumerate(counts):
            axes.text(x, n, number(n), ha="center", va="bottom", fontsize=8)
        axes.set_xlabel(_("days from opportunity to won"), fontsize=9)
        axes.set_ylabel(_("deals"), fontsize=9)
        _whole_ticks(axes)

    alt = ", ".join(
        _("{days} days: {count}").format(days=b.label, count=b.count) for b in r.cycle_distribution
    )
    return _draw("cycle", _("Deal cycle, opportunity to won"), alt, paint)


def _sla(r: Review) -> Chart:
    def paint(axes: Axes) -> None:
        if not r.sla:
            return _empty(axes, _("No first contacts due in this period"))
        names = [label("priority", s.priority) for s in r.sla]
        met = [s.met for s in r.sla]
        late = [s.breached for s in r.sla]
        axes.bar(names, met, color=GOOD, label=_("met"), width=0.6)
        axes.bar(names, late, bottom=met, color=BAD, label=_("breached"), width=0.6)
        axes.bar(
            names,
            [s.pending for s in r.sla],
            bottom=[m + b for m, b in zip(met, late, strict=True)],
            color=LIGHT,
            label=_("pending"),
            width=0.6,
        )
        for x, s in enumerate(r.sla):
            axes.text(
                x,
                s.met + s.breached + s.pending,
                percent(s.compliance, 0),
                ha="center",
                va="bottom",
                fontsize=9,
                fontweight="bold",
            )
        axes.set_ylabel(_("leads"), fontsize=9)
        axes.legend(frameon=False, fontsize=8)
        _whole_ticks(axes)

    alt = ", ".join(f"{label('priority', s.priority)} {percent(s.compliance)}" for s in r.sla)
    return _draw("sla", _("First-contact SLA by priority"), alt, paint)


def _targets(r: Review) -> Chart:
    lines = [t for t in r.reps if t.won_value or t.target_revenue]
    with_target = any(t.revenue_progress is not None for t in lines)

    def paint(axes: Axes) -> None:
        if not lines:
            return _empty(axes, _("No wins or targets in this period"))
        names = [t.name for t in lines]
        if with_target:
            values = [t.revenue_progress or 0.0 for t in lines]
            colors = [GOOD if v >= 100 else ACCENT for v in values]
            axes.barh(names, values, color=colors, height=0.6)
            axes.axvline(100, color=BAD, linewidth=1, linestyle="--")
            axes.set_xlabel(_("revenue progress against target (%)"), fontsize=9)
        else:
            from matplotlib.ticker import FuncFormatter

            axes.barh(names, [t.won_value for t in lines], color=ACCENT, height=0.6)
            axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: compact(v)))
            axes.set_xlabel(_("won value (no revenue targets set)"), fontsize=9)
        axes.invert_yaxis()
        axes.tick_params(axis="y", labelsize=8 if len(lines) > 12 else 9)

    alt = ", ".join(
        f"{t.name} {percent(t.revenue_progress / 100)}"
        if with_target and t.revenue_progress is not None
        else f"{t.name} {number(t.won_value) if not with_target else not_available()}"
        for t in lines
    )
    title = _("Reps: revenue against target") if with_target else _("Reps: won value")
    return _draw("targets", title, alt, paint, max(SIZE[1], 1.0 + 0.24 * len(lines)))


def review_charts(review: Review) -> list[Chart]:
    """The six charts of the review: funnel, conversion by channel, loss reasons, cycle
    time, SLA compliance and progress against target."""
    return [draw(review) for draw in (_funnel, _channels, _losses, _cycle, _sla, _targets)]


def calibration_chart(w: WinReview) -> Chart:
    """The win model's holdout calibration: predicted against observed win rate."""

    def paint(axes: Axes) -> None:
        axes.plot(
            [0, 1],
            [0, 1],
            color=MUTED,
            linewidth=1,
            linestyle="--",
            label=_("perfectly calibrated"),
        )
        axes.plot(
            [c["predicted"] for c in w.calibration],
            [c["observed"] for c in w.calibration],
            marker="o",
            color=ACCENT,
            label=_("model {model}").format(model=w.model_id),
        )
        axes.set_xlabel(_("predicted win probability"), fontsize=9)
        axes.set_ylabel(_("observed win rate"), fontsize=9)
        axes.legend(frameon=False, fontsize=8)

    alt = ", ".join(f"{c['predicted']:.2f}->{c['observed']:.2f}" for c in w.calibration)
    return _draw("win-calibration", _("Win model: calibration on the holdout"), alt, paint)
