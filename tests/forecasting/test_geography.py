"""Region units and name resolution, checked against the facts in regions-kz.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from forecasting.geography import (
    KAZAKHSTAN_NATIONAL_NAMES,
    UNIT_COLUMNS,
    RegionResolver,
    Unit,
    UnitFileError,
    default_resolver,
    load_units,
)

# ISO code, old ISO code, English (stat.gov.kz), Russian, Kazakh: the table in regions-kz.md.
OFFICIAL_NAMES = [
    ("KZ-10", None, "Abai", "Абайская область", "Абай облысы"),
    ("KZ-11", "KZ-AKM", "Akmola", "Акмолинская область", "Ақмола облысы"),
    ("KZ-15", "KZ-AKT", "Aktobe", "Актюбинская область", "Ақтөбе облысы"),
    ("KZ-19", "KZ-ALM", "Almaty region", "Алматинская область", "Алматы облысы"),
    ("KZ-23", "KZ-ATY", "Atyrau", "Атырауская область", "Атырау облысы"),
    (
        "KZ-27",
        "KZ-ZAP",
        "West Kazakhstan",
        "Западно-Казахстанская область",
        "Батыс Қазақстан облысы",
    ),
    ("KZ-31", "KZ-ZHA", "Jambyl", "Жамбылская область", "Жамбыл облысы"),
    ("KZ-33", None, "Jetisu", "Жетисуская область", "Жетісу облысы"),
    ("KZ-35", "KZ-KAR", "Karaganda", "Карагандинская область", "Қарағанды облысы"),
    ("KZ-39", "KZ-KUS", "Kostanay", "Костанайская область", "Қостанай облысы"),
    ("KZ-43", "KZ-KZY", "Kyzylorda", "Кызылординская область", "Қызылорда облысы"),
    ("KZ-47", "KZ-MAN", "Mangystau", "Мангистауская область", "Маңғыстау облысы"),
    ("KZ-55", "KZ-PAV", "Pavlodar", "Павлодарская область", "Павлодар облысы"),
    (
        "KZ-59",
        "KZ-SEV",
        "North Kazakhstan",
        "Северо-Казахстанская область",
        "Солтүстік Қазақстан облысы",
    ),
    ("KZ-61", None, "Turkistan", "Туркестанская область", "Түркістан облысы"),
    ("KZ-62", None, "Ulytau", "Улытауская область", "Ұлытау облысы"),
    (
        "KZ-63",
        "KZ-VOS",
        "East Kazakhstan",
        "Восточно-Казахстанская область",
        "Шығыс Қазақстан облысы",
    ),
    ("KZ-71", "KZ-AST", "Astana", "г. Астана", "Астана қаласы"),
    ("KZ-75", "KZ-ALA", "Almaty city", "г. Алматы", "Алматы қаласы"),
    ("KZ-79", "KZ-SHY", "Shymkent", "г. Шымкент", "Шымкент қаласы"),
]

# Labels seen in real exports and older data (regions-kz.md, "Names seen in real exports").
EXPORT_LABELS = [
    ("Abai Region", "KZ-10"),
    ("Astana city", "KZ-71"),
    ("Jambyl Region", "KZ-31"),
    ("Jetisu Region", "KZ-33"),
    ("КЫЗЫЛОРДИНСКАЯ ОБЛАСТЬ", "KZ-43"),
    ("Г.АЛМАТЫ", "KZ-75"),
    ("Г.НУР-СУЛТАН", "KZ-71"),
    ("Nur-Sultan", "KZ-71"),
    ("Нур-Султан", "KZ-71"),
    ("Tselinograd", "KZ-71"),
    ("Akmolinsk", "KZ-11"),
    ("Aktyubinsk", "KZ-15"),
    ("Alma-Ata's region", "KZ-19"),
    ("Alma-Ata", "KZ-75"),
    ("Mangistau", "KZ-47"),
    ("Eastern Kazakhstan", "KZ-63"),
    ("North-Kazakhstan", "KZ-59"),
    ("Western-Kazakhstan", "KZ-27"),
    ("South Kazakhstan", "KZ-YUZ"),
    ("ЮКО", "KZ-YUZ"),
    ("Zhambyl", "KZ-31"),
    ("Zhetysu", "KZ-33"),
    ("Zhetisu Region", "KZ-33"),
    ("Turkestan", "KZ-61"),
    ("Mangystau Region", "KZ-47"),
    # Affixes, punctuation, case and letter variants.
    ("Kyzylorda oblast", "KZ-43"),
    ("Kyzylorda obl.", "KZ-43"),
    ("Карагандинская обл.", "KZ-35"),
    ("Караганды облысы", "KZ-35"),
    ("г Шымкент", "KZ-79"),
    ("Шымкент қ.", "KZ-79"),
    # taldau.stat.gov.kz / KATO: "г.а." (городская администрация), Kazakh "қ.ә.".
    ("Шымкент г.а.", "KZ-79"),
    ("Астана г.а.", "KZ-71"),
    ("АЛМАТЫ Г.А.", "KZ-75"),
    ("Нур-Султан г. а.", "KZ-71"),
    ("Шымкент қ.ә.", "KZ-79"),
    ("Актобе г.а.", None),  # a city of regional significance, not a unit
    ("Мангыстауская", "KZ-47"),
    ("City of Almaty", "KZ-75"),
    ('"Atyrau" region', "KZ-23"),
    ("  east   kazakhstan  REGION ", "KZ-63"),
    ("Восточно Казахстанская область", "KZ-63"),
    ("ВОСТОЧНО—КАЗАХСТАНСКАЯ ОБЛАСТЬ", "KZ-63"),
    ("Кызылординская облaсть", "KZ-43"),  # Latin "a" typed inside a Cyrillic word
    ("Жетiсу облысы", "KZ-33"),  # Latin "i" for Kazakh "і"
    ("Семипалатинская", "KZ-SEM"),  # abolished in 1997: the historic unit, not today's
    ("kz 11", "KZ-11"),
    ("KZ11", "KZ-11"),
]


@pytest.mark.parametrize(("code", "old_code", "english", "russian", "kazakh"), OFFICIAL_NAMES)
def test_every_official_name_and_code_resolves(
    resolver: RegionResolver,
    code: str,
    old_code: str | None,
    english: str,
    russian: str,
    kazakh: str,
) -> None:
    labels = [code, code.lower(), english, english.upper(), russian, russian.upper(), kazakh]
    labels += [old_code] if old_code else []
    assert {label: getattr(resolver.resolve(label), "code", None) for label in labels} == {
        label: code for label in labels
    }


@pytest.mark.parametrize(("label", "code"), EXPORT_LABELS)
def test_labels_from_real_exports(resolver: RegionResolver, label: str, code: str | None) -> None:
    unit = resolver.resolve(label)
    assert (unit.code if unit else None) == code


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Almaty", "KZ-75"),
        ("Алматы", "KZ-75"),
        ("ALMATY", "KZ-75"),
        ("г. Алматы", "KZ-75"),
        ("Almaty city", "KZ-75"),
        ("Алматы қаласы", "KZ-75"),
        ("Almaty Region", "KZ-19"),
        ("Almaty oblast", "KZ-19"),
        ("Алматинская область", "KZ-19"),
        ("Алматы облысы", "KZ-19"),
        ("Akmola", "KZ-11"),
        ("Akmola city", "KZ-71"),
        ("Shymkent", "KZ-79"),
    ],
)
def test_bare_name_shared_by_a_city_and_a_region(
    resolver: RegionResolver, label: str, code: str
) -> None:
    """Documented rule: bare "Almaty" is the city; the region always carries a region word."""
    assert resolver.resolve(label).code == code


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Akmolinskaya", "KZ-11"),
        ("Akmolinskaya oblast", "KZ-11"),
        ("Aktyubinskaya oblast'", "KZ-15"),
        ("Aktiubinskaia oblast", "KZ-15"),
        ("Almatinskaya oblast", "KZ-19"),
        ("Zapadno-Kazakhstanskaya", "KZ-27"),
        ("Zhambylskaya", "KZ-31"),
        ("Kostanaiskaya", "KZ-39"),
        ("Kostanayskaya oblast", "KZ-39"),
        ("Kyzylordinskaya", "KZ-43"),
        ("Mangystauskaya", "KZ-47"),
        ("Yuzhno-Kazakhstanskaya oblast", "KZ-YUZ"),
        ("Iuzhno-Kazakhstanskaia", "KZ-YUZ"),
        ("Severo-Kazakhstanskaya", "KZ-59"),
        ("Vostochno-Kazakhstanskaya oblast", "KZ-63"),
        ("Turkestanskaya oblast", "KZ-61"),
        ("g. Almaty", "KZ-75"),
        ("g. Astana", "KZ-71"),
        ("gorod Shymkent", "KZ-79"),
    ],
)
def test_russian_names_romanised(resolver: RegionResolver, label: str, code: str) -> None:
    """World Bank and academic tables write the Russian names in Latin letters, each
    romanisation its own way ("Aktyubinskaya", "Aktiubinskaia"); they name the unit."""
    assert resolver.resolve(label).code == code


@pytest.mark.parametrize("label", ["g. Almatinskaya", "Almatinskaya city", "Shymkentskaya"])
def test_a_romanised_name_follows_the_same_rules(resolver: RegionResolver, label: str) -> None:
    """A romanised name is matched exactly, kind words included: no near match."""
    assert resolver.resolve(label) is None


@pytest.mark.parametrize("label", ["г. Актобе", "Aktobe city", "Shymkent Region", "Astana region"])
def test_a_kind_word_that_does_not_fit_leaves_the_label_unresolved(
    resolver: RegionResolver, label: str
) -> None:
    """Aktobe city is not Aktobe region: a city of regional significance is not a unit."""
    assert resolver.resolve(label) is None


@pytest.mark.parametrize(
    "label",
    [
        "Республика Казахстан",
        "РЕСПУБЛИКА КАЗАХСТАН",
        "Kazakhstan",
        "Republic of Kazakhstan",
        "The Republic of Kazakhstan",
        "the Republic of Kazakhstan, total",
        "Total",
        "Итого",
        "Всего",
        "Всего по республике",
        "Қазақстан Республикасы",
        "Барлығы",
    ],
)
def test_national_totals(resolver: RegionResolver, label: str) -> None:
    assert resolver.is_national_total(label)
    assert resolver.resolve(label) is None


@pytest.mark.parametrize("label", ["East Kazakhstan", "Almaty", "", "Region", "2021"])
def test_regions_and_noise_are_not_national_totals(resolver: RegionResolver, label: str) -> None:
    assert not resolver.is_national_total(label)


def test_resolve_all_separates_units_totals_and_unknown_names(resolver: RegionResolver) -> None:
    labels = ["Abai Region", "Итого", "Kzylorda Regon", "Abai Region", "Atlantis", "Г.АЛМАТЫ"]
    resolution = resolver.resolve_all(labels)
    assert {label: unit.code for label, unit in resolution.resolved.items()} == {
        "Abai Region": "KZ-10",
        "Г.АЛМАТЫ": "KZ-75",
    }
    assert resolution.national_totals == ["Итого"]
    assert resolution.unresolved == ["Kzylorda Regon", "Atlantis"]
    # A near miss gets a suggestion in words, but is never resolved to it.
    assert resolution.suggestions["Kzylorda Regon"] == ["KZ-43 Kyzylorda Region"]
    assert "Atlantis" not in resolution.suggestions
    assert "did you mean KZ-43 Kyzylorda Region?" in resolution.describe_unresolved()
    assert not resolution.ok


def test_unit_names_and_validity(resolver: RegionResolver) -> None:
    abai = resolver.unit("KZ-10")
    assert (abai.name("kk"), abai.name("ru"), abai.name("en")) == (
        "Абай облысы",
        "Абайская область",
        "Abai Region",
    )
    assert not abai.is_valid_on(dt.date(2022, 6, 7))
    assert abai.is_valid_on(dt.date(2022, 6, 8))
    south = resolver.unit("KZ-YUZ")
    assert south.is_valid_on(dt.date(2018, 6, 18))
    assert not south.is_valid_on(dt.date(2018, 6, 19))
    with pytest.raises(ValueError, match="language"):
        abai.name("de")


def test_packaged_file_has_twenty_current_units_and_the_historic_ones() -> None:
    """South Kazakhstan (ended 2018) and the five oblasts abolished in 1997."""
    units = load_units()
    current = [unit for unit in units if unit.is_valid_on(dt.date(2024, 1, 1))]
    assert len(current) == 20
    assert sum(unit.kind == "city" for unit in current) == 3
    assert [unit.code for unit in units if not unit.is_current] == [
        "KZ-YUZ",
        *("KZ-KOK", "KZ-SEM", "KZ-TAL", "KZ-TOR", "KZ-ZHE"),
    ]


def test_lineage_tells_what_a_historic_label_covered(resolver: RegionResolver) -> None:
    before, after = dt.date(2019, 12, 31), dt.date(2023, 1, 1)
    assert resolver.coverage("KZ-63", before) == ("KZ-10", "KZ-63")
    assert resolver.coverage("KZ-63", after) == ("KZ-63",)
    assert resolver.coverage("KZ-19", before) == ("KZ-19", "KZ-33")
    assert resolver.coverage("KZ-35", before) == ("KZ-35", "KZ-62")
    assert resolver.coverage("KZ-YUZ", dt.date(2017, 1, 1)) == ("KZ-61", "KZ-79")
    assert {unit.code for unit in resolver.successors("KZ-YUZ")} == {"KZ-61", "KZ-79"}


@pytest.mark.parametrize(
    ("code", "year", "expected"),
    [
        ("KZ-63", 2019, "also covered today's KZ-10 Abai Region"),
        ("KZ-63", 2022, None),  # a year that straddles the split uses the new boundaries
        ("KZ-63", 2023, None),
        ("KZ-10", 2021, "exists only since 2022-06-08; before that it was part of KZ-63"),
        ("KZ-10", 2022, None),
        ("KZ-YUZ", 2017, None),
        ("KZ-YUZ", 2019, "ceased to exist on 2018-06-18; its territory is now KZ-61, KZ-79"),
        ("KZ-61", 2017, "exists only since 2018-06-19"),
        ("KZ-55", 2010, None),
    ],
)
def test_validity_warning(
    resolver: RegionResolver, code: str, year: int, expected: str | None
) -> None:
    note = resolver.validity_warning(
        resolver.unit(code), dt.date(year, 1, 1), dt.date(year, 12, 31)
    )
    if expected is None:
        assert note is None
    else:
        assert expected in note


def test_default_resolver_is_built_once() -> None:
    assert default_resolver() is default_resolver()


# --- Other countries and malformed files ------------------------------------------------------

HEADER = ",".join(UNIT_COLUMNS)


def write_units(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "units.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_another_countrys_file_resolves_by_the_same_rules(tmp_path: Path) -> None:
    path = write_units(
        tmp_path,
        "UZ-TK,city,,г. Ташкент,Tashkent city,Tashkent|Ташкент|Toshkent,,,",
        "UZ-TO,region,,Ташкентская область,Tashkent Region,Toshkent viloyati,,,",
        "UZ-SA,region,,Самаркандская область,Samarkand Region,,,,",
    )
    resolver = RegionResolver(load_units(path), national_names=["Uzbekistan", "Узбекистан"])
    assert resolver.resolve("TASHKENT").code == "UZ-TK"
    assert resolver.resolve("Tashkent region").code == "UZ-TO"
    assert resolver.resolve("Ташкентская обл.").code == "UZ-TO"
    assert resolver.resolve("Samarkand").code == "UZ-SA"
    assert resolver.resolve("Samarkand city") is None
    assert resolver.is_national_total("Узбекистан")
    assert not resolver.is_national_total("Республика Казахстан")


def test_a_name_two_units_share_resolves_to_neither() -> None:
    """``load_units`` refuses such files; units built in code must not make a guess either."""
    units = [
        Unit("A-1", "region", "", "", "North Region", ("Capital",)),
        Unit("A-2", "city", "", "", "Capital city", ("Capital",)),
    ]
    resolver = RegionResolver(units, national_names=[])
    assert resolver.resolve("Capital") is None
    assert resolver.resolve("Capital city").code == "A-2"
    assert resolver.resolve("north").code == "A-1"


def test_units_can_be_read_from_a_file_object(tmp_path: Path) -> None:
    path = write_units(tmp_path, "X-1,region,,,One Region,,,,")
    with path.open("rb") as stream:
        assert load_units(stream) == [
            Unit("X-1", "region", "", "", "One Region", (), None, None, ())
        ]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (
            ["X-1,region,,,One,,,,", "X-1,region,,,Two,,,,"],
            "row 3, column code: duplicate code 'X-1'",
        ),
        (["X-1,region,,,One,,,,X-9"], "row 2, column predecessors: unknown predecessor 'X-9'"),
        (
            ["X-1,region,,,One,,2020-13-01,,"],
            "row 2, column valid_from: '2020-13-01' is not a date",
        ),
        (["X-1,district,,,One,,,,"], "row 2, column kind: unknown kind 'district'"),
        (["X-1,region,Бір,Один,,,,,"], "row 2, column name_en: is empty"),
        (
            ["X-1,region,,,One,,2021-01-01,2020-01-01,"],
            "row 2, column valid_to: is before valid_from",
        ),
        (
            ["X-1,region,,,One,Capital,,,", "X-2,city,,,Two,capital,,,"],
            "row 3, column aliases: 'capital' also names X-1",
        ),
        ([], "the file has no units"),
    ],
)
def test_malformed_unit_file_names_row_and_column(
    tmp_path: Path, rows: list[str], problem: str
) -> None:
    with pytest.raises(UnitFileError) as caught:
        load_units(write_units(tmp_path, *rows))
    assert any(problem in message for message in caught.value.problems), caught.value.problems


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    with pytest.raises(UnitFileError) as caught:
        load_units(write_units(tmp_path, "X-1,One", header="code,name_en"))
    assert caught.value.problems == [
        "row 1: missing column(s) kind; found: code, name_en (required: code, kind, name_en; "
        "optional: name_kk, name_ru, aliases, valid_from, valid_to, predecessors)"
    ]


def test_only_code_kind_and_english_name_are_required(tmp_path: Path) -> None:
    """The docs promise name_kk/name_ru fall back to name_en: a file may leave them out."""
    path = write_units(
        tmp_path, "KG-B,region,Batken Region", "KG-GB,city,Bishkek", header="code,kind,name_en"
    )
    units = load_units(path)
    assert units == [
        Unit("KG-B", "region", "", "", "Batken Region"),
        Unit("KG-GB", "city", "", "", "Bishkek"),
    ]
    assert units[0].name("ru") == "Batken Region"
    assert RegionResolver(units).resolve("Batken oblast").code == "KG-B"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_unit_files(tmp_path: Path, delimiter: str) -> None:
    """Read as statistics uploads are: Excel in a Russian locale saves semicolons."""
    path = tmp_path / "units.csv"
    path.write_text(
        delimiter.join(UNIT_COLUMNS)
        + "\n"
        + delimiter.join(
            ["KG-C", "region", "Чүй облусу", "Чуйская область", "Chüy Region", "Chuy|Chui, Chüy"]
        )
        + delimiter * 3
        + "\n",
        encoding="utf-8",
    )
    (unit,) = load_units(path)
    assert (unit.code, unit.name_ru, unit.aliases) == (
        "KG-C",
        "Чуйская область",
        ("Chuy", "Chui, Chüy"),
    )


@pytest.mark.parametrize("encoding", ["cp1251", "utf-16"])
def test_windows_1251_and_utf16_unit_files(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "code,kind,name_ru,name_en\nKG-B,region,Баткенская область,Batken Region\n",
        encoding=encoding,
    )
    (unit,) = load_units(path)
    assert unit.name_ru == "Баткенская область"


def test_letters_lost_to_windows_1251_are_a_problem_with_the_way_out(tmp_path: Path) -> None:
    """Windows-1251 has no ү, ө, ң, қ: Excel writes "?" for them, and the names would be
    stored so without a word."""
    path = tmp_path / "units.csv"
    path.write_bytes(
        "code,kind,name_kk,name_en\nKG-B,region,Баткен облусу,Batken\n"
        "KG-C,region,Ч?й облусу,Chuy\n".encode("cp1251")
    )
    with pytest.raises(UnitFileError) as caught:
        load_units(path)
    (problem,) = caught.value.problems
    assert problem.startswith("row(s) 3: '?' where a letter was")
    assert 'save it as "CSV UTF-8"' in problem


def test_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    """A blank row still takes a row number: the bad kind is on row 4, not 3."""
    path = write_units(tmp_path, "KG-B,region,,,Batken,,,,", "", "KG-C,bogus,,,Chuy,,,,")
    with pytest.raises(UnitFileError) as caught:
        load_units(path)
    assert caught.value.problems[0].startswith("row 4, column kind: unknown kind 'bogus'")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write_units(tmp_path, "X-1,planet,,,One,,soon,,", "X-2,region,,,,,,,X-7")
    with pytest.raises(UnitFileError) as caught:
        load_units(path)
    assert len(caught.value.problems) == 4


def test_unreadable_unit_files(tmp_path: Path) -> None:
    with pytest.raises(UnitFileError, match="cannot read"):
        load_units(tmp_path / "missing.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(UnitFileError, match=r'not UTF-8, UTF-16 or Windows-1251.*"CSV UTF-8"'):
        load_units(binary)


def test_kind_conflict_explains_a_kind_word_that_does_not_fit(resolver: RegionResolver) -> None:
    kind, units = resolver.kind_conflict("г.Караганда")
    assert (kind, [unit.code for unit in units]) == ("city", ["KZ-35"])
    kind, units = resolver.kind_conflict("Shymkent Region")
    assert (kind, [unit.code for unit in units]) == ("region", ["KZ-79"])
    for label in ("Карагандинская", "Алматы", "г.Семей", "Almaty city", "Atlantis"):
        assert resolver.kind_conflict(label) is None


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("110000000", "KZ-11"),
        ("750000000", "KZ-75"),
        ("100000000", "KZ-10"),
        ("610000000", "KZ-61"),
    ],
)
def test_kato_codes_of_the_units(resolver: RegionResolver, label: str, code: str) -> None:
    """data.egov.kz and bureau exports key regions by KATO code ("110000000" is Akmola:
    its first two digits are the ISO numeric code); such files were refused."""
    assert resolver.resolve(label).code == code


def test_the_kato_code_south_kazakhstan_handed_on_is_no_unit(resolver: RegionResolver) -> None:
    """510000000 was South Kazakhstan's code, then Turkistan region's until 2022: which one
    a file means is not for the reader to guess."""
    assert resolver.resolve("510000000") is None


# --- The country a unit file names -------------------------------------------------------------

KYRGYZ_UNITS = (
    "KG-B,region,Баткен облусу,Баткенская область,Batken Region,Batken|Баткен,,,",
    "KG-C,region,Чүй облусу,Чуйская область,Chüy Region,Chuy|Chui|Чуй,,,",
    "KG-GB,city,Бишкек шаары,г. Бишкек,Bishkek,Бишкек,,,",
)
KYRGYZSTAN = (
    "KG,country,Кыргыз Республикасы,Кыргызская Республика,Kyrgyz Republic,"
    "Kyrgyzstan|Кыргызстан|Кыргызской Республике|КР,,,"
)


def test_the_country_row_names_the_national_total(tmp_path: Path) -> None:
    units = load_units(write_units(tmp_path, KYRGYZSTAN, *KYRGYZ_UNITS))
    assert [unit.code for unit in units] == ["KG-B", "KG-C", "KG-GB"]  # the country is no unit
    assert units.country is not None and units.country.name("ru") == "Кыргызская Республика"
    resolver = RegionResolver(units)
    for label in (
        "Кыргызстан",
        "Kyrgyzstan",
        "Kyrgyz Republic",
        "Всего по Кыргызской Республике",
        "Кыргызская Республика, всего",
        "Кыргыз Республикасы",
        "Всего",
        "Итого",
        "Total",
        "Барлығы",
        "Республика, всего",
    ):
        assert resolver.is_national_total(label), label
    resolution = resolver.resolve_all(
        ["Республика Казахстан", "Республика Узбекистан", "Российская Федерация", "Кыргызстан"]
    )
    assert resolution.national_totals == ["Кыргызстан"]
    assert resolution.unresolved == [
        "Республика Казахстан",
        "Республика Узбекистан",
        "Российская Федерация",
    ]
    assert RegionResolver(units, national_names=["Kyrgyzstan"]).is_national_total("Kyrgyzstan")
    assert not RegionResolver(units, national_names=["Kyrgyzstan"]).is_national_total(
        "Кыргызская Республика"
    )


def test_without_a_country_row_kazakhstan_is_no_total_of_another_country(tmp_path: Path) -> None:
    """The docs promise "Kazakhstan's names stay Kazakhstan's" for another country's list."""
    resolver = RegionResolver(load_units(write_units(tmp_path, *KYRGYZ_UNITS)))
    assert resolver.country is None
    assert resolver.is_national_total("Кыргызская Республика")  # a state word, names unknown
    for label in ("Республика Казахстан", "Kazakhstan", "Қазақстан Республикасы"):
        assert not resolver.is_national_total(label), label


def test_the_shipped_file_names_kazakhstan_as_the_package_does() -> None:
    """Kazakhstan's country row and ``KAZAKHSTAN_NATIONAL_NAMES`` (for units stored in a
    database or built in code) must not drift apart."""
    country = load_units().country
    assert country is not None and country.code == "KZ"
    assert sorted(country.all_names()) == sorted(KAZAKHSTAN_NATIONAL_NAMES)


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ((KYRGYZSTAN, KYRGYZSTAN, *KYRGYZ_UNITS), "row 3, column kind: a second country row"),
        (
            ("KGZ,country,,,Kyrgyzstan,,,,", *KYRGYZ_UNITS),
            "row 2, column code: 'KGZ' is no country code",
        ),
        (
            ("KG,country,Кыргызстан,,,,,,", *KYRGYZ_UNITS),
            "row 2, column name_en: is empty: the country needs a name",
        ),
        (("KG,country,,,Kyrgyzstan,,1991-08-31,,", *KYRGYZ_UNITS), "row 2, column valid_from"),
        (
            ("KZ,country,,,Kazakhstan,,,,", *KYRGYZ_UNITS),
            "row 2, column code: the country is 'KZ', but 3 unit code(s) do not begin with 'KZ-'",
        ),
    ],
)
def test_a_country_row_that_cannot_be_used(
    tmp_path: Path, rows: tuple[str, ...], problem: str
) -> None:
    with pytest.raises(UnitFileError) as caught:
        load_units(write_units(tmp_path, *rows))
    assert any(message.startswith(problem) for message in caught.value.problems), (
        caught.value.problems
    )
