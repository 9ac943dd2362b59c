"""``read_observations``: any reasonable statistics table in, contract observations out.

The reader never guesses silently and never drops a row without saying so: every cell it
cannot use becomes an issue in the report, naming the row and column a person sees in the
spreadsheet. A file with any error yields the report and no data, so a half-read file can
never reach a model. The rules are written down in ``docs/data-contract.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import IO

import pandas as pd

from forecasting.contract import (
    ContractError,
    empty_observations,
    read_catalogue,
    valid_range,
    validate_catalogue,
    validate_observations,
)
from forecasting.geography import RegionResolver, Unit, default_resolver
from forecasting.periods import (
    FREQUENCIES,
    FREQUENCY_NAMES,
    PeriodError,
    frequency_of,
    infer_frequency,
    is_cumulative,
    is_half_year,
    normalise_frequency,
    parse_period,
)
from forecasting.readers.columns import (
    BREAKDOWN_LABELS,
    Columns,
    LayoutError,
    find_columns,
    fold_header,
    found_columns,
    looks_like_header,
    numeric_column,
)
from forecasting.readers.report import ValidationReport
from forecasting.readers.tables import (
    NotANumber,
    PercentCell,
    Table,
    cell_text,
    is_blank,
    is_no_data_marker,
    is_total_word,
    load_table,
    parse_number,
    split_footnote_mark,
    without_footnote_marks,
)

#: ``region`` of national-total rows in ``ReadResult.national_totals``.
NATIONAL_TOTAL_KEY = "national"
#: Layouts read as one national series when the table has no region column.
NATIONAL_LAYOUTS = ("long", "wide-month", "wide-indicator")
#: Series key of a table without a region column when labels are kept as keys
#: (``resolve_regions=False``): not a word that reads as a national total, so commands that
#: forecast keys (backtest, forecast) forecast the one series.
SINGLE_SERIES_KEY = "series"

_UNIT_SYNONYMS = {
    "percent": "%",
    "pct": "%",
    "процент": "%",
    "процентов": "%",
    "пайыз": "%",
    "проц": "%",
}


@dataclass
class ReadResult:
    """Observations (``None`` when the file has errors), national totals and the report."""

    observations: pd.DataFrame | None
    national_totals: pd.DataFrame | None
    report: ValidationReport

    @property
    def ok(self) -> bool:
        return self.report.ok


@dataclass
class _Record:
    """One value cell of the table and the cells that say what it is."""

    row: int
    region: object
    period: object
    indicator: str | None
    value: object
    region_column: str
    period_column: str
    value_column: str
    extras: dict[str, tuple[object, str]] = field(default_factory=dict)
    unit: Unit | None = None
    national: bool = False
    parsed_period: pd.Period | None = None
    parsed_value: float | None = None
    #: Parsed optional numbers (n, lower, upper) by role.
    numbers: dict[str, float] = field(default_factory=dict)
    formula: bool = False


def read_observations(
    source: str | PathLike[str] | IO | pd.DataFrame,
    *,
    layout: str = "auto",
    indicator: str | None = None,
    region_column: str | None = None,
    period_column: str | None = None,
    value_column: str | None = None,
    indicator_column: str | None = None,
    frequency: str | None = None,
    sheet: str | int | None = None,
    resolver: RegionResolver | None = None,
    catalogue: pd.DataFrame | str | PathLike[str] | None = None,
    filename: str | None = None,
    resolve_regions: bool = True,
    unknown_indicators: str = "error",
) -> ReadResult:
    """Read a CSV/XLSX/XLS file (path or binary file object) or a DataFrame of statistics.

    ``layout`` is ``auto`` (detected), ``long`` (region, period, value columns),
    ``wide-region`` (a column per region, a row per period), ``wide-indicator`` (a column
    per indicator, a row per region and period) or ``wide-period`` (a column per period,
    as stat.gov.kz publishes). ``sheet`` is a sheet name, a 1-based number as text ("2"), or
    a 0-based ``int`` as in pandas. ``indicator`` names the indicator when the table has no
    indicator column; ``region_column``, ``period_column``, ``value_column`` and
    ``indicator_column`` name columns whose headers say nothing (or too much: two
    indicator columns, a name and a code). ``catalogue`` (frame or CSV path) supplies indicator codes, names,
    units and frequencies to check against. Regions go through ``resolver`` (default:
    Kazakhstan's units) unless ``resolve_regions`` is false, in which case region labels
    are kept as opaque series keys. An indicator the catalogue does not know is an error,
    or with ``unknown_indicators="keep"`` a warning, the label kept as its code (the risk
    score leaves such indicators out and says so).

    Problems in the file never raise: they are in ``result.report``. A catalogue that
    breaks the contract does raise ``ContractError`` (it is the caller's input, not the
    file's).
    """
    display = filename or (
        Path(source).name if isinstance(source, str | PathLike) else getattr(source, "name", None)
    )
    report = ValidationReport(source=str(display) if display else None)
    catalogue_frame = _catalogue(catalogue)
    if resolve_regions and resolver is None:
        resolver = default_resolver()
    if not resolve_regions:
        resolver = None
    if frequency is not None:
        try:
            frequency = normalise_frequency(frequency)
        except PeriodError as error:
            report.error(str(error), code="frequency.unknown", params={"frequency": frequency})
            return ReadResult(None, None, report)

    table = load_table(
        source, filename=filename, sheet=sheet, report=report, is_header=looks_like_header
    )
    if table is None:
        return ReadResult(None, None, report)
    report.rows = len(table.rows)
    report.columns = [table.column_label(index) for index in range(len(table.header))]
    if not table.rows:
        report.error(
            "the file has a header but no data rows", row=table.header_row, code="file.no_rows"
        )
        return ReadResult(None, None, report)

    indicators = _IndicatorNames(catalogue_frame)
    try:
        columns = find_columns(
            table,
            layout=layout,
            explicit={
                "region": region_column,
                "period": period_column,
                "value": value_column,
                "indicator": indicator_column,
            },
            resolver=resolver,
            indicator_labels=indicators.labels if catalogue_frame is not None else None,
            indicator_given=indicator is not None,
        )
    except LayoutError as error:
        report.error(str(error), row=table.header_row, code=error.code, params=error.params)
        return ReadResult(None, None, report)
    report.layout = columns.layout
    breakdown = _breakdown_column(table, columns)
    _warn_unread_columns(table, columns, report, breakdown)
    # A long or month-column table without a region column is one national series (in
    # the other layouts the regions are column headers, or a region column is required).
    without_regions = columns.layout in NATIONAL_LAYOUTS and "region" not in columns.roles
    if without_regions:
        if resolver is None:
            report.warning(
                "the table has no region column: its values are one series, kept under the "
                f"key {SINGLE_SERIES_KEY!r}",
                code="regions.none_one_series",
                params={"key": SINGLE_SERIES_KEY},
            )
        else:
            report.warning(
                "the table has no region column: its values are read as national totals "
                "(one series for the whole country), kept apart from regional values",
                code="regions.none_national",
            )

    if indicator is not None:
        code = indicators.code(indicator)
        if code is None and unknown_indicators == "keep" and str(indicator).strip():
            # Kept under its own name, as an indicator column's unknown labels are: the
            # indicator check below says so in a warning.
            code = str(indicator).strip()
        if code is None:
            report.error(
                f"indicator {indicator!r} is not in the catalogue",
                value=indicator,
                code="indicator.given_unknown",
                params={"indicator": indicator},
            )
            return ReadResult(None, None, report)
        indicator = code

    if indicator is not None and (
        "indicator" in columns.roles or columns.layout == "wide-indicator"
    ):
        report.warning(
            f"the table names its indicators itself; the indicator {indicator!r} given is not used",
            code="indicator.given_not_used",
            params={"indicator": indicator},
        )
    headings = _skip_notes(table, resolver, report)
    _skip_breakdown_rows(table, columns, resolver, report)
    if breakdown is not None:
        _skip_breakdown_column(table, breakdown, report)
    records = _records(table, columns, indicator, report)
    records = _drop_empty_values(records, columns, report)
    if unknown_indicators not in ("error", "keep"):
        raise ValueError(
            f"unknown_indicators must be 'error' or 'keep', not {unknown_indicators!r}"
        )
    if not _check_indicators(
        records,
        columns,
        indicators,
        indicator,
        report,
        found_columns(table),
        keep_unknown=unknown_indicators == "keep",
        beside_value=_numbers_beside_value(table, columns),
    ):
        return ReadResult(None, None, report)
    _resolve_regions(records, resolver, report)
    _parse_periods(records, frequency, catalogue_frame, report)
    _parse_values(records, table, report)
    _check_units(records, catalogue_frame, report)
    _check_ranges(records, catalogue_frame, report)
    _check_duplicates(records, report, headings)
    if resolver is not None:
        _validity_warnings(records, resolver, report)

    report.sort()
    if report.errors:
        return ReadResult(None, None, report)
    observations, totals = _frames(records, report)
    if observations is not None and totals is not None:
        report.observations = len(observations)
        report.national_totals = len(totals)
        if observations.empty and not totals.empty and not without_regions:
            report.warning(
                "the file holds national totals only, no region", code="regions.national_only"
            )
    if report.errors:
        return ReadResult(None, None, report)
    return ReadResult(observations, totals, report)


def _numbers_beside_value(table: Table, columns: Columns) -> list[str]:
    """Columns of numbers a long table leaves unread beside its value column (Grunfeld's
    ``invest`` and ``capital`` beside ``value``): the table may be one column per indicator."""
    if columns.layout != "long" or "value" not in columns.roles:
        return []
    used = set(columns.roles.values())
    return [
        table.column_label(index)
        for index in range(len(table.header))
        if index not in used and table.header[index] and numeric_column(table, index)
    ]


def _warn_unread_columns(
    table: Table, columns: Columns, report: ValidationReport, breakdown: int | None = None
) -> None:
    """Name the columns the layout does not read ("2023 в % к 2022", "Код КАТО"); a
    breakdown column has its own warning (``_skip_breakdown_column``)."""
    used = set(columns.roles.values()) | set(columns.spread) | set(columns.annual)
    used |= {breakdown} if breakdown is not None else set()
    if columns.annual:
        names = ", ".join(repr(table.column_label(index)) for index in columns.annual)
        report.warning(
            f"column(s) {names} hold a figure for the whole year beside the months or "
            "quarters: not read (the months or quarters are)",
            row=table.header_row,
            code="columns.annual_not_read",
            params={"columns": names},
        )
    width = max([len(table.header)] + [len(row) for _, row in table.rows[:200]])
    unread = [
        index
        for index in range(min(width, len(table.header)))
        if index not in used
        and (
            table.header[index]
            or any(not is_blank(row[index]) for _, row in table.rows if index < len(row))
        )
    ]
    if columns.layout == "wide-period":
        unread = _warn_subtotal_columns(table, unread, report)
    if not unread:
        return
    names = ", ".join(repr(table.column_label(index)) for index in unread)
    what = (
        "their headers are not periods"
        if columns.layout == "wide-period"
        else "they are not region, period, indicator, value, unit, source, n, lower or upper"
    )
    report.warning(
        f"column(s) not read: {names} ({what})",
        row=table.header_row,
        code="columns.not_periods" if columns.layout == "wide-period" else "columns.not_read",
        params={"columns": names},
    )


def _warn_subtotal_columns(table: Table, unread: list[int], report: ValidationReport) -> list[int]:
    """Name the columns beside the period columns that hold totals since January
    ("январь-март 2024" after "2022", "2023") or half-years ("I полугодие 2023" among
    quarters) for what they are, not as "headers that are not periods"; the other unread
    columns are returned."""
    kinds = (
        (
            is_cumulative,
            "columns.cumulative_not_read",
            "are totals since the start of the year (cumulative figures), not single periods: "
            "not read (the other periods are); to have them, export the figures of each month "
            "or quarter",
        ),
        (
            is_half_year,
            "columns.half_year_not_read",
            "are half-years, which are no period (years, quarters or months): not read (the "
            "other periods are)",
        ),
    )
    rest = list(unread)
    for matches, code, what in kinds:
        found = [index for index in rest if matches(without_footnote_marks(table.header[index]))]
        if not found:
            continue
        names = ", ".join(repr(table.column_label(index)) for index in found)
        report.warning(
            f"column(s) {names} {what}",
            row=table.header_row,
            code=code,
            params={"columns": names},
        )
        rest = [index for index in rest if index not in found]
    return rest


# --- Catalogue and indicators ---------------------------------------------------------------


def _catalogue(catalogue: pd.DataFrame | str | PathLike[str] | None) -> pd.DataFrame | None:
    if catalogue is None:
        return None
    if isinstance(catalogue, pd.DataFrame):
        return validate_catalogue(catalogue)
    return read_catalogue(catalogue)


class _IndicatorNames:
    """Indicator codes and names from the catalogue, for matching headers and cells."""

    def __init__(self, catalogue: pd.DataFrame | None) -> None:
        self.catalogue = catalogue
        self._codes: dict[str, str] = {}
        if catalogue is not None:
            for _, row in catalogue.iterrows():
                for label in (row["code"], row["name_kk"], row["name_ru"], row["name_en"]):
                    if label:
                        self._codes.setdefault(fold_header(str(label)), row["code"])
        self.labels = set(self._codes)

    def code(self, label: str) -> str | None:
        """The catalogue code a label names; without a catalogue the label is the code."""
        text = str(label).strip()
        if self.catalogue is None:
            return text or None
        return self._codes.get(fold_header(text))


# --- Records ------------------------------------------------------------------------------------


def _skip_notes(
    table: Table, resolver: RegionResolver | None, report: ValidationReport
) -> list[tuple[int, str]]:
    """Drop rows that hold one text and nothing else: notes, sources, headings, unit rows.

    Statistics tables end with footnotes ("* данные предварительные", "Примечание: ...",
    often merged across the row) and carry headings such as "в том числе:". Such a row is
    not data if its text is not a region, a national total, a period, a number or a no-data
    mark; each skipped row is named in a warning. Returns the skipped rows and their texts.
    """
    kept = []
    skipped: list[tuple[int, str]] = []
    for row_number, row in table.rows:
        texts = {cell_text(cell) for cell in row if not is_blank(cell)}
        if len(texts) == 1 and _is_note(next(iter(texts)), resolver):
            text = next(iter(texts))
            shown = text if len(text) <= 60 else text[:57] + "..."
            report.warning(
                f"skipped: the row holds only the text {shown!r}, a note or heading, not data",
                row=row_number,
                value=text,
                code="row.note_skipped",
                params={"text": shown},
            )
            skipped.append((row_number, shown))
            continue
        kept.append((row_number, row))
    table.rows = kept
    return skipped


def _skip_breakdown_rows(
    table: Table, columns: Columns, resolver: RegionResolver | None, report: ValidationReport
) -> None:
    """Drop the rows that break the unit above them down ("городская местность",
    "сельская местность", "мужчины", "женщины" under each region): the unit's own row holds
    its figure. Named in one warning; a breakdown row under no unit is left for the usual
    "unknown region" error."""
    index = columns.roles.get("region")
    if index is None or resolver is None:
        return
    kept, skipped, labels = [], [], []
    under_unit = False
    for row_number, row in table.rows:
        label = cell_text(row[index]) if index < len(row) else ""
        if fold_header(label) in BREAKDOWN_LABELS:
            if under_unit:
                skipped.append(row_number)
                if label.strip() not in labels:
                    labels.append(label.strip())
                continue
        else:
            under_unit = bool(resolver.resolve(label) or resolver.is_national_total(label))
        kept.append((row_number, row))
    if not skipped:
        return
    names = ", ".join(repr(label) for label in labels)
    report.warning(
        f"{len(skipped)} row(s) break down the region above them ({names}): not read, the "
        f"region's own row is (rows {_row_list(skipped)})",
        row=skipped[0],
        column=table.column_label(index),
        code="row.breakdown_skipped",
        params={"count": len(skipped), "labels": names, **_rows_params(skipped)},
    )
    table.rows = kept


def _breakdown_column(table: Table, columns: Columns) -> int | None:
    """A column the layout does not read that breaks each figure down, with its total on
    a row of its own: "Пол" of "Всего", "Мужчины", "Женщины" (or "Местность" of "Всего",
    "Городская местность", "Сельская местность"), as open-data tables give it."""
    used = set(columns.roles.values()) | set(columns.spread) | set(columns.annual)
    for index in range(len(table.header)):
        if index in used:
            continue
        labels = {
            cell_text(row[index]).strip()
            for _, row in table.rows
            if index < len(row) and not is_blank(row[index])
        }
        totals = {label for label in labels if is_total_word(label)}
        parts = {label for label in labels if fold_header(label) in BREAKDOWN_LABELS}
        if totals and parts and totals | parts == labels:
            return index
    return None


def _skip_breakdown_column(table: Table, index: int, report: ValidationReport) -> None:
    """Read the rows of the total of a breakdown column only, naming the others once."""
    kept, skipped, labels, totals = [], [], [], []
    for row_number, row in table.rows:
        label = cell_text(row[index]).strip() if index < len(row) else ""
        if label and not is_total_word(label):
            skipped.append(row_number)
            if label not in labels:
                labels.append(label)
            continue
        if label and label not in totals:
            totals.append(label)
        kept.append((row_number, row))
    names = ", ".join(repr(label) for label in labels)
    total = ", ".join(repr(label) for label in totals)
    column = table.column_label(index)
    report.warning(
        f"column {column!r} breaks the figures down ({names}): only its rows of the total "
        f"({total}) are read; {len(skipped)} row(s) are not (rows {_row_list(skipped)})",
        row=skipped[0],
        column=column,
        code="column.breakdown_skipped",
        params={
            "column": column,
            "labels": names,
            "total": total,
            "count": len(skipped),
            **_rows_params(skipped),
        },
    )
    table.rows = kept


def _reads_as_number(text: str) -> bool:
    try:
        parse_number(text, decimal_comma=True)
    except NotANumber:
        return False
    return True


def _reads_as_period(text: str) -> bool:
    try:
        parse_period(text)
    except PeriodError:
        return False
    return True


def _is_note(text: str, resolver: RegionResolver | None) -> bool:
    if is_no_data_marker(text) or _reads_as_number(text) or _reads_as_period(text):
        return False
    return resolver is None or not (resolver.resolve(text) or resolver.is_national_total(text))


def _records(
    table: Table, columns: Columns, indicator: str | None, report: ValidationReport
) -> list[_Record]:
    roles = columns.roles
    without_regions = columns.layout in NATIONAL_LAYOUTS and "region" not in roles

    def cell(row: list[object], index: int | None) -> object:
        return row[index] if index is not None and index < len(row) else None

    def label(index: int | None, fallback: str) -> str:
        return table.column_label(index) if index is not None else fallback

    def period_of(row: list[object]) -> object:
        year = cell(row, roles.get("period"))
        for part in ("month", "quarter"):
            if f"period_{part}" in roles:
                return _join_period(year, cell(row, roles[f"period_{part}"]), part)
        return year

    extras = {
        role: roles[role] for role in ("unit", "source", "n", "lower", "upper") if role in roles
    }
    width = len(table.header)
    period_label = " + ".join(
        table.column_label(roles[role])
        for role in ("period", "period_month", "period_quarter")
        if role in roles
    )
    records: list[_Record] = []
    for row_number, row in table.rows:
        overflow = [i for i in range(width, len(row)) if not is_blank(row[i])]
        if overflow:
            report.error(
                "the row has values beyond the last column of the header",
                row=row_number,
                value=cell_text(row[overflow[0]]),
                code="row.beyond_header",
            )
        row_extras = {
            role: (cell(row, index), table.column_label(index)) for role, index in extras.items()
        }
        row_indicator = (
            cell_text(cell(row, roles["indicator"])) if "indicator" in roles else indicator
        )
        if columns.layout == "long":
            targets = [(roles["value"], cell(row, roles.get("region")), period_of(row))]
        elif columns.layout == "wide-period":
            region = cell(row, roles["region"])
            targets = [(index, region, header) for index, header in columns.spread.items()]
        elif columns.layout == "wide-region":
            period = period_of(row)
            targets = [(index, header, period) for index, header in columns.spread.items()]
        elif columns.layout == "wide-month":
            year = _year_of(row_number, cell(row, roles["period"]), columns, table, report)
            if year is None:
                continue
            region = cell(row, roles["region"]) if "region" in roles else None
            targets = [
                (index, region, _subperiod(year, *columns.subperiods[index]))
                for index in columns.spread
            ]
        else:  # wide-indicator
            region = cell(row, roles["region"]) if "region" in roles else None
            targets = [(index, region, period_of(row)) for index in columns.spread]
        for value_index, region, period in targets:
            record_indicator = (
                columns.spread[value_index] if columns.layout == "wide-indicator" else row_indicator
            )
            records.append(
                _Record(
                    row=row_number,
                    region=region if region is not None else "",
                    national=without_regions,
                    period=period,
                    indicator=record_indicator or None,
                    value=cell(row, value_index),
                    region_column=label(roles.get("region"), table.column_label(value_index)),
                    period_column=period_label or label(None, table.column_label(value_index)),
                    value_column=table.column_label(value_index),
                    extras=row_extras,
                    formula=(row_number, value_index) in table.formula_cells,
                )
            )
    return records


def _year_of(
    row_number: int, value: object, columns: Columns, table: Table, report: ValidationReport
) -> int | None:
    """The year of a row of months (or quarters); reported once for the row when unusable."""
    column = table.column_label(columns.roles["period"])
    if is_blank(value):
        report.error("the year is empty", row=row_number, column=column, code="year.empty")
        return None
    try:
        period = parse_period(value)
    except PeriodError as error:
        text = cell_text(value)
        if text.isdigit():
            message, code, params = str(error), error.code, error.params
        else:
            message, code, params = f"{text!r} is not a year", "year.invalid", {"value": text}
        report.error(message, row=row_number, column=column, value=text, code=code, params=params)
        return None
    if frequency_of(period) != "Y":
        report.error(
            f"{cell_text(value)!r} is not a year: the other columns are months or quarters, "
            "so this column must hold the year",
            row=row_number,
            column=column,
            value=cell_text(value),
            code="year.not_a_year",
            params={"value": cell_text(value)},
        )
        return None
    return period.year


def _subperiod(year: int, kind: str, number: int) -> pd.Period:
    if kind == "M":
        return pd.Period(year=year, month=number, freq="M")
    return pd.Period(year=year, quarter=number, freq="Q")


_QUARTER_CELL = re.compile(r"^(?:q\s*)?([1-4]|iv|iii|ii|i)$", re.IGNORECASE)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _join_period(year: object, part: object, kind: str) -> str:
    """A year cell and a month or quarter cell as one period text ("2021-07", "2021-Q3")."""
    # Whole numbers saved as floats by pandas ("1959.0", "3.0") are the numbers.
    year_text, part_text = (
        re.sub(r"^(\d+)\.0+$", r"\1", cell_text(value)) for value in (year, part)
    )
    if not year_text or not part_text:
        return ""
    if kind == "month":
        if part_text.isdigit():
            return f"{year_text}-{int(part_text):02d}"
        return f"{part_text} {year_text}"
    match = _QUARTER_CELL.match(part_text)
    if match:
        number = match.group(1).lower()
        return f"{year_text}-Q{_ROMAN.get(number, number)}"
    return f"{part_text} {year_text}"


def _drop_empty_values(
    records: list[_Record], columns: Columns, report: ValidationReport
) -> list[_Record]:
    """Blank and "no data" cells are not observations; say how many there were."""
    kept: list[_Record] = []
    markers: dict[str, list[int]] = defaultdict(list)
    blank_rows: list[int] = []
    for record in records:
        if record.formula:
            kept.append(record)
        elif is_no_data_marker(record.value):
            markers[str(record.value).strip()].append(record.row)
        elif is_blank(record.value):
            blank_rows.append(record.row)
        else:
            kept.append(record)
    for marker, rows in markers.items():
        report.warning(
            f"{len(rows)} cell(s) hold the no-data mark {marker!r}; read as no observation "
            f"(rows {_row_list(rows)})",
            row=rows[0],
            value=marker,
            code="values.no_data_mark",
            params={"count": len(rows), "mark": marker, **_rows_params(rows)},
        )
    if blank_rows:
        if columns.layout == "long":
            message = f"{len(blank_rows)} row(s) have no value and are skipped"
            code = "values.rows_without_value"
        else:
            message = f"{len(blank_rows)} empty cell(s) read as no observation"
            code = "values.empty_cells"
        report.warning(
            f"{message} (rows {_row_list(blank_rows)})",
            row=blank_rows[0],
            code=code,
            params={"count": len(blank_rows), **_rows_params(blank_rows)},
        )
    present = {record.indicator for record in kept}
    vanished = list(
        dict.fromkeys(
            record.indicator
            for record in records
            if record.indicator is not None and record.indicator not in present
        )
    )
    if vanished and kept:
        names = ", ".join(repr(name) for name in vanished)
        report.warning(
            f"{len(vanished)} indicator(s) have no value at all in the file and are not "
            f"read: {names}",
            code="indicators.without_values",
            params={"count": len(vanished), "names": names},
        )
    _warn_series_without_values(records, kept, set(vanished), report)
    return kept


def _warn_series_without_values(
    records: list[_Record], kept: list[_Record], vanished: set[object], report: ValidationReport
) -> None:
    """Name the series (region and indicator) whose every cell is empty while their indicator
    has values elsewhere: "48 row(s) have no value" alone does not say that a region's whole
    series is missing, which the analyst must know before forecasting the others."""

    def series(record: _Record) -> tuple[str, object]:
        return (cell_text(record.region), record.indicator)

    present = {series(record) for record in kept}
    empty = list(
        dict.fromkeys(
            series(record)
            for record in records
            if record.indicator is not None
            and record.indicator not in vanished
            and cell_text(record.region)
            and series(record) not in present
        )
    )
    if not empty or not kept:
        return
    shown = ", ".join(f"{region!r} ({indicator})" for region, indicator in empty[:10])
    more = f", ... {len(empty) - 10} more" if len(empty) > 10 else ""
    report.warning(
        f"{len(empty)} series have no value at all in the file and are not read: {shown}{more}",
        code="series.without_values",
        params={"count": len(empty), "names": shown + more},
    )


def _rows_params(rows: list[int], limit: int = 10) -> dict[str, object]:
    """``rows`` (the first few row numbers) and ``more_rows`` (how many are left out)."""
    unique = sorted(set(rows))
    return {"rows": unique[:limit], "more_rows": max(len(unique) - limit, 0)}


def _row_list(rows: list[int], limit: int = 10) -> str:
    unique = sorted(set(rows))
    shown = ", ".join(map(str, unique[:limit]))
    return shown + (f", ... {len(unique) - limit} more" if len(unique) > limit else "")


def _check_indicators(
    records: list[_Record],
    columns: Columns,
    indicators: _IndicatorNames,
    indicator: str | None,
    report: ValidationReport,
    found: str,
    keep_unknown: bool = False,
    beside_value: list[str] | None = None,
) -> bool:
    """Every record needs a known indicator code; returns whether reading can go on.

    ``found`` lists the table's columns, for the message when no indicator is named.
    ``keep_unknown`` keeps labels the catalogue does not know as their own codes (warning).
    """
    if not records:
        report.error("the file has no values to read", code="file.no_values")
        return False
    if all(record.indicator is None for record in records) and indicator is None:
        hint = ""
        if beside_value:
            hint = (
                f"; or, if the value column is one indicator beside "
                f"{', '.join(map(repr, beside_value))}, read one column per indicator "
                "(--layout wide-indicator)"
            )
        report.error(
            "the table does not say which indicator it holds: add an indicator column or "
            f"give the indicator (--indicator CODE); columns found: {found}{hint}",
            code="indicator.missing",
            params={"found": found, **({"numeric_columns": beside_value} if beside_value else {})},
        )
        return False
    unknown: dict[str, int] = {}
    for record in records:
        if record.indicator is None:
            report.error(
                "the indicator is empty", row=record.row, column="indicator", code="indicator.empty"
            )
            continue
        code = indicators.code(record.indicator)
        if code is None:
            unknown.setdefault(record.indicator, record.row)
            if keep_unknown:
                record.indicator = record.indicator.strip()
        else:
            record.indicator = code
    if keep_unknown:
        if unknown:
            names = ", ".join(repr(label) for label in unknown)
            report.warning(
                f"{len(unknown)} indicator(s) not in the catalogue, kept under their own "
                f"names and left out of the risk score: {names}",
                code="indicators.kept_unknown",
                params={"count": len(unknown), "names": names},
            )
        return True
    for label, row in unknown.items():
        where = "column" if columns.layout == "wide-indicator" else "indicator"
        report.error(
            f"unknown indicator {label!r}: not a code or name in the catalogue",
            row=row if where == "indicator" else None,
            column=label if where == "column" else "indicator",
            value=label,
            code="indicator.unknown",
            params={"indicator": label},
        )
    return not unknown


def _resolve_regions(
    records: list[_Record], resolver: RegionResolver | None, report: ValidationReport
) -> None:
    labels = [cell_text(record.region) for record in records]
    for record, label in zip(records, labels, strict=True):
        if not label and not record.national:
            report.error(
                "the region is empty",
                row=record.row,
                column=record.region_column,
                code="region.empty",
            )
    if resolver is None:
        for record in records:
            if record.national:  # no region column, and labels kept as keys: one series
                record.national = False
                record.region = SINGLE_SERIES_KEY
        return
    resolution = resolver.resolve_all(label for label in labels if label)
    unresolved_rows: dict[str, list[_Record]] = defaultdict(list)
    for record, label in zip(records, labels, strict=True):
        if not label:
            continue
        if label in resolution.national_totals:
            record.national = True
        elif label in resolution.resolved:
            record.unit = resolution.resolved[label]
        else:
            unresolved_rows[label].append(record)
    for label, rows in unresolved_rows.items():
        hints = resolution.suggestions.get(label)
        conflict = resolver.kind_conflict(label)
        if conflict is not None:
            kind, units = conflict
            others = ", ".join(f"{unit} is a {unit.kind}" for unit in units)
            hint = (
                f"; it names a {kind}, and no {kind} of the region list is called so ({others})"
                + (
                    ": a city inside a region is not a first-level unit, remove its rows"
                    if kind == "city"
                    else ""
                )
            )
            code = "region.wrong_kind"
            params = {
                "kind": kind,
                "units": ", ".join(unit.code for unit in units),
                "unit_kinds": [[unit.code, unit.kind] for unit in units],
            }
        elif (level := resolver.below_first_level(label)) is not None:
            hint = (
                f"; it names a {level}"
                + (", and no city of the region list is called so" if level == "city" else "")
                + ": cities and districts inside a region are below the first level and not "
                "units of the region list, remove its rows"
            )
            code = "region.below_first_level"
            params = {"kind": level}
        else:
            hint = f"; did you mean {', '.join(hints)}?" if hints else ""
            code = "region.unknown_did_you_mean" if hints else "region.unknown"
            # Suggestions read "KZ-11 Akmola Region": their codes, for other languages' names.
            params = {"suggestions": [hint.split(" ", 1)[0] for hint in hints]} if hints else {}
        count = len({r.row for r in rows})
        report.error(
            f"unknown region {label!r} in {count} row(s)" + hint,
            row=rows[0].row,
            column=rows[0].region_column,
            value=label,
            code=code,
            params={"label": label, "count": count, **params},
        )
    if unresolved_rows:
        names = ", ".join(repr(label) for label in unresolved_rows)
        keys = (
            ""
            if resolution.resolved or resolution.national_totals
            else ". If these labels are not regions (countries, firms, shops...), keep them as "
            "series keys: --keep-region-labels on the command line, resolve_regions=False in "
            "Python"
        )
        report.error(
            f"{len(unresolved_rows)} region name(s) not recognised: {names}. Use the codes "
            "or names of the region list, or add the names as aliases to the region file" + keys,
            code="regions.not_recognised" + ("_none_known" if keys else ""),
            params={"count": len(unresolved_rows), "names": names},
        )


def _check_interval(record: _Record, report: ValidationReport) -> None:
    """``lower <= value <= upper`` on the file's own row (the contract's check, run later on
    the frame, numbered rows by their place in it: file row 5 was "row 3")."""
    lower, upper = record.numbers.get("lower"), record.numbers.get("upper")
    value = record.parsed_value
    if lower is not None and upper is not None and lower > upper:
        report.error(
            f"lower {lower:g} is above upper {upper:g}",
            row=record.row,
            column=record.extras["lower"][1],
            value=cell_text(record.extras["lower"][0]),
            code="value.interval_reversed",
            params={"lower": f"{lower:g}", "upper": f"{upper:g}"},
        )
        return
    below = lower is not None and value is not None and value < lower
    above = upper is not None and value is not None and value > upper
    if below or above:
        low = f"{lower:g}" if lower is not None else "-inf"
        high = f"{upper:g}" if upper is not None else "inf"
        report.error(
            f"value {value:g} lies outside its interval [{low}, {high}]",
            row=record.row,
            column=record.value_column,
            value=cell_text(record.value),
            code="value.outside_interval",
            params={"value": f"{value:g}", "lower": low, "upper": high},
        )


def _natural_period(
    report: ValidationReport, record: _Record, natural_periods: _PeriodCache
) -> pd.Period | None:
    """The record's period at its own frequency, or None once the report says why not
    (an empty cell, or one that is no period)."""
    if is_blank(record.period):
        report.error(
            "the period is empty", row=record.row, column=record.period_column, code="period.empty"
        )
        return None
    try:
        return natural_periods.parse(record.period)
    except PeriodError as error:
        _period_error(report, record, error)
        return None


def _period_error(report: ValidationReport, record: _Record, error: PeriodError) -> None:
    """A period cell that cannot be read, with the hint for a total since January."""
    cumulative = _cumulative_hint(record.period)
    report.error(
        f"period: {error}{cumulative}",
        row=record.row,
        column=record.period_column,
        value=cell_text(record.period),
        code="period.cumulative" if cumulative else error.code,
        params={"value": cell_text(record.period)}
        if cumulative
        else {**error.params, "value": cell_text(record.period)},
    )


class _PeriodCache:
    """Period cells repeat (every region has the same years): parse each text once."""

    def __init__(self) -> None:
        self._known: dict[tuple[type, object], pd.Period | PeriodError] = {}

    def parse(self, value: object) -> pd.Period:
        try:
            key = (type(value), value)
            hash(key)
        except TypeError:
            return parse_period(value)
        if key not in self._known:
            try:
                self._known[key] = parse_period(value)
            except PeriodError as error:
                self._known[key] = error
        result = self._known[key]
        if isinstance(result, PeriodError):
            raise PeriodError(str(result), result.code, result.params)
        return result


def _parse_periods(
    records: list[_Record],
    frequency: str | None,
    catalogue: pd.DataFrame | None,
    report: ValidationReport,
) -> None:
    """Parse periods indicator by indicator: each indicator has one frequency."""
    by_indicator: dict[str, list[_Record]] = defaultdict(list)
    for record in records:
        if record.indicator is not None:
            by_indicator[record.indicator].append(record)
    catalogue_frequency = (
        dict(zip(catalogue["code"], catalogue["frequency"], strict=True))
        if catalogue is not None
        else {}
    )
    natural_periods = _PeriodCache()
    for code, group in by_indicator.items():
        wanted = frequency or catalogue_frequency.get(code)
        if wanted is None:
            parsed = []
            for record in group:
                try:
                    parsed.append(natural_periods.parse(record.period))
                except PeriodError:
                    continue
            if parsed:
                try:
                    wanted = infer_frequency(parsed)
                except PeriodError as error:
                    report.error(
                        f"indicator {code}: {error}; give --frequency or split the file",
                        column=group[0].period_column,
                        code="period.mixed_frequencies",
                        params={"indicator": code},
                    )
                    # Still name the cells that are no period at all ('2021-13'), so that
                    # one pass lists every problem of the column.
                    for record in group:
                        _natural_period(report, record, natural_periods)
                    continue
        mismatched: dict[str, list[_Record]] = defaultdict(list)
        dates_mark = _finer_dates(group, wanted, natural_periods)
        for record in group:
            natural = _natural_period(report, record, natural_periods)
            if natural is None:
                continue
            if wanted is not None and frequency_of(natural) not in ("D", wanted):
                mismatched[frequency_of(natural)].append(record)
                continue
            if dates_mark is not None and frequency_of(natural) == "D":
                mismatched[dates_mark].append(record)
                continue
            try:
                record.parsed_period = parse_period(natural, wanted)
            except PeriodError as error:
                _period_error(report, record, error)
        for natural, rows in mismatched.items():
            origin = (
                "the frequency given is"
                if frequency
                else "the catalogue gives"
                if code in catalogue_frequency
                else "the other periods are"
            )
            report.error(
                f"{len(rows)} period(s) of {code} are {FREQUENCY_NAMES[natural]} but "
                f"{origin} {FREQUENCY_NAMES[wanted]} (rows {_row_list([r.row for r in rows])})",
                row=rows[0].row,
                column=rows[0].period_column,
                value=cell_text(rows[0].period),
                code="period.frequency_mismatch",
                params={
                    "count": len(rows),
                    "indicator": code,
                    "found": natural,
                    "expected": wanted,
                    "origin": "asked"
                    if frequency
                    else "catalogue"
                    if code in catalogue_frequency
                    else "others",
                    **_rows_params([r.row for r in rows]),
                },
            )


def _finer_dates(group: list[_Record], wanted: str | None, cache: _PeriodCache) -> str | None:
    """The frequency the dates of an indicator mark, when it is finer than ``wanted`` and
    two of them fall in one period of it (the first of each month against a catalogue's
    annual frequency); else ``None``, and the dates are read as periods of ``wanted``.

    Converted, such dates gave every month of a year the same period: an error of "a
    second value" on each row, where the one error is that the file holds monthly data.
    """
    if wanted is None:
        return None
    dates = set()
    for record in group:
        try:
            natural = cache.parse(record.period)
        except PeriodError:
            continue
        if frequency_of(natural) == "D":
            dates.add(natural)
    if len({parse_period(date, wanted) for date in dates}) == len(dates):
        return None
    try:
        marked = infer_frequency(dates)
    except PeriodError:
        return None
    return marked if FREQUENCIES.index(marked) > FREQUENCIES.index(wanted) else None


def _cumulative_hint(period: object) -> str:
    """For "январь-март 2023" (the bureau's totals since January): what to do instead."""
    if not is_cumulative(period):
        return ""
    return (
        "; it is a total since the start of the year (a cumulative figure), not one "
        "period: export the figures of each month or quarter instead"
    )


#: A number in brackets ("(2,0)", "(1 234,5)"), an accountant's way of writing a negative.
_BRACKETED_NUMBER = re.compile(r"^\(\s*\d[\d\s\u00a0\u202f.,]*\)$")


def _parse_values(records: list[_Record], table: Table, report: ValidationReport) -> None:
    marked: dict[str, list[_Record]] = defaultdict(list)
    percent = [record for record in records if isinstance(record.value, PercentCell)]
    for record in records:
        if record.formula:
            report.error(
                "the cell holds a formula whose result was never saved; open the file in a "
                "spreadsheet program and save it, or paste values",
                row=record.row,
                column=record.value_column,
                value=str(record.value),
                code="value.formula",
            )
            continue
        try:
            record.parsed_value = parse_number(record.value, decimal_comma=table.decimal_comma)
        except NotANumber as error:
            footnote = split_footnote_mark(record.value)
            try:
                if footnote is None:
                    raise error
                record.parsed_value = parse_number(footnote[0], decimal_comma=table.decimal_comma)
                marked[footnote[1]].append(record)
            except NotANumber:
                text = cell_text(record.value).strip()
                if _BRACKETED_NUMBER.match(text):
                    # Accountants' negative "(2,0)": a sign the contract does not guess.
                    report.error(
                        f"value: {text!r} is a number in brackets, which is not read as a minus "
                        f"sign: write -{text[1:-1].strip()} if the figure is negative, or the "
                        "number without brackets",
                        row=record.row,
                        column=record.value_column,
                        value=text,
                        code="value.in_brackets",
                        params={"value": text, "number": text[1:-1].strip()},
                    )
                else:
                    report.error(
                        f"value: {error}",
                        row=record.row,
                        column=record.value_column,
                        value=cell_text(record.value),
                        code="value.not_a_number",
                        params={"value": cell_text(record.value)},
                    )
        for role in ("n", "lower", "upper"):
            raw, column = record.extras.get(role, (None, ""))
            if is_blank(raw) or is_no_data_marker(raw):
                continue
            try:
                number = parse_number(raw, decimal_comma=table.decimal_comma)
            except NotANumber as error:
                report.error(
                    f"{role}: {error}",
                    row=record.row,
                    column=column,
                    value=raw,
                    code="value.extra_not_a_number",
                    params={"role": role, "value": cell_text(raw)},
                )
                continue
            if role == "n" and number < 0:
                report.error(
                    "n (number of responses) is negative",
                    row=record.row,
                    column=column,
                    code="value.negative_n",
                )
            record.numbers[role] = number
        _check_interval(record, report)
    for mark, group in marked.items():
        report.warning(
            f"{len(group)} value(s) carry the footnote mark {mark!r} (preliminary or revised "
            f"figures, say); read as the number without it (rows {_row_list([r.row for r in group])})",
            row=group[0].row,
            column=group[0].value_column,
            value=cell_text(group[0].value),
            code="values.footnote_marks",
            params={
                "count": len(group),
                "mark": mark,
                **_rows_params([record.row for record in group]),
            },
        )
    if percent:
        first = percent[0]
        report.warning(
            f"{len(percent)} value(s) are numbers Excel shows as percentages (a cell holding "
            f"{float(first.value) / 100:g} shows {float(first.value):g}%); read as the "
            f"percentage shown (rows {_row_list([record.row for record in percent])})",
            row=first.row,
            column=first.value_column,
            value=f"{float(first.value):g}%",
            code="values.percent_format",
            params={
                "count": len(percent),
                "stored": float(first.value) / 100,
                "shown": float(first.value),
                **_rows_params([record.row for record in percent]),
            },
        )


def _unit_key(text: object) -> str:
    folded = re.sub(r"[\s.]+", "", cell_text(text).casefold())
    return _UNIT_SYNONYMS.get(folded, folded)


def _check_units(
    records: list[_Record], catalogue: pd.DataFrame | None, report: ValidationReport
) -> None:
    """A unit column must agree with the catalogue, and with itself within an indicator."""
    expected = (
        dict(zip(catalogue["code"], catalogue["unit"], strict=True))
        if catalogue is not None
        else {}
    )
    seen: dict[str, tuple[str, int]] = {}
    reported: set[tuple[str, str]] = set()
    for record in records:
        if "unit" not in record.extras or record.indicator is None:
            continue
        raw, column = record.extras["unit"]
        if is_blank(raw):
            continue
        key = _unit_key(raw)
        catalogue_unit = expected.get(record.indicator)
        if catalogue_unit and _unit_key(catalogue_unit) != key:
            if (record.indicator, key) not in reported:
                reported.add((record.indicator, key))
                report.error(
                    f"unit {cell_text(raw)!r} disagrees with the catalogue, which gives "
                    f"{catalogue_unit!r} for {record.indicator}",
                    row=record.row,
                    column=column,
                    value=cell_text(raw),
                    code="unit.catalogue_mismatch",
                    params={
                        "unit": cell_text(raw),
                        "expected": catalogue_unit,
                        "indicator": record.indicator,
                    },
                )
            continue
        first = seen.setdefault(record.indicator, (key, record.row))
        if first[0] != key and (record.indicator, key) not in reported:
            reported.add((record.indicator, key))
            report.error(
                f"unit {cell_text(raw)!r} differs from the unit on row {first[1]} for the "
                f"same indicator {record.indicator}",
                row=record.row,
                column=column,
                value=cell_text(raw),
                code="unit.inconsistent",
                params={
                    "unit": cell_text(raw),
                    "first_row": first[1],
                    "indicator": record.indicator,
                },
            )


def _check_ranges(
    records: list[_Record], catalogue: pd.DataFrame | None, report: ValidationReport
) -> None:
    """Warn about values outside what the catalogue's unit allows (a negative share).

    A warning, not an error: the file may be right and the catalogue's unit wrong. The risk
    score leaves such values out (docs/methodology.md, "Valid ranges"), so it is said here,
    where the file is checked, rather than first discovered in the score.
    """
    if catalogue is None:
        return
    units = dict(zip(catalogue["code"], catalogue["unit"], strict=True))
    outside: dict[str, list[_Record]] = defaultdict(list)
    for record in records:
        bounds = valid_range(units.get(record.indicator, ""))
        value = record.parsed_value
        if bounds is None or value is None or bounds[0] <= value <= bounds[1]:
            continue
        outside[str(record.indicator)].append(record)
    for code, rows in outside.items():
        low, high = valid_range(units[code]) or (0.0, 0.0)
        report.warning(
            f"indicator {code} (unit {units[code]!r}): {len(rows)} value(s) outside "
            f"[{low:g}, {high:g}] (rows {_row_list([record.row for record in rows])}); "
            "the risk score leaves them out",
            row=rows[0].row,
            column=rows[0].value_column,
            value=cell_text(rows[0].value),
            code="values.outside_range",
            params={
                "indicator": code,
                "unit": units[code],
                "count": len(rows),
                "low": f"{low:g}",
                "high": f"{high:g}",
                **_rows_params([record.row for record in rows]),
            },
        )


#: Dates that fall in one period listed row by row before the one error that says the data
#: looks weekly or daily (a year of weekly figures gave some 40 errors per year, burying it).
MERGED_DATES_LISTED = 5


def _duplicate_pairs(records: list[_Record]) -> list[tuple[_Record, _Record, str]]:
    """Each record whose region, period and indicator an earlier record has, with that
    earlier record and the region's key (its code, the national key or its label)."""
    first: dict[tuple[str, object, str], _Record] = {}
    pairs = []
    for record in records:
        if record.parsed_period is None or record.indicator is None:
            continue
        if record.national:
            region = NATIONAL_TOTAL_KEY
        elif record.unit is not None:
            region = record.unit.code
        else:
            region = cell_text(record.region)
        if not region:
            continue
        earlier = first.setdefault((region, record.parsed_period, record.indicator), record)
        if earlier is not record:
            pairs.append((earlier, record, region))
    return pairs


def _check_duplicates(
    records: list[_Record], report: ValidationReport, headings: list[tuple[int, str]] = ()
) -> None:
    """Two cells for one region, period and indicator (often two spellings of a region).

    When a heading row (``headings``: the single-text rows skipped) stands between every
    such pair, the sheet holds tables stacked under their headings (one per indicator, as
    bulletins print them): one error names the headings, not "a second value" per cell.
    """
    pairs = _duplicate_pairs(records)
    between = [
        (row, text)
        for row, text in headings
        if any(earlier.row < row < record.row for earlier, record, _ in pairs)
    ]
    if pairs and all(
        any(earlier.row < row < record.row for row, _ in between) for earlier, record, _ in pairs
    ):
        named = ", ".join(repr(text) for _, text in between)
        heading_rows = ", ".join(str(row) for row, _ in between)
        report.error(
            f"the rows under the heading(s) {named} (row(s) {heading_rows}) repeat the regions "
            f"and periods of the rows above (from row {min(pair[0].row for pair in pairs)}): "
            "the sheet holds "
            "tables stacked one under another, one per heading (another indicator, perhaps). "
            "Put each table on its own sheet or in its own file, with its indicator",
            row=between[0][0],
            value=between[0][1],
            code="table.stacked_under_headings",
            params={
                "headings": named,
                "heading_rows": heading_rows,
                "first_row": min(pair[0].row for pair in pairs),
                "count": len(pairs),
            },
        )
        return
    merged_dates = 0
    for earlier, record, region in pairs:
        same_label = cell_text(earlier.region) == cell_text(record.region)
        labels = (
            ""
            if same_label
            else f" ({cell_text(earlier.region)!r} and {cell_text(record.region)!r} "
            "are the same region)"
        )
        if cell_text(earlier.period) != cell_text(record.period):
            merged_dates += 1
            if merged_dates > MERGED_DATES_LISTED:
                continue  # weekly or daily data: the summary below says it once
            labels += (
                f" ({cell_text(earlier.period)!r} and {cell_text(record.period)!r} fall in "
                "the same period)"
            )
        report.error(
            f"a second value for region {region}, period {record.parsed_period}, indicator "
            f"{record.indicator} (first on row {earlier.row}){labels}",
            row=record.row,
            column=record.value_column,
            value=cell_text(record.value),
            code="key.duplicate",
            params={
                "region": region,
                "period": str(record.parsed_period),
                "indicator": record.indicator,
                "first_row": earlier.row,
                "labels": None
                if same_label
                else [cell_text(earlier.region), cell_text(record.region)],
                "periods": None
                if cell_text(earlier.period) == cell_text(record.period)
                else [cell_text(earlier.period), cell_text(record.period)],
            },
        )
    if merged_dates:
        report.error(
            f"{merged_dates} value(s) fall in a period that holds an earlier date already"
            + (
                f" (the first {MERGED_DATES_LISTED} are listed)"
                if merged_dates > MERGED_DATES_LISTED
                else ""
            )
            + ": the data looks weekly or daily, and periods are years, quarters or months. "
            "Sum or average the figures to months (or quarters, years) first",
            code="periods.weekly_or_daily",
            params={"count": merged_dates},
        )


def _validity_warnings(
    records: list[_Record], resolver: RegionResolver, report: ValidationReport
) -> None:
    """One warning per unit and kind of note, with the first row and how many rows."""
    notes: dict[tuple[str, str], list[_Record]] = defaultdict(list)
    cache: dict[tuple[str, pd.Period], str | None] = {}
    structured: dict[tuple[str, str], tuple[str, dict[str, object]] | None] = {}
    spans: dict[pd.Period, tuple[dt.date, dt.date]] = {}
    for record in records:
        if record.unit is None or record.parsed_period is None:
            continue
        period = record.parsed_period
        key = (record.unit.code, period)
        if key not in cache:
            if period not in spans:  # start_time/end_time are slow: once per period
                spans[period] = (period.start_time.date(), period.end_time.date())
            cache[key] = resolver.validity_warning(record.unit, *spans[period])
            if cache[key] is not None:
                structured[(record.unit.code, cache[key])] = resolver.validity_note(
                    record.unit, *spans[period]
                )
        note = cache[key]
        if note is not None:
            notes[(record.unit.code, note)].append(record)
    for (unit_code, note), group in notes.items():
        kind, details = structured[(unit_code, note)] or ("note", {})
        # one unit may carry monthly and annual values: periods of different frequencies
        # do not compare, their start and end dates do
        periods = sorted(
            {record.parsed_period for record in group},
            key=lambda period: (period.start_time, period.end_time),
        )
        span = str(periods[0]) if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
        report.warning(
            f"{cell_text(group[0].region)!r} for {span} ({len(group)} value(s)): {note}",
            row=group[0].row,
            column=group[0].region_column,
            value=cell_text(group[0].region),
            code=f"region.{kind}",
            params={
                "label": cell_text(group[0].region),
                "first": str(periods[0]),
                "last": str(periods[-1]),
                "count": len(group),
                **details,
            },
        )


# --- Frames -------------------------------------------------------------------------------------


def _frames(
    records: list[_Record], report: ValidationReport
) -> tuple[pd.DataFrame, pd.DataFrame] | tuple[None, None]:
    """The contract frames; ``source`` is the file name unless the file has a source column."""
    optional = sorted({role for record in records for role in record.extras} - {"unit"})
    regional, national = [], []
    for record in records:
        row = {
            "region": NATIONAL_TOTAL_KEY
            if record.national
            else (record.unit.code if record.unit is not None else cell_text(record.region)),
            "period": record.parsed_period,
            "indicator": record.indicator,
            "value": record.parsed_value,
        }
        for role in optional:
            raw, _ = record.extras.get(role, (None, ""))
            row[role] = cell_text(raw) if role == "source" else record.numbers.get(role)
        if "source" not in optional and report.source:
            row["source"] = report.source
        if record.national:
            row["label"] = cell_text(record.region)
            national.append(row)
        else:
            regional.append(row)
    frequencies = {
        record.indicator: frequency_of(record.parsed_period)
        for record in records
        if record.indicator is not None and record.parsed_period is not None
    }
    frames = []
    for rows in (regional, national):
        if not rows:
            empty = empty_observations()
            frames.append(empty if rows is regional else empty.assign(label=pd.Series(dtype=str)))
            continue
        try:
            frames.append(validate_observations(pd.DataFrame(rows), frequencies=frequencies))
        except ContractError as error:
            for problem in error.problems:
                report.error(
                    f"the data breaks the contract: {problem}",
                    code="contract.broken",
                    params={"problem": problem},
                )
            return None, None
    return frames[0], frames[1]
