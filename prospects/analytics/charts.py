"""The geometry of the analytics charts (``common.charts``), with the
labels they show: the funnel (one bar per stage of the chain: how many
reached it, the conversion to the next between two bars) and the Pareto
chart of revenue by client. Drawn by templates/prospects/analytics/."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from django.utils.formats import number_format

from common.charts import Pareto, StackedBars, pareto, stacked_bars

from .clients import REFERENCE_SHARE, ClientReport
from .funnel import Funnel

REACHED = "reached"


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class FunnelChart:
    """Bars of the prospects that reached each stage, their count above
    them (``counts``) and the conversion between two bars
    (``conversions``, "—" when none reached the first)."""

    bars: StackedBars
    counts: tuple[Label, ...]
    conversions: tuple[Label, ...]


def funnel_chart(funnel: Funnel) -> FunnelChart:
    columns: list[tuple[str, dict[Hashable, int]]] = [
        (row.label, {REACHED: row.reached}) for row in funnel.stages
    ]
    bars = stacked_bars(
        columns, keys=[REACHED], width=640, height=250, margin_left=44, margin_top=24
    )
    counts = tuple(
        Label(
            x=bar.centre,
            y=round(bars.bottom - (bars.bottom - bars.top) * bar.total / bars.maximum - 6, 2),
            text=str(bar.total),
        )
        for bar in bars.bars
    )
    conversions = []
    for first, second, conversion in zip(
        bars.bars, bars.bars[1:], funnel.conversions, strict=False
    ):
        middle = (first.x + first.width + second.x) / 2
        text = "—" if conversion.percent is None else f"{conversion.percent} %"
        conversions.append(Label(x=round(middle, 2), y=round(bars.top + 4, 2), text=text))
    return FunnelChart(bars=bars, counts=counts, conversions=tuple(conversions))


@dataclass(frozen=True)
class ParetoChart:
    """The Pareto chart of a client report, with its value axis' labels in
    euros (grouped digits of the active language)."""

    geometry: Pareto
    value_labels: tuple[Label, ...]


def pareto_chart(report: ClientReport) -> ParetoChart:
    geometry = pareto(
        [line.revenue for line in report.clients],
        head=report.head,
        reference=float(REFERENCE_SHARE),
    )
    labels = tuple(
        Label(
            x=geometry.value_x,
            y=tick.y,
            text=f"{number_format(tick.value, decimal_pos=0, force_grouping=True)} €",
        )
        for tick in geometry.ticks
    )
    return ParetoChart(geometry=geometry, value_labels=labels)
