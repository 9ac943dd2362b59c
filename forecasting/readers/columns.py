"""Recognising what each column of a table holds, and which layout the table uses.

Headers are matched against the usual words in English, Russian and Kazakh, in any case
and with any punctuation; when a header says nothing useful (stat.gov.kz exports often
leave the region column unnamed), the column's contents decide: a column whose labels are
regions is the region column, a column whose cells are periods is the period column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from forecasting.geography import RegionResolver
from forecasting.periods import (
    PeriodError,
    frequency_of,
    is_cumulative,
    is_half_year,
    is_likely_year,
    month_or_quarter_name,
    parse_period,
    two_years,
)
from forecasting.readers.tables import (
    NotANumber,
    Table,
    cell_text,
    column_letter,
    header_period,
    is_blank,
    is_no_data_marker,
    parse_number,
    split_footnote_mark,
    without_footnote_marks,
)

#: Layouts a reader understands (see docs/data-contract.md, "Readers").
LAYOUTS: tuple[str, ...] = (
    "auto",
    "long",
    "wide-region",
    "wide-indicator",
    "wide-period",
    "wide-month",
)

ROLES: tuple[str, ...] = (
    "region",
    "period",
    "indicator",
    "value",
    "unit",
    "source",
    "n",
    "lower",
    "upper",
)

# Header words per role (folded as in ``_fold``). A header matches when it equals an entry,
# or when its first word is a one-word entry ("Year of data", "Регион РК").
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "region": (
        "region",
        "regions",
        "region code",
        "region name",
        "name of region",
        "name of the region",
        "city",
        "oblast",
        "oblys",
        "area",
        "territory",
        "location",
        "geo",
        "ref area",
        "reference area",
        "country",
        "state",
        "province",
        "district",
        "county",
        "municipality",
        "страна",
        "провинция",
        "штат",
        "район",
        "аудан",
        "ел",
        "регион",
        "регионы",
        "область",
        "город",
        "территория",
        "наименование региона",
        "наименование территории",
        "наименование области",
        "аумақ атауы",
        "өңір атауы",
        "аймақ",
        "облыс",
        "өңір",
        "аумақ",
        "қала",
        # plurals, as column headers often are ("Облыстар мен қалалар", "Области и города")
        "области",
        "территории",
        "облыстар",
        "өңірлер",
        "аймақтар",
        "аумақтар",
    ),
    "period": (
        "period",
        "year",
        "date",
        "time",
        "time period",
        "month",
        "quarter",
        "reporting period",
        "reporting year",
        "год",
        "годы",
        "отчетный период",
        "отчетный год",
        "дата",
        "период",
        "месяц",
        "квартал",
        "жыл",
        "жылы",
        "жылдар",
        "есепті кезең",
        "есепті жыл",
        "кезең",
        "күні",
        "ай",
        "тоқсан",
        "периоды",
        "кезеңдер",
    ),
    "indicator": (
        "indicator",
        "indicator code",
        "indicator name",
        "series",
        "measure",
        "variable",
        "показатель",
        "наименование показателя",
        "индикатор",
        "наименование индикатора",
        "көрсеткіш",
        "көрсеткіш атауы",
        "показатели",
        "көрсеткіштер",
    ),
    "value": (
        "value",
        "values",
        "obs value",
        "rate",
        "amount",
        "level",
        "share",
        "percent",
        "percentage",
        "значение",
        "величина",
        "уровень",
        "доля",
        "мәні",
        "мән",
        "көрсеткіш мәні",
        "показатель значение",
        "деңгейі",
        "үлесі",
        "значения",
        "мәндер",
    ),
    "unit": (
        "unit",
        "units",
        "unit of measure",
        "unit of measurement",
        "единица",
        "единица измерения",
        "ед изм",
        "өлшем бірлігі",
    ),
    "source": ("source", "источник", "дереккөз", "дереккөзі"),
    "n": (
        "n",
        "responses",
        "respondents",
        "sample size",
        "число ответов",
        "число респондентов",
        "объем выборки",
        "респонденттер саны",
    ),
    "lower": ("lower", "lo", "ci lower", "lower bound", "нижняя граница", "төменгі шек"),
    "upper": ("upper", "hi", "ci upper", "upper bound", "верхняя граница", "жоғарғы шек"),
}


def fold_header(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces: "Ед. изм." -> "ед изм"."""
    text = text.casefold().replace("ё", "е")
    text = re.sub(r"[\s_\-./,:;()\[\]\"'«»*]+", " ", text)
    return text.strip()


_EXACT = {fold_header(word): role for role, words in ROLE_WORDS.items() for word in words}
_FIRST_WORD = {
    fold_header(word): role
    for role, words in ROLE_WORDS.items()
    for word in words
    if " " not in word and len(word) > 2
}


#: Rows under a region that break its figure down (urban/rural, sex), as bureau tables print
#: them under each region and the national total; folded with ``fold_header``.
BREAKDOWN_LABELS = frozenset(
    fold_header(label)
    for label in (
        *("городская местность", "сельская местность", "в городской местности",
          "в сельской местности", "городское население", "сельское население",
          "город", "село", "мужчины", "женщины"),
        *("қалалық жер", "ауылдық жер", "қалалық елді мекендер", "ауылдық елді мекендер",
          "қала", "ауыл", "ерлер", "әйелдер"),
        *("urban", "rural", "urban area", "rural area", "urban areas", "rural areas",
          "urban population", "rural population", "men", "women", "male", "female",
          "males", "females"),
    )
)  # fmt: skip


def looks_like_header(cells: list[str]) -> bool:
    """Whether a row reads as a table header: a column name we know, or two period headers.

    Used to skip title rows above the header that happen to hold two different texts
    ("Таблица 3.1" ... "в процентах").
    """
    if any(role_of_header(cell) is not None for cell in cells):
        return True
    if sum(1 for cell in cells if month_or_quarter_name(cell) is not None) >= 3:
        return True
    # Totals since January ("январь-март 2024") are refused, naming them, once found.
    return sum(1 for cell in cells if header_period(cell) is not None or is_cumulative(cell)) >= 2


def role_of_header(header: str) -> str | None:
    """Which role a header names, or ``None``."""
    folded = fold_header(header)
    if not folded:
        return None
    if folded in _EXACT:
        return _EXACT[folded]
    first = folded.split(" ", 1)[0]
    return _FIRST_WORD.get(first)


@dataclass
class Columns:
    """Where each role lives (column indices) and which layout the table uses."""

    layout: str
    roles: dict[str, int] = field(default_factory=dict)
    #: Wide layouts: column index -> what the header names (a region label, an indicator
    #: label, or a period header text).
    spread: dict[int, str] = field(default_factory=dict)
    #: wide-month: column index -> ("M", month) or ("Q", quarter) its header names.
    subperiods: dict[int, tuple[str, int]] = field(default_factory=dict)
    #: wide-month: columns holding a figure for the whole year beside the months.
    annual: list[int] = field(default_factory=list)


class LayoutError(ValueError):
    """The table's columns cannot be understood; the message says what was found.

    ``code`` and ``params`` say the same as data (see ``Issue``).
    """

    def __init__(
        self, message: str, code: str = "layout.unclear", params: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params = params or {}


def find_columns(
    table: Table,
    *,
    layout: str,
    explicit: dict[str, str | None],
    resolver: RegionResolver | None,
    indicator_labels: set[str] | None,
    indicator_given: bool = True,
) -> Columns:
    """Assign roles to columns and decide the layout (or check the one asked for).

    ``indicator_given``: whether the caller names the indicator. With labels kept as keys
    (``resolver`` ``None``), a row per period and numeric columns is one column per series
    of that indicator when it is given, else one column per indicator of a single series.
    """
    if layout not in LAYOUTS:
        raise LayoutError(
            f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}",
            "layout.unknown",
            {"layout": layout, "layouts": ", ".join(LAYOUTS)},
        )
    roles: dict[str, int] = {}
    for role, name in explicit.items():
        if name:
            roles[role] = _named_column(table, name, role)
    assigned = set(roles.values())
    found: dict[str, list[int]] = {}
    for index, header in enumerate(table.header):
        if index in assigned:
            continue
        if indicator_labels and fold_header(header) in indicator_labels:
            continue  # an indicator's name, even if it starts like "Level" or "Доля"
        role = role_of_header(header)
        if role is not None and role not in roles:
            found.setdefault(role, []).append(index)
    subperiods = _subperiod_headers(table, assigned) if want_months(layout) else {}
    if subperiods:
        return _wide_month(table, roles, found, subperiods, resolver)
    if layout == "wide-month":
        raise LayoutError(
            "no column header is a month or a quarter (JAN, январь, қаңтар, Q1, I квартал...); "
            f"found: {found_columns(table)}",
            "layout.no_month_columns",
            {"found": found_columns(table)},
        )
    if len(found.get("period", [])) == 2 and "period" not in roles:
        _split_period(table, found, roles)
    for role, indices in found.items():
        if len(indices) == 2 and role in ("region", "indicator"):
            indices = _name_or_code(table, indices, role, resolver, indicator_labels)
        if len(indices) == 2 and role == "indicator":
            indices = _indicator_over_series(table, indices)
        if len(indices) == 2 and role == "region" and _same_units(table, indices, resolver):
            indices = indices[:1]
        if len(indices) > 1 and role in ("region", "period", "value", "indicator"):
            names = " and ".join(repr(table.column_label(i)) for i in indices)
            raise LayoutError(
                f"columns {names} {'both' if len(indices) == 2 else 'all'} look like the {role} "
                "column; "
                f"name the right one with --{role}-column",
                "layout.two_columns_for_role",
                {"columns": names, "role": role},
            )
        roles[role] = indices[0]

    period_headers = {
        index: without_footnote_marks(header)
        for index, header in enumerate(table.header)
        if index not in roles.values() and header_period(header) is not None
    }
    want = layout
    if want in ("auto", "wide-period") and period_headers and "period" not in roles:
        _find_by_content(table, roles, "region", resolver)
        if "region" not in roles:
            raise LayoutError(
                "the column headers are periods but no column holds region names "
                f"(found: {found_columns(table)}); name it with --region-column",
                "layout.no_region_column",
                {"found": found_columns(table)},
            )
        _refuse_repeated_periods(table, period_headers)
        return Columns("wide-period", roles, period_headers)
    _refuse_two_year_headers(table)
    _refuse_cumulative_headers(table)
    _refuse_half_year_headers(table)
    if want == "wide-period":
        raise LayoutError(
            f"no column header is a period (found: {found_columns(table)})",
            "layout.no_period_headers",
            {"found": found_columns(table)},
        )

    if want in ("auto", "long", "wide-region"):
        _find_by_content(table, roles, "period", resolver)
    if want in ("auto", "long", "wide-indicator"):
        _find_by_content(table, roles, "region", resolver)
        if (
            resolver is None
            and "region" not in roles
            and "period" in roles
            and (_periods_repeat(table, roles) or {"indicator", "value"} <= roles.keys())
        ):
            # Labels kept as keys, a period on several rows (a panel), or a long table that
            # names its indicator and value columns: the one column of texts (statsmodels'
            # Grunfeld: "General Motors"...; "key": K1, K2) is the key column.
            _find_key_column(table, roles, set())

    if want in ("auto", "long") and {"region", "period", "value"} <= roles.keys():
        return Columns("long", roles)
    if (
        want in ("auto", "long")
        and {"period", "value"} <= roles.keys()
        and "region" not in roles
        and not _unexplained_columns(table, roles)
    ):
        # "Год, Значение": one national series (the reader keeps it as national totals).
        return Columns("long", roles)
    if want == "long":
        missing = [role for role in ("region", "period", "value") if role not in roles]
        raise LayoutError(
            f"no {', '.join(missing)} column (found: {found_columns(table)}); "
            + " ".join(f"name it with --{role}-column." for role in missing),
            "layout.long_missing_columns",
            {"missing": missing, "found": found_columns(table)},
        )

    if want == "wide-indicator" and "value" in roles and not explicit.get("value"):
        # Asked for one column per indicator: a column headed "value" (Grunfeld's firm
        # value, say) is one of the indicators, not the value column of a long table.
        del roles["value"]
    others = {
        index: header
        for index, header in enumerate(table.header)
        if index not in roles.values()
        and header.strip()
        # The regions again, in other words (a KATO code column found by its content and
        # data.egov.kz's "naimenovanie" beside it): no indicator, left unread.
        and not ("region" in roles and _same_units(table, [roles["region"], index], resolver))
    }
    if want in ("auto", "wide-region") and "period" in roles and "region" not in roles:
        if resolver is None:
            regions = others
        else:
            regions = {
                index: header
                for index, header in others.items()
                if resolver.resolve(header) is not None or resolver.is_national_total(header)
            }
        national_indicators = (
            want == "auto"
            and resolver is None
            and not indicator_given
            and "indicator" not in roles
            and all(numeric_column(table, index) for index in others)
        )
        if want == "wide-region" or (
            len(regions) >= max(1, len(others) // 2)
            and (resolver is not None or not _periods_repeat(table, roles))
            and not national_indicators
        ):
            return Columns("wide-region", roles, others)
    if want == "wide-region":
        raise LayoutError(
            f"a table with one column per region needs a period column (found: {found_columns(table)})",
            "layout.wide_region_needs_period",
            {"found": found_columns(table)},
        )

    if (
        want in ("auto", "wide-indicator")
        and "period" in roles
        and not {"region", "value"} & roles.keys()
        and others
        and not _periods_repeat(table, roles)
        and (want == "wide-indicator" or all(numeric_column(table, index) for index in others))
    ):
        # "Год; ВВП; Инфляция" (statsmodels' macrodata): a row per period, a column per
        # indicator, no region: national series (the reader keeps them as national totals).
        return Columns("wide-indicator", roles, others)
    if {"region", "period"} <= roles.keys() and "value" not in roles and others:
        (only,) = others if len(others) == 1 else (None,)
        if (
            want == "auto"
            and indicator_given
            and only is not None
            and (indicator_labels is None or fold_header(others[only]) not in indicator_labels)
            and numeric_column(table, only)
        ):
            # "Регион; Год; Безработица" with the indicator given: the one column of numbers,
            # headed with the indicator's own words, is the value column.
            roles["value"] = only
            return Columns("long", roles)
        if want == "wide-indicator" or indicator_labels is None:
            return Columns("wide-indicator", roles, others)
        known = {i: h for i, h in others.items() if fold_header(h) in indicator_labels}
        if known or (want == "auto" and all(numeric_column(table, i) for i in others)):
            # Numbers under headers the catalogue does not know (plm's Produc: pcap, hwy,
            # emp...): one column per indicator, each unknown one named as such.
            return Columns("wide-indicator", roles, others)
    if want == "wide-indicator":
        missing = [role for role in ("region", "period") if role not in roles]
        raise LayoutError(
            "a table with one column per indicator needs region and period columns: "
            f"no {' or '.join(missing) or 'indicator'} column (found: {found_columns(table)})"
            + "".join(f"; name it with --{role}-column" for role in missing),
            "layout.wide_indicator_needs_columns",
            {"missing": missing, "found": found_columns(table)},
        )
    _refuse_periods_broken_down(table)
    raise LayoutError(
        "cannot tell how the table is laid out: expected region, period and value columns "
        "(long), one column per region, per indicator or per period; "
        f"found: {found_columns(table)}. Name the columns with --region-column, --period-column, "
        "--value-column or choose --layout",
        "layout.unclear",
        {"found": found_columns(table)},
    )


_CODE_WORDS = frozenset({"code", "codes", "id", "iso", "код", "коды", "коду"})
_NAME_WORDS = frozenset(
    {"name", "names", "label", "наименование", "название", "имя", "атауы", "атау"}
)


def _name_or_code(
    table: Table,
    indices: list[int],
    role: str,
    resolver: RegionResolver | None,
    indicator_labels: set[str] | None,
) -> list[int]:
    """Of a name column and a code column of one thing ("Country Name" and "Country Code",
    "Series Name" and "Series Code", as World Bank and SDMX exports have them), the one to
    read: regions by the column more of whose labels are units of the list (the name on a
    tie, or with labels kept as keys), indicators by the column more of whose labels the
    catalogue knows (the code on a tie, or without a catalogue). Other pairs are returned
    as they are, for the "both look like" error."""
    words = [set(fold_header(table.header[index]).split()) for index in indices]
    kinds = ["code" if w & _CODE_WORDS else "name" if w & _NAME_WORDS else "" for w in words]
    if sorted(kinds) != ["code", "name"] or any(w & _CODE_WORDS and w & _NAME_WORDS for w in words):
        return indices
    name, code = (indices[0], indices[1]) if kinds[0] == "name" else (indices[1], indices[0])

    def labels(index: int) -> set[str]:
        return {
            cell_text(row[index]).strip()
            for _, row in table.rows[:500]
            if index < len(row) and cell_text(row[index]).strip()
        }

    if role == "region":
        if resolver is None:
            return [name]
        hits = {
            index: sum(1 for label in labels(index) if resolver.resolve(label) is not None)
            for index in (name, code)
        }
        return [code] if hits[code] > hits[name] else [name]
    if not indicator_labels:
        return [code]
    hits = {
        index: sum(1 for label in labels(index) if fold_header(label) in indicator_labels)
        for index in (name, code)
    }
    return [name] if hits[name] > hits[code] else [code]


#: Headers that name the indicator outright; "series", "measure" and "variable" name it too
#: when alone, but beside one of these they are more likely a series key ("series, period,
#: indicator, value": S01, S02... for each indicator).
_INDICATOR_WORDS = frozenset(
    fold_header(word)
    for word in ("indicator", "indicator code", "indicator name", "показатель", "көрсеткіш")
)


def _indicator_over_series(table: Table, indices: list[int]) -> list[int]:
    """Of an "indicator" column and a "series" (or "measure", "variable") column, the first
    is the indicator; the other is left for the series key (``_find_key_column``)."""
    explicit = [index for index in indices if fold_header(table.header[index]) in _INDICATOR_WORDS]
    return explicit if len(explicit) == 1 else indices


def _same_units(table: Table, indices: list[int], resolver: RegionResolver | None) -> bool:
    """Whether two region columns name the same unit on every row, in two languages
    (data.egov.kz's ``region_ru`` and ``region_kz``, "Регион" and "Өңір"): then either
    one is the region column, the first is read. A row where they differ, or where one is
    empty or unknown and the other not, keeps them two candidates (the "both look like"
    error): which one is meant is then the analyst's to say."""
    if resolver is None:
        return False
    named = 0
    for _, row in table.rows:
        if sum(1 for cell in row if not is_blank(cell)) <= 1:
            continue  # a note or heading row, skipped by the reader
        keys = []
        for index in indices:
            label = cell_text(row[index]).strip() if index < len(row) else ""
            if resolver.is_national_total(label):
                keys.append("national")
            else:
                unit = resolver.resolve(label) if label else None
                keys.append(unit.code if unit is not None else None if label else "")
        if keys[0] != keys[1] or None in keys:
            return False
        named += keys[0] not in ("", "national")
    return named > 0


def _refuse_two_year_headers(table: Table) -> None:
    """Headers such as 2019/2020 or 2020-21 (seasons, academic or financial years, ranges)
    look like periods but are none: name them instead of "cannot tell how the table is
    laid out"."""
    spans = [
        (header, span)
        for header in table.header
        if (span := two_years(without_footnote_marks(header))) is not None
    ]
    if not spans:
        return
    columns = ", ".join(repr(header) for header, _ in spans)
    header, (_, second) = spans[0]
    raise LayoutError(
        f"column header(s) {columns} join two years (a season, an academic or financial "
        "year, or a range): they are not calendar periods, so the columns cannot be read as "
        f"periods; relabel each with the year it is counted in ({header} -> {second}), or "
        "give a year column in a long table",
        "layout.two_year_headers",
        {"columns": columns, "example": header, "year": second},
    )


def _refuse_cumulative_headers(table: Table) -> None:
    """Headers of totals since January ("январь-март 2024", "2023: январь-июнь", "I-III кв.")
    are no periods: when the table has no other period columns, say so and what to export,
    instead of "cannot tell how the table is laid out"."""
    _refuse_headers(
        table,
        is_cumulative,
        "column header(s) {listed} are totals since the start of the year (cumulative "
        "figures), not single periods, so the columns cannot be read as periods: export the "
        "figures of each month or quarter instead",
        "period.cumulative",
    )


def _refuse_headers(table: Table, matches: Callable[[str], bool], message: str, code: str) -> None:
    """One error naming every header ``matches`` finds (``message`` takes ``{listed}``)."""
    columns = [header for header in table.header if matches(header)]
    if not columns:
        return
    listed = ", ".join(repr(header) for header in columns)
    raise LayoutError(message.format(listed=listed), code, {"value": columns[0], "columns": listed})


def _refuse_repeated_periods(table: Table, period_headers: dict[int, str]) -> None:
    """Two columns of one period ("2022" and "2022¹": the revised figure and the
    preliminary one, as bulletins print them side by side): one error naming them, not
    "a second value" on every row."""
    columns: dict[str, list[int]] = {}
    for index in period_headers:
        period = header_period(table.header[index])
        columns.setdefault(str(period), []).append(index)
    for period, indices in columns.items():
        if len(indices) < 2:
            continue
        groups = [table.groups[index] if index < len(table.groups) else "" for index in indices]
        if all(groups) and len(set(groups)) > 1 and header_period(groups[0]) is None:
            # "Уровень безработицы, %" and "Уровень бедности, %" merged over "2022", "2023"
            # each: tables side by side, not a revised and a preliminary figure.
            named = ", ".join(repr(group) for group in dict.fromkeys(groups))
            raise LayoutError(
                f"the periods repeat under each of the group headers {named} (row "
                f"{table.header_row}): the sheet holds tables side by side, one per group "
                "(another indicator, perhaps). Put each table on its own sheet or in its own "
                "file, with its indicator",
                "layout.side_by_side_tables",
                {"groups": named, "row": table.header_row},
            )
        names = " and ".join(repr(table.column_label(index)) for index in indices)
        raise LayoutError(
            f"columns {names} are the same period ({period}), revised and preliminary "
            "figures perhaps: keep the one to read and remove the other",
            "layout.same_period_columns",
            {"columns": names, "period": period},
        )


def _refuse_periods_broken_down(table: Table) -> None:
    """Each period merged over sub-headers ("2022" over "Уровень безработицы", "Уровень
    бедности"; over "мужчины", "женщины") with no total under it: no column is one period's
    figure. Name the sub-headers instead of "cannot tell how the table is laid out"."""
    parts = [
        (group, sub)
        for header in table.header
        if ": " in header
        for group, sub in [header.split(": ", 1)]
        if header_period(group) is not None
    ]
    subheaders = list(dict.fromkeys(sub for _, sub in parts))
    if len({group for group, _ in parts}) < 2 or len(subheaders) < 2:
        return
    listed = ", ".join(repr(sub) for sub in subheaders)
    raise LayoutError(
        f"each period of the header is broken down into {listed} (row {table.header_row} and "
        "the row below), with no column of the period's total: a column per period is read, "
        "so keep one of them (one indicator, or the total) per file, or write the table long "
        "(region, period, indicator and value columns)",
        "layout.periods_broken_down",
        {"subheaders": listed, "row": table.header_row},
    )


def _refuse_half_year_headers(table: Table) -> None:
    """Headers of half-years ("I полугодие 2022", "2022 H1") are no periods of the
    contract: say so, instead of "cannot tell how the table is laid out"."""
    _refuse_headers(
        table,
        is_half_year,
        "column header(s) {listed} are half-years: periods are years, quarters or months, "
        "so the columns cannot be read as periods; export the figures of each quarter (or of "
        "the year) instead",
        "period.half_year",
    )


def _unexplained_columns(table: Table, roles: dict[str, int]) -> list[int]:
    """Columns no role reads that have a header or a value: with one of them, a table of
    periods and values may be one series per label of that column (firms, districts), so
    it is not taken for a national series."""
    used = set(roles.values())
    width = max([len(table.header)] + [len(row) for _, row in table.rows[:200]])
    return [
        index
        for index in range(width)
        if index not in used
        and (
            (index < len(table.header) and table.header[index].strip())
            or any(not is_blank(row[index]) for _, row in table.rows[:200] if index < len(row))
        )
    ]


def _periods_repeat(table: Table, roles: dict[str, int]) -> bool:
    """Whether a period (of one indicator) is on several rows.

    Then the table is not one row per period with a column per series: with labels left
    unresolved, its other columns (``firm``, ``sector``, ``emp``...) are not series but a
    key column and indicators, which only the analyst can tell apart.
    """
    columns = [roles["period"]] + [
        roles[role] for role in ("period_month", "period_quarter", "indicator") if role in roles
    ]
    seen: set[tuple[str, ...]] = set()
    for _, row in table.rows:
        key = tuple(cell_text(row[index]) if index < len(row) else "" for index in columns)
        if not key[0]:
            continue
        if key in seen:
            return True
        seen.add(key)
    return False


def numeric_column(table: Table, index: int) -> bool:
    """Whether a column's cells (the first 200 rows) are numbers or no-data marks."""
    seen = False
    for _, row in table.rows[:200]:
        value = row[index] if index < len(row) else None
        if is_blank(value) or is_no_data_marker(value):
            continue
        marked = split_footnote_mark(value)
        try:
            parse_number(marked[0] if marked else value, decimal_comma=table.decimal_comma)
        except NotANumber:
            return False
        seen = True
    return seen


def want_months(layout: str) -> bool:
    return layout in ("auto", "wide-month")


#: Headers of a column with the figure for the whole year, next to the month columns
#: (folded). Year words count too when another column holds the years.
ANNUAL_WORDS = frozenset(
    fold_header(word)
    for word in (
        "total",
        "annual",
        "year total",
        "annual total",
        "average",
        "mean",
        "annual average",
        "итого",
        "всего",
        "за год",
        "итого за год",
        "в среднем за год",
        "среднегодовое",
        "среднее",
        "годовое",
        "барлығы",
        "жиыны",
        "жылдық",
        "жыл бойы",
        "жылына",
        "орташа",
    )
)


def _subperiod_headers(table: Table, assigned: set[int]) -> dict[int, tuple[str, int]]:
    """Month (or quarter) columns of a table with one row per year, or ``{}``.

    Three different months, or two different quarters, in columns of their own make the
    layout; a header row mixing months and quarters, or naming a month twice, is refused.
    """
    named = {
        index: name
        for index, header in enumerate(table.header)
        if index not in assigned and (name := month_or_quarter_name(header)) is not None
    }
    kinds = {kind for kind, _ in named.values()}
    if not named or len({number for _, number in named.values()}) < (2 if kinds == {"Q"} else 3):
        return {}
    if len(kinds) > 1:
        raise LayoutError(
            "the header mixes month and quarter columns "
            f"({', '.join(repr(table.column_label(i)) for i in named)}): keep one frequency "
            "per file",
            "layout.months_and_quarters",
            {"columns": ", ".join(repr(table.column_label(i)) for i in named)},
        )
    seen: dict[tuple[str, int], int] = {}
    for index, name in named.items():
        if name in seen:
            raise LayoutError(
                f"columns {table.column_label(seen[name])!r} and {table.column_label(index)!r} "
                "name the same month or quarter",
                "layout.same_month_twice",
                {"first": table.column_label(seen[name]), "second": table.column_label(index)},
            )
        seen[name] = index
    return named


def _year_share(table: Table, index: int) -> float:
    """The share of a column's filled cells that are years (1950, "1950 год", 1950.0)."""
    cells = [row[index] for _, row in table.rows[:200] if index < len(row)]
    cells = [cell for cell in cells if not is_blank(cell)]
    if not cells:
        return 0.0
    hits = 0
    for cell in cells:
        try:
            hits += frequency_of(parse_period(cell)) == "Y"
        except PeriodError:
            continue
    return hits / len(cells)


def _wide_month(
    table: Table,
    roles: dict[str, int],
    found: dict[str, list[int]],
    subperiods: dict[int, tuple[str, int]],
    resolver: RegionResolver | None,
) -> Columns:
    """One row per year (and region): a year column and one column per month or quarter.

    The year column is the one named (``--period-column``), else a year-headed column that
    holds years, else any column holding years. Another column headed as a year or a total
    ("Год", "Итого", "Total") holds the figure for the whole year: not read, with a warning.
    Without a region column the table is one series for the whole country.
    """
    for role, indices in found.items():
        indices = [index for index in indices if index not in subperiods]
        if role == "period" or not indices:
            continue
        if len(indices) == 2 and role == "region" and _same_units(table, indices, resolver):
            indices = indices[:1]
        if len(indices) > 1 and role in ("region", "indicator"):
            names = " and ".join(repr(table.column_label(i)) for i in indices)
            raise LayoutError(
                f"columns {names} {'both' if len(indices) == 2 else 'all'} look like the {role} "
                "column; "
                f"name the right one with --{role}-column",
                "layout.two_columns_for_role",
                {"columns": names, "role": role},
            )
        if role != "value":
            roles.setdefault(role, indices[0])
    year_headed = [i for i in found.get("period", []) if i not in subperiods]
    if "period" not in roles:
        years = [i for i in year_headed if _year_share(table, i) >= 0.5]
        if not years:
            used = set(roles.values()) | set(subperiods)
            years = [
                index
                for index in range(len(table.header))
                if index not in used
                and fold_header(table.header[index]) not in ANNUAL_WORDS
                and _year_share(table, index) >= 0.5
            ]
        if not years:
            raise LayoutError(
                "the columns are months or quarters but no column holds the years "
                f"(found: {found_columns(table)}); if the year is only in the title, write it "
                "into the month or quarter headers ('январь 2024', 'January 2024') or add a "
                "year column; if a column holds the years, name it with --period-column",
                "layout.no_year_column",
                {"found": found_columns(table)},
            )
        roles["period"] = years[0]
    annual = [
        index
        for index, header in enumerate(table.header)
        if index not in roles.values()
        and index not in subperiods
        and (index in year_headed or fold_header(header) in ANNUAL_WORDS)
    ]
    _find_by_content(table, roles, "region", resolver)
    if "region" not in roles:
        _find_key_column(table, roles, set(subperiods) | set(annual))
    return Columns(
        "wide-month",
        roles,
        {index: table.column_label(index) for index in subperiods},
        subperiods=subperiods,
        annual=annual,
    )


def _find_key_column(table: Table, roles: dict[str, int], skip: set[int]) -> None:
    """Series keys kept as written: the one unnamed column of texts, if there is one."""
    texts = []
    for index in range(len(table.header)):
        role = role_of_header(table.header[index])
        # A header naming a role another column already has ("series" beside "indicator")
        # may still be the key; one naming a free role (unit, source) is not.
        if index in roles.values() or index in skip or (role and role not in roles):
            continue
        cells = [row[index] for _, row in table.rows[:200] if index < len(row)]
        cells = [cell for cell in cells if not is_blank(cell)]
        if cells and all(isinstance(cell, str) and not _is_number_text(cell) for cell in cells):
            texts.append(index)
    if len(texts) == 1:
        roles["region"] = texts[0]


def _is_number_text(text: str) -> bool:
    return re.fullmatch(r"[\s\d.,%+\-–]+", text) is not None


#: Headers of a column holding one part of the period, next to a year column.
PERIOD_PARTS: dict[str, tuple[str, ...]] = {
    "year": ("year", "год", "жыл"),
    "month": ("month", "месяц", "ай"),
    "quarter": ("quarter", "квартал", "тоқсан"),
}


def period_part(header: str) -> str | None:
    """``year``, ``month`` or ``quarter`` when a header names that part of a period."""
    folded = fold_header(header)
    for part, words in PERIOD_PARTS.items():
        if folded in {fold_header(word) for word in words}:
            return part
    return None


def _split_period(table: Table, found: dict[str, list[int]], roles: dict[str, int]) -> None:
    """A year column and a month (or quarter) column together make the period."""
    parts = {period_part(table.header[index]): index for index in found["period"]}
    if "year" not in parts:
        return
    for part in ("month", "quarter"):
        if part in parts:
            roles["period"] = parts["year"]
            roles[f"period_{part}"] = parts[part]
            del found["period"]
            return


def _named_column(table: Table, name: str, role: str) -> int:
    wanted = fold_header(name)
    for index, header in enumerate(table.header):
        if fold_header(header) == wanted:
            return index
    # A column without a header is named as the messages name it ("column A"), or by its
    # letter alone ("A").
    for index, header in enumerate(table.header):
        if not header.strip() and wanted in (
            fold_header(table.column_label(index)),
            column_letter(index).casefold(),
        ):
            return index
    raise LayoutError(
        f"no column named {name!r} for the {role}; found: {found_columns(table)}",
        "layout.no_column_named",
        {"name": name, "role": role, "found": found_columns(table)},
    )


def found_columns(table: Table) -> str:
    """The headers of a table, for messages: "'Регион', '2019', 'column C'"."""
    labels = [table.column_label(i) for i in range(len(table.header))]
    shown = ", ".join(repr(label) for label in labels[:15])
    if len(labels) > 15:
        shown += f", ... ({len(labels)} columns)"
    return shown or "no columns"


def _find_by_content(
    table: Table, roles: dict[str, int], role: str, resolver: RegionResolver | None
) -> None:
    """A column with an unhelpful header whose cells are clearly regions (or periods)."""
    if role in roles or (role == "region" and resolver is None):
        return
    width = max((len(row) for _, row in table.rows), default=0)
    best, best_share = None, 0.0
    for index in range(width):
        if index in roles.values() or role_of_header(table.column_label(index)) is not None:
            continue
        if header_period(table.header[index] if index < len(table.header) else "") is not None:
            continue
        cells = [row[index] for _, row in table.rows[:200] if index < len(row)]
        cells = [cell for cell in cells if not is_blank(cell)]
        if role == "region":
            # Urban/rural or men/women rows under each region are no labels of their own.
            cells = [c for c in cells if fold_header(cell_text(c)) not in BREAKDOWN_LABELS]
        if not cells:
            continue
        if role == "region":
            hits = sum(
                1
                for cell in cells
                if resolver.resolve(cell_text(cell)) is not None  # type: ignore[union-attr]
                or resolver.is_national_total(cell_text(cell))  # type: ignore[union-attr]
            )
        else:
            hits = sum(1 for cell in cells if _is_text_period(cell))
        share = hits / len(cells)
        if share > best_share:
            best, best_share = index, share
    if best is not None and best_share >= 0.5:
        roles[role] = best


def _is_text_period(cell: object) -> bool:
    """A period cell; bare small numbers (values) do not count, years and dates do."""
    if isinstance(cell, int | float) and not is_likely_year(cell):
        return False
    try:
        parse_period(cell)
    except PeriodError:
        return False
    return True
