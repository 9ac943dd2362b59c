"""Tile map layout from data and the chart's geometry: pure functions, no database."""

from __future__ import annotations

from itertools import pairwise

import pytest

from webapp.review.charts import ForecastPoint, HistoryPoint, history_forecast_chart
from webapp.review.tilemap import (
    DEFAULT_TILEMAP,
    GAP,
    LAYOUT_FILE,
    LAYOUT_GRID,
    LAYOUT_PARTIAL,
    TILE,
    TileMapError,
    UnitOnMap,
    build_tilemap,
    load_positions,
)


def test_packaged_layout_places_kazakhstans_twenty_units_once():
    positions = load_positions(DEFAULT_TILEMAP)
    assert len(positions) == 20
    assert len({(p.row, p.col) for p in positions.values()}) == 20
    assert positions["KZ-27"].col < positions["KZ-63"].col  # west of east
    assert positions["KZ-59"].row < positions["KZ-79"].row  # north of south
    assert positions["KZ-59"].short_names["ru"] == ("Северо-", "Казахст.")


def test_layout_file_problems_name_row_and_column(tmp_path):
    bad = tmp_path / "layout.csv"
    bad.write_text("code,row,col\nKZ-1,0,0\nKZ-2,x,1\nKZ-3,0,0\nKZ-1,2,2\n,1,1\n")
    with pytest.raises(TileMapError) as caught:
        load_positions(bad)
    problems = "\n".join(caught.value.problems)
    assert "row 3, column row: 'x' is not a whole number" in problems
    assert "row 4: row 0, col 0 is already taken by KZ-1" in problems
    assert "row 5, column code: KZ-1 is listed twice" in problems
    assert "row 6, column code: empty" in problems
    missing = tmp_path / "missing.csv"
    missing.write_text("code,row\nKZ-1,0\n")
    with pytest.raises(TileMapError, match="missing column"):
        load_positions(missing)


def test_units_without_a_position_are_placed_below_the_map():
    positions = load_positions(DEFAULT_TILEMAP)
    units = [UnitOnMap("KZ-75", "Almaty city"), UnitOnMap("XX-01", "Newland Province")]
    tilemap = build_tilemap(units, positions, "en")
    placed = {tile.code: tile for tile in tilemap.tiles}
    assert placed["XX-01"].auto_placed and not placed["KZ-75"].auto_placed
    assert placed["XX-01"].y > placed["KZ-75"].y
    assert placed["XX-01"].label_lines == ("Newland", "Province")
    assert placed["KZ-75"].label_lines == ("Almaty", "city")


def test_another_country_gets_a_square_grid():
    units = [UnitOnMap(f"AA-{i}", f"Unit {i}") for i in range(7)]
    tilemap = build_tilemap(units, {}, "en")
    assert len(tilemap.tiles) == 7
    assert tilemap.width == 3 * TILE + 2 * GAP  # ceil(sqrt(7)) = 3 columns
    assert len({(tile.x, tile.y) for tile in tilemap.tiles}) == 7


def test_the_layout_says_whether_the_file_placed_the_units():
    positions = load_positions(DEFAULT_TILEMAP)
    kazakh = [UnitOnMap("KZ-75", "Almaty city"), UnitOnMap("KZ-71", "Astana")]
    other = [UnitOnMap("KG-B", "Batken Region"), UnitOnMap("KG-C", "Chüy Region")]
    assert build_tilemap(kazakh, positions, "en").layout == LAYOUT_FILE
    # Kazakhstan's layout file places none of another country's units: a plain grid.
    assert build_tilemap(other, positions, "en").layout == LAYOUT_GRID
    assert build_tilemap(other, {}, "en").layout == LAYOUT_GRID
    assert build_tilemap(kazakh + other, positions, "en").layout == LAYOUT_PARTIAL


@pytest.mark.parametrize(
    ("label", "name", "expected"),
    [
        # An automatic label is the name: said once.
        (("Batken", "Region"), "Batken Region", "Batken Region 7,9, Very high"),
        # A shorter label, even the name's first words, comes first as shown (label in name:
        # "Batken 7,9" must be part of the spoken name), then the full name.
        (("Batken",), "Batken Region", "Batken 7,9 — Batken Region, Very high"),
        (
            ("West", "Kazakhstan"),
            "West Kazakhstan Region",
            "West Kazakhstan 7,9 — West Kazakhstan Region, Very high",
        ),
        # A short name of its own stays first (label in name), the full name follows.
        (("Западно-", "Казахст."), "Западно-Казахстанская область", None),
    ],
)
def test_a_tiles_spoken_name_names_the_unit_once(label, name, expected):
    from webapp.review.tilemap import Tile

    tile = Tile("XX-1", 0, 0, label, name, "very_high", 7.9, "/x")
    spoken = tile.accessible_name("7,9", "Very high")
    assert spoken.count(name) == 1
    if expected:
        assert spoken == expected
    else:
        assert spoken == f"Западно- Казахст. 7,9 — {name}, Very high"


def test_long_labels_are_condensed_to_fit_a_tile():
    from webapp.review.tilemap import LABEL_WIDTH, Tile

    assert Tile.condensed_width("Astana") is None
    assert Tile.condensed_width("Қызылорда облысы") == LABEL_WIDTH


def test_chart_bands_follow_the_intervals_and_stay_on_the_scale():
    history = [HistoryPoint(str(year), 4.0 + 0.5 * i) for i, year in enumerate(range(2019, 2024))]
    forecast = [
        ForecastPoint("2024", 6.5, 6.0, 7.0, 5.5, 7.5),
        ForecastPoint("2025", 7.5, 6.5, 9.0, 5.0, 12.0),
    ]
    chart = history_forecast_chart(
        history,
        forecast,
        class_bounds=(2.0, 3.5, 5.0, 6.5),
        class_codes=("very_low", "low", "medium", "high", "very_high"),
    )
    assert len(chart.history_points) == 5 and len(chart.forecast_points) == 2
    assert chart.forecast_start == chart.history_points[-1][0]
    ys = [float(point.split(",")[1]) for point in chart.band_95.split()]
    assert min(ys) == pytest.approx(chart.plot_top)  # 12.0 is drawn at the top of 0-10
    assert max(ys) <= chart.plot_bottom
    assert [band.risk_class for band in chart.class_bands] == [
        "very_low",
        "low",
        "medium",
        "high",
        "very_high",
    ]
    assert sum(band.height for band in chart.class_bands) == pytest.approx(
        chart.plot_bottom - chart.plot_top
    )
    assert [tick.label for tick in chart.y_ticks] == ["0", "2", "4", "6", "8", "10"]


def test_many_periods_thin_out_the_axis_labels():
    history = [HistoryPoint(f"2020-{month:02d}", 5.0) for month in range(1, 13)]
    history += [HistoryPoint(f"2021-{month:02d}", 5.0) for month in range(1, 13)]
    chart = history_forecast_chart(history, [])
    assert len(chart.x_ticks) <= 7
    assert chart.x_ticks[-1].label == "2021-12"
    assert chart.band_80 == "" and chart.forecast_path == ""


def test_numbers_follow_the_locale_without_a_negative_zero():
    from webapp.review.numbers import NumberFormatter

    english, russian = NumberFormatter("en"), NumberFormatter("ru")
    assert english.number(5.25, "0.0") in {"5.2", "5.3"}
    assert russian.number(5.3) == "5,3"
    assert english.signed(0.3) == "+0.3" and english.signed(-0.04) == "+0.0"
    assert russian.signed(-1.25, "+0.00;-0.00").endswith("1,25")
    assert russian.signed(-1.25, "+0.00;-0.00")[0] in {"-", "−"}
    assert english.percent(0.987) == "99%"
    assert russian.percent(0.5).replace("\xa0", " ") == "50 %"
    assert english.number(None) == "—" and english.percent(None) == "—"
    assert english.number(12345.678, "#,##0.##") == "12,345.68"  # falls back to Babel


def test_period_labels_stay_inside_the_chart_and_never_overlap():
    """Eight years of months and a four-month forecast: the printed report showed "2027-0"
    cut at the right edge, on top of "2026-01"."""
    from webapp.review.charts import AXIS_FONT_SIZE, CHARACTER_WIDTH

    history = [
        HistoryPoint(f"{year}-{month:02d}", 5.0)
        for year in range(2018, 2027)
        for month in range(1, 13)
        if (year, month) >= (2018, 12)
    ]
    forecast = [ForecastPoint(f"2027-{month:02d}", 5.0) for month in range(1, 5)]
    for points in ((history, forecast), (history[:30], []), (history[:2], forecast[:1])):
        chart = history_forecast_chart(*points)
        extents = []
        for tick in chart.x_ticks:
            width = len(tick.label) * CHARACTER_WIDTH * AXIS_FONT_SIZE
            start = {"start": 0, "middle": width / 2, "end": width}[tick.anchor]
            extents.append((tick.position - start, tick.position - start + width))
        assert all(left >= 0 and right <= chart.width for left, right in extents), extents
        assert all(a[1] <= b[0] for a, b in pairwise(extents)), extents
        assert chart.x_ticks[-1].label == (points[1] or points[0])[-1].period
