"""Chart geometry for server-rendered inline SVG.

The page's Content Security Policy allows no inline script or style, so charts are plain
SVG with presentation attributes (``fill``, ``x``, ``width``...), computed here and drawn
by the macros in ``survey_results/charts.html``. Every chart has a table of the same
figures beside it, so nothing is only in the picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

BAR_HEIGHT = 22
BAR_GAP = 8
#: Room for an answer's label left of its bar, and how many characters of it are drawn: 34
#: characters of Kazakh or Russian at 13 px ran 35 px past 220 px and were cut at the
#: chart's edge ("Sov.kz", "…ыққа қызмет"). The full label is in the table beside the chart.
LABEL_WIDTH = 250
LABEL_CHARACTERS = 30
PLOT_WIDTH = 360
VALUE_WIDTH = 70
COLUMN_PLOT_HEIGHT = 160


@dataclass
class Bar:
    label: str
    value: float | None
    text: str
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    #: Gridline positions with their labels (x for bar charts, y for column charts).
    ticks: list[tuple[float, str]] = field(default_factory=list)
    baseline: float = 0


def bar_chart(
    items: Sequence[tuple[str, float | None, str]],
    maximum: float | None = None,
    number: Callable[[float], str] | None = None,
) -> Chart:
    """Horizontal bars: (label, value or None when suppressed, text shown at the bar's end).
    ``number`` writes the axis' numbers as the page's language does (plain by default)."""
    number = number or _number
    values = [value for _, value, _ in items if value is not None]
    top = maximum if maximum is not None else max(values, default=0) or 1
    chart = Chart(
        width=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        height=max(len(items), 1) * (BAR_HEIGHT + BAR_GAP) + 24,
    )
    for index, (label, value, text) in enumerate(items):
        width = 0.0 if value is None else PLOT_WIDTH * max(value, 0) / top
        chart.bars.append(
            Bar(
                label=_shorten(label, LABEL_CHARACTERS),
                value=value,
                text=text,
                x=LABEL_WIDTH,
                y=index * (BAR_HEIGHT + BAR_GAP),
                width=round(width, 1),
                height=BAR_HEIGHT,
            )
        )
    chart.baseline = chart.height - 20
    chart.ticks = [
        (LABEL_WIDTH + PLOT_WIDTH * fraction, number(top * fraction))
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]
    return chart


def column_chart(
    items: Sequence[tuple[str, float | None]], number: Callable[[float], str] | None = None
) -> Chart:
    """Vertical columns over time (months or days); labels thinned to stay legible.
    ``number`` writes the numbers as the page's language does (plain by default). With
    every column hidden the axis has no scale to show: only its 0 is labelled."""
    number = number or _number
    count = max(len(items), 1)
    step = max(min(40, 640 / count), 3)
    top = max((value for _, value in items if value is not None), default=0) or 1
    chart = Chart(width=int(60 + step * count + 10), height=COLUMN_PLOT_HEIGHT + 50)
    chart.baseline = COLUMN_PLOT_HEIGHT + 10
    every = max(1, round(count / 12))
    for index, (label, value) in enumerate(items):
        height = 0.0 if value is None else COLUMN_PLOT_HEIGHT * value / top
        chart.bars.append(
            Bar(
                label=label if index % every == 0 else "",
                value=value,
                text=number(value) if value is not None else "",
                x=round(60 + index * step, 1),
                y=round(chart.baseline - height, 1),
                width=round(max(step - 2, 1), 1),
                height=round(height, 1),
            )
        )
    shown = any(value is not None for _, value in items)
    chart.ticks = [
        (round(chart.baseline - COLUMN_PLOT_HEIGHT * fraction, 1), number(top * fraction))
        for fraction in ((0, 0.5, 1) if shown else (0,))
    ]
    return chart


@dataclass
class BoxPlot:
    width: int
    height: int
    q1: float
    median: float
    q3: float
    mean: float
    ticks: list[tuple[float, str]]


def box_plot(
    summary: dict[str, float],
    low: float,
    high: float,
    number: Callable[[float], str] | None = None,
) -> BoxPlot:
    """Quartile box with the median and a mean marker, on a scale from ``low`` to ``high``."""
    number = number or _number
    span = (high - low) or 1.0

    def position(value: float) -> float:
        return round(40 + 480 * (value - low) / span, 1)

    return BoxPlot(
        width=560,
        height=80,
        q1=position(summary["q1"]),
        median=position(summary["median"]),
        q3=position(summary["q3"]),
        mean=position(summary["mean"]),
        ticks=[(position(low + span * f), number(low + span * f)) for f in (0, 0.25, 0.5, 0.75, 1)],
    )


def _number(value: float) -> str:
    """A chart's number: whole from 10 up, else one decimal (English separators)."""
    return f"{value:,.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.1f}"


def localised(write: Callable[[float, int], str]) -> Callable[[float], str]:
    """A chart's number rounded as :func:`_number` rounds it, written by ``write(value,
    decimals)`` (the page's ``local_number``): '2 060' and '0,5' on a Russian page."""

    def number(value: float) -> str:
        whole = abs(value) >= 10 or float(value).is_integer()
        return write(round(value) if whole else value, 0 if whole else 1)

    return number


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
