"""Geometry of the history-and-forecast chart, computed here so templates only draw.

The chart is inline SVG (no script, no external service) sized in user units; it scales to
the page width, so its lettering is sized for a 360-pixel phone. Every number it shows is
also in the table printed under it, which is what screen readers and printers get.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

WIDTH = 480
HEIGHT = 280
MARGIN_LEFT = 34
MARGIN_RIGHT = 24
MARGIN_TOP = 12
MARGIN_BOTTOM = 40
#: Most period labels the x axis carries before it starts skipping some.
MAX_X_LABELS = 6
#: Size of the axis lettering in SVG units (``.axis-label`` in review.css) and the average
#: advance of a character as a share of it: enough to keep period labels apart.
AXIS_FONT_SIZE = 16
CHARACTER_WIDTH = 0.6
#: Least space between two period labels, in SVG units.
LABEL_GAP = 6


@dataclass(frozen=True)
class HistoryPoint:
    period: str
    value: float


@dataclass(frozen=True)
class ForecastPoint:
    period: str
    mean: float
    lower_80: float | None = None
    upper_80: float | None = None
    lower_95: float | None = None
    upper_95: float | None = None
    probability_high: float | None = None


@dataclass(frozen=True)
class AxisTick:
    position: float
    label: str
    #: SVG ``text-anchor``: the first and last labels lean inwards to stay inside the chart.
    anchor: str = "middle"

    def extent(self) -> tuple[float, float]:
        width = len(self.label) * CHARACTER_WIDTH * AXIS_FONT_SIZE
        start = {"start": 0.0, "middle": width / 2, "end": width}[self.anchor]
        return self.position - start, self.position - start + width


@dataclass(frozen=True)
class ClassBand:
    risk_class: str
    y: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    history_path: str
    history_points: tuple[tuple[float, float], ...]
    forecast_path: str
    forecast_points: tuple[tuple[float, float], ...]
    band_95: str
    band_80: str
    x_ticks: tuple[AxisTick, ...]
    y_ticks: tuple[AxisTick, ...]
    class_bands: tuple[ClassBand, ...]
    #: x position of the boundary between the observed and the forecast periods.
    forecast_start: float | None

    @property
    def is_empty(self) -> bool:
        return not self.history_points and not self.forecast_points


def _format(value: float) -> str:
    return f"{value:.1f}"


def _polyline(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_format(x)},{_format(y)}" for x, y in points)


def history_forecast_chart(
    history: Sequence[HistoryPoint],
    forecast: Sequence[ForecastPoint],
    value_range: tuple[float, float] = (0.0, 10.0),
    class_bounds: Sequence[float] = (),
    class_codes: Sequence[str] = (),
    number_format: Callable[[float], str] = lambda value: f"{value:g}",
) -> Chart:
    """Lay out observed values, the forecast mean and its 80% and 95% bands on one axis.

    ``value_range`` fixes the y axis (the 0-10 score scale by default) so charts of different
    regions compare at a glance. A bounded quantity cannot leave its range, so interval ends
    beyond it are drawn at the edge (the table under the chart keeps the exact numbers).
    ``number_format`` writes the value axis's labels in the page's language ("2,5" in kk and
    ru): the caller passes the viewer's formatter, as for every other number on the page.
    """
    periods = [point.period for point in history]
    periods += [point.period for point in forecast if point.period not in periods]
    low, high = value_range
    if high <= low:
        raise ValueError(f"value_range must run from low to high, got {value_range}")
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    step = (right - left) / max(len(periods) - 1, 1)
    index = {period: position for position, period in enumerate(periods)}

    def x_of(period: str) -> float:
        if len(periods) == 1:
            return (left + right) / 2
        return left + index[period] * step

    def y_of(value: float) -> float:
        value = min(max(value, low), high)
        return bottom - (value - low) / (high - low) * (bottom - top)

    history_points = tuple((x_of(point.period), y_of(point.value)) for point in history)
    forecast_points = tuple((x_of(point.period), y_of(point.mean)) for point in forecast)
    # The forecast line starts from the last observation so the two read as one series.
    joined = (history_points[-1:] if history_points else ()) + forecast_points
    band_95 = _band(forecast, x_of, y_of, "lower_95", "upper_95", history_points)
    band_80 = _band(forecast, x_of, y_of, "lower_80", "upper_80", history_points)
    skip = max(1, -(-len(periods) // MAX_X_LABELS))
    x_ticks = tuple(
        AxisTick(x_of(period), period)
        for position, period in enumerate(periods)
        if position % skip == 0 or position == len(periods) - 1
    )
    x_ticks = _spaced(x_ticks)
    y_ticks = tuple(AxisTick(y_of(value), number_format(value)) for value in _nice_ticks(low, high))
    class_bands = []
    edges = [low, *[bound for bound in class_bounds if low < bound < high], high]
    for code, (start, end) in zip(class_codes, pairwise(edges), strict=False):
        class_bands.append(ClassBand(code, y_of(end), y_of(start) - y_of(end)))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        history_path=_polyline(history_points),
        history_points=history_points,
        forecast_path=_polyline(joined) if forecast_points else "",
        forecast_points=forecast_points,
        band_95=band_95,
        band_80=band_80,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        class_bands=tuple(class_bands) if len(edges) - 1 == len(class_codes) else (),
        forecast_start=history_points[-1][0] if history_points and forecast_points else None,
    )


def _spaced(ticks: tuple[AxisTick, ...]) -> tuple[AxisTick, ...]:
    """Period labels inside the chart and apart: the last one always stays, as it is the
    latest period; a label that would touch the one kept before it (or the last) is dropped."""
    if not ticks:
        return ticks

    def placed(tick: AxisTick) -> AxisTick:
        left, right = AxisTick(tick.position, tick.label).extent()
        if right > WIDTH:
            return AxisTick(WIDTH, tick.label, "end")
        if left < 0:
            return AxisTick(0, tick.label, "start")
        return AxisTick(tick.position, tick.label)

    last = placed(ticks[-1])
    kept: list[AxisTick] = []
    for tick in map(placed, ticks[:-1]):
        left, right = tick.extent()
        if kept and left < kept[-1].extent()[1] + LABEL_GAP:
            continue
        if right + LABEL_GAP > last.extent()[0]:
            continue
        kept.append(tick)
    return (*kept, last)


def _band(forecast, x_of, y_of, lower: str, upper: str, history_points) -> str:
    """Polygon of an interval: along the upper bounds, back along the lower ones."""
    points = [
        (x_of(point.period), getattr(point, lower), getattr(point, upper))
        for point in forecast
        if getattr(point, lower) is not None and getattr(point, upper) is not None
    ]
    if not points:
        return ""
    upper_edge = [(x, y_of(high)) for x, _, high in points]
    lower_edge = [(x, y_of(low)) for x, low, _ in reversed(points)]
    if history_points:  # the band opens from the last observed value, where it is certain
        upper_edge.insert(0, history_points[-1])
        lower_edge.append(history_points[-1])
    return _polyline(upper_edge + lower_edge)


def _nice_ticks(low: float, high: float) -> list[float]:
    span = high - low
    for step in (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if span / step <= 6:
            break
    else:
        step = span / 5
    first = -(-low // step) * step
    ticks = []
    value = first
    while value <= high + 1e-9:
        ticks.append(round(value, 6))
        value += step
    return ticks
