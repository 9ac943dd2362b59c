"""The oblasts abolished in 1997 are historic units, never today's regions: a figure for
"Семипалатинская область" is Semipalatinsk's (KZ-SEM), whose territory is today Abai and
East Kazakhstan, not East Kazakhstan's, whose boundaries then were smaller.

Dates: Taldykorgan oblast was merged into Almaty oblast by the decree of 22 April 1997;
Kokshetau, Semipalatinsk, Torgay and Zhezkazgan oblasts were abolished by that of 3 May
1997 (Kokshetau's to North Kazakhstan, and in 1999 partly to Akmola; Torgay's to Akmola
and Kostanay; Semipalatinsk's to East Kazakhstan; Zhezkazgan's to Karaganda).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from forecasting.geography import RegionResolver
from forecasting.readers import read_observations


@pytest.mark.parametrize(
    ("code", "last_day", "now"),
    [
        ("KZ-KOK", "1997-05-02", ("KZ-11", "KZ-59")),
        ("KZ-SEM", "1997-05-02", ("KZ-10", "KZ-63")),
        ("KZ-TAL", "1997-04-21", ("KZ-19", "KZ-33")),
        ("KZ-TOR", "1997-05-02", ("KZ-11", "KZ-39")),
        ("KZ-ZHE", "1997-05-02", ("KZ-35", "KZ-62")),
    ],
)
def test_an_abolished_oblast_ended_and_its_territory_is_today_split(
    resolver: RegionResolver, code: str, last_day: str, now: tuple[str, ...]
) -> None:
    unit = resolver.unit(code)
    assert unit.valid_to == dt.date.fromisoformat(last_day) and unit.kind == "region"
    assert resolver.coverage(code, unit.valid_to) == now


def test_a_figure_for_an_abolished_oblast_after_1997_is_noted_with_its_successors(
    resolver: RegionResolver,
) -> None:
    semipalatinsk = resolver.resolve("Семипалатинская область")
    assert (
        resolver.validity_warning(semipalatinsk, dt.date(1995, 1, 1), dt.date(1995, 12, 31)) is None
    )
    note = resolver.validity_warning(semipalatinsk, dt.date(2000, 1, 1), dt.date(2000, 12, 31))
    assert note == (
        "KZ-SEM Semipalatinsk Region ceased to exist on 1997-05-02; its territory is now "
        "KZ-10, KZ-63"
    )
    # 1997 straddles the abolition: published in the new boundaries, so noted too
    assert resolver.validity_note(semipalatinsk, dt.date(1997, 1, 1), dt.date(1997, 12, 31))


@pytest.mark.parametrize(
    "label", ["Семей", "Талдыкорган", "Кокшетау", "Жезказган", "Semipalatinsk", "Kokshetau"]
)
def test_the_bare_name_of_a_town_that_named_an_abolished_oblast_names_no_unit(
    resolver: RegionResolver, label: str
) -> None:
    """ "Семей" alone is today a town of Abai region; the oblast is "Семей облысы"."""
    assert resolver.resolve(label) is None


@pytest.mark.parametrize(
    "label", ["г. Семей", "г. Талдыкорган", "Жезказган г.а.", "Kokshetau city"]
)
def test_a_town_that_named_an_abolished_oblast_is_below_the_first_level(
    resolver: RegionResolver, label: str
) -> None:
    """Not "a region written with a city word": the oblast ended; the town is in a region."""
    assert resolver.kind_conflict(label) is None
    assert resolver.below_first_level(label) == "city"


def test_current_units_still_answer_to_their_centre_and_bare_names(
    resolver: RegionResolver,
) -> None:
    assert resolver.resolve("Караганда").code == "KZ-35"
    assert resolver.resolve("Чимкентская").code == "KZ-YUZ"
    assert resolver.resolve("Южно-Казахстанская").code == "KZ-YUZ"
    assert resolver.kind_conflict("г.Караганда")[1][0].code == "KZ-35"


def test_a_table_of_the_1990s_reads_with_a_note_for_the_years_after_1997(
    write_csv: Callable,
) -> None:
    rows = [
        ["Регион", "1995", "1996", "1998"],
        ["Семипалатинская область", "5,1", "5,3", "-"],
        ["Талды-Курганская область", "4,0", "4,2", "-"],
        ["Восточно-Казахстанская область", "3,9", "4,1", "4,6"],
        ["Гурьевская область", "3,0", "-", "-"],
    ]
    result = read_observations(write_csv(rows, delimiter=";"), indicator="x")
    assert result.report.ok, result.report.errors
    frame = result.observations
    assert sorted(set(frame["region"])) == ["KZ-23", "KZ-63", "KZ-SEM", "KZ-TAL"]
    assert not [issue for issue in result.report.warnings if issue.code == "region.ended"]


def test_a_figure_for_an_abolished_oblast_after_its_end_is_a_warning_naming_today_s_units(
    write_csv: Callable,
) -> None:
    rows = [["Регион", "1996", "1998"], ["Джезказганская область", "5,1", "4,9"]]
    result = read_observations(write_csv(rows, delimiter=";"), indicator="x")
    assert result.report.ok, result.report.errors
    (ended,) = [issue for issue in result.report.warnings if issue.code == "region.ended"]
    assert ended.row == 2 and ended.params["unit"] == "KZ-ZHE"
    assert ended.params["now"] == ["KZ-35", "KZ-62"]
