"""The one data contract every part of ``forecasting`` (and the web app) exchanges.

Observations are a tidy ``pandas.DataFrame``, one row per (region, period, indicator); the
indicator catalogue says what each indicator means and how it enters the risk score. Both
are written down in ``docs/data-contract.md``; this module checks them, so that code
downstream can trust a frame that went through ``validate_observations`` instead of
re-checking it everywhere.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterable, Mapping
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from forecasting.periods import (
    FREQUENCIES,
    FREQUENCY_NAMES,
    PeriodError,
    frequency_of,
    infer_frequency,
    normalise_frequency,
    parse_period,
)

#: Columns every observations frame has, in this order.
OBSERVATION_COLUMNS: tuple[str, ...] = ("region", "period", "indicator", "value")
#: Columns an observations frame may have: where the value came from, how many survey
#: responses it rests on, and an interval around it.
OPTIONAL_OBSERVATION_COLUMNS: tuple[str, ...] = ("source", "n", "lower", "upper")
#: The key: at most one value per region, period and indicator.
OBSERVATION_KEY: tuple[str, ...] = ("region", "period", "indicator")

#: Columns of the indicator catalogue.
CATALOGUE_COLUMNS: tuple[str, ...] = (
    "code",
    "name_kk",
    "name_ru",
    "name_en",
    "unit",
    "direction",
    "domain",
    "weight",
    "frequency",
    "source",
)
#: Units whose values are shares in percent and must lie in [0, 100] (English, Russian and
#: Kazakh spellings: a ministry's catalogue is often written in Russian).
SHARE_UNITS = frozenset({"%", "percent", "pct", "share", "процент", "процентов", "пайыз"})
#: Units whose values are shares of one and must lie in [0, 1].
PROPORTION_UNITS = frozenset({"proportion", "fraction"})
#: How a rate's unit begins ("per 10,000", "на 10 000 человек"): a rate is never negative.
RATE_UNIT_PREFIXES = ("per ", "на ")
#: Name columns of the catalogue, one per language; a catalogue needs at least one of them.
_NAME_COLUMNS: tuple[str, ...] = ("name_kk", "name_ru", "name_en")
#: ``direction`` values: higher value means more risk (1) or less risk (-1).
DIRECTIONS: tuple[int, ...] = (1, -1)

_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_MAX_PROBLEMS_IN_MESSAGE = 20
_Reporter = Callable[..., None]


class ContractError(ValueError):
    """Data that breaks the contract; ``problems`` lists every problem found, not just the first.

    ``issues`` (when the check codes its problems, as ``validate_catalogue`` does) holds one
    dict per problem with a stable ``code``, its ``params``, ``row``, ``column`` and the English
    ``message``, so that a caller can word the problem in another language.
    """

    def __init__(
        self,
        problems: Iterable[str],
        subject: str = "data",
        issues: Iterable[dict[str, Any]] | None = None,
    ) -> None:
        self.problems: list[str] = list(problems)
        self.issues: list[dict[str, Any]] = list(issues or [])
        shown = self.problems[:_MAX_PROBLEMS_IN_MESSAGE]
        more = len(self.problems) - len(shown)
        lines = [f"{subject} breaks the data contract ({len(self.problems)} problem(s)):"]
        lines += [f"- {problem}" for problem in shown]
        if more:
            lines.append(f"- ... and {more} more")
        super().__init__("\n".join(lines))


def empty_observations() -> pd.DataFrame:
    """An observations frame with the contract's columns and no rows."""
    return pd.DataFrame(
        {
            "region": pd.Series([], dtype=str),
            "period": pd.Series([], dtype=object),
            "indicator": pd.Series([], dtype=str),
            "value": pd.Series([], dtype=float),
        }
    )


def validate_observations(
    frame: pd.DataFrame, *, frequencies: dict[str, str] | None = None
) -> pd.DataFrame:
    """Check an observations frame and return a normalised copy.

    The copy has string ``region``/``indicator``, float ``value``, ``pandas.Period`` periods
    (a ``period[...]`` dtype when all indicators share one frequency, else object), optional
    columns converted, and rows sorted by indicator, region and period. ``frequencies`` maps
    indicator codes to the frequency they must have (for example from the catalogue);
    without it each indicator's frequency is inferred from its periods.

    Problems name rows by the frame's index label. Raises ``ContractError`` listing every
    problem (missing columns, empty keys, periods
    that do not parse, mixed frequencies within an indicator, non-numeric or non-finite
    values, duplicated keys, intervals that do not contain their value).
    """
    if not isinstance(frame, pd.DataFrame):
        raise ContractError([f"expected a pandas DataFrame, got {type(frame).__name__}"])
    missing = [column for column in OBSERVATION_COLUMNS if column not in frame.columns]
    if missing:
        raise ContractError(
            [
                f"missing column(s) {', '.join(missing)}; found: "
                + (", ".join(map(str, frame.columns)) or "none")
            ],
            "observations",
        )
    problems: list[str] = []
    data = frame.copy()
    expected = {code: normalise_frequency(freq) for code, freq in (frequencies or {}).items()}

    for column in ("region", "indicator"):
        blank = data[column].isna() | (data[column].astype(str).str.strip() == "")
        problems += [f"row {index}: {column} is empty" for index in data.index[blank]]
        data[column] = data[column].astype(str).str.strip()

    data["period"] = _normalise_periods(data, expected, problems)
    data["value"] = _numeric_column(data, "value", problems, required=True)
    for column in ("n", "lower", "upper"):
        if column in data.columns:
            data[column] = _numeric_column(data, column, problems, required=False)
    if "n" in data.columns:
        negative = data["n"] < 0
        problems += [f"row {index}: n is negative" for index in data.index[negative]]
    if "source" in data.columns:
        data["source"] = data["source"].astype(object).where(data["source"].notna(), "")
        data["source"] = data["source"].astype(str)
    _check_interval(data, problems)

    if not problems:
        duplicated = data.duplicated(list(OBSERVATION_KEY), keep=False)
        for key, rows in data[duplicated].groupby(list(OBSERVATION_KEY), sort=False).groups.items():
            region, period, indicator = key
            problems.append(
                f"rows {', '.join(map(str, rows))}: more than one value for region {region}, "
                f"period {period}, indicator {indicator}"
            )
    if problems:
        raise ContractError(problems, "observations")

    ordered = [*OBSERVATION_COLUMNS]
    ordered += [c for c in OPTIONAL_OBSERVATION_COLUMNS if c in data.columns]
    ordered += [c for c in data.columns if c not in ordered]
    data = data[ordered]
    data = _sort(data)
    data["period"] = _period_column(data["period"])
    return data


def _normalise_periods(
    data: pd.DataFrame, expected: dict[str, str], problems: list[str]
) -> pd.Series:
    """Parse periods indicator by indicator, each indicator keeping one frequency."""
    periods = pd.Series([None] * len(data), index=data.index, dtype=object)
    for indicator, rows in data.groupby("indicator", sort=False).groups.items():
        raw = data.loc[rows, "period"]
        frequency = expected.get(str(indicator))
        if frequency is None:
            parseable = []
            for value in raw:
                try:
                    parseable.append(parse_period(value))
                except PeriodError:
                    continue
            try:
                frequency = infer_frequency(parseable) if parseable else None
            except PeriodError as error:
                problems.append(f"indicator {indicator}: {error}")
                continue
        for index, value in raw.items():
            try:
                period = parse_period(value, frequency)
            except PeriodError as error:
                problems.append(f"row {index}: period {error}")
                continue
            if frequency_of(period) not in FREQUENCIES:
                problems.append(
                    f"row {index}: period {period} is a day; give the indicator's frequency"
                )
                continue
            periods[index] = period
    return periods


def _numeric_column(
    data: pd.DataFrame, column: str, problems: list[str], *, required: bool
) -> pd.Series:
    raw = data[column]
    numbers = pd.to_numeric(raw, errors="coerce").astype(float)
    not_numeric = numbers.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    problems += [
        f"row {index}: {column} {raw[index]!r} is not a number" for index in data.index[not_numeric]
    ]
    if required:
        empty = numbers.isna() & ~not_numeric
        problems += [f"row {index}: {column} is empty" for index in data.index[empty]]
    infinite = np.isinf(numbers)
    problems += [f"row {index}: {column} is infinite" for index in data.index[infinite]]
    return numbers


def _check_interval(data: pd.DataFrame, problems: list[str]) -> None:
    if "lower" in data.columns and "upper" in data.columns:
        reversed_ = data["lower"] > data["upper"]
        problems += [
            f"row {index}: lower {data.at[index, 'lower']} is above upper {data.at[index, 'upper']}"
            for index in data.index[reversed_]
        ]
    if "lower" in data.columns:
        above = data["lower"] > data["value"]
        problems += [f"row {index}: value is below lower" for index in data.index[above]]
    if "upper" in data.columns:
        below = data["upper"] < data["value"]
        problems += [f"row {index}: value is above upper" for index in data.index[below]]


def _sort(data: pd.DataFrame) -> pd.DataFrame:
    """Sort by indicator, region, then period in time order (periods compared as periods).

    Within one indicator all periods share a frequency, so their ordinals are in time order.
    """
    if data.empty:
        return data.reset_index(drop=True)
    ordinal = data["period"].map(lambda period: period.ordinal)
    order = (
        data.assign(_start=ordinal)
        .sort_values(["indicator", "region", "_start"], kind="stable")
        .index
    )
    return data.loc[order].reset_index(drop=True)


def _period_column(periods: pd.Series) -> pd.Series:
    """A ``period[...]`` dtype when all rows share one frequency, otherwise objects."""
    frequencies = {period.freqstr for period in periods}
    if len(frequencies) == 1:
        return pd.Series(pd.PeriodIndex(list(periods)), index=periods.index)
    return periods.astype(object)


# --- Indicator catalogue ------------------------------------------------------------------


def read_catalogue(
    path: str | PathLike[str], known_domains: Iterable[str] | None = None
) -> pd.DataFrame:
    """Read an indicator catalogue CSV and validate it (see ``validate_catalogue``).

    UTF-8 (with or without BOM), UTF-16 with BOM or Windows-1251; comma, semicolon (as Excel
    saves CSV in a Russian or Kazakh locale), tab or ``|`` between fields.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise _unreadable(str(path), error) from None
    return validate_catalogue(parse_catalogue(data, str(path)), known_domains=known_domains)


def parse_catalogue(data: bytes, source: str) -> pd.DataFrame:
    """``catalogue_table``, with a file that is not a table refused as a ``ContractError``
    whose issue has the code ``catalogue.unreadable`` (``source`` names the file)."""
    try:
        return catalogue_table(data)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise _unreadable(source, error) from None


_PARSER_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _unreadable(source: str, error: Exception) -> ContractError:
    """ "cannot read …" for the command line; the issue's ``params`` say why as data
    (``reason``: file, encoding, empty or not_a_table; for a row with too many fields its
    ``line``, ``expected`` and ``found`` counts) so that a web page can word it."""
    # pandas says "No columns to parse from file" of an empty file: say it in plain words.
    why = "the file is empty" if isinstance(error, pd.errors.EmptyDataError) else error
    text = f"cannot read {source}: {why}"
    params: dict[str, Any] = {"path": source, "error": str(error)}
    if isinstance(error, OSError):
        params["reason"] = "file"
    elif isinstance(error, UnicodeDecodeError):
        params["reason"] = "encoding"
    elif isinstance(error, pd.errors.EmptyDataError):
        params["reason"] = "empty"
    else:
        params["reason"] = "not_a_table"
        fields = _PARSER_FIELDS.search(str(error))
        if fields:
            expected, line, found = (int(number) for number in fields.groups())
            params.update(line=line, expected=expected, found=found)
    issue = {
        "code": "catalogue.unreadable",
        "params": params,
        "row": None,
        "column": None,
        "message": text,
    }
    return ContractError([text], "indicator catalogue", [issue])


def catalogue_table(data: bytes) -> pd.DataFrame:
    """A catalogue CSV's bytes as a frame of text cells, not yet validated.

    Encoding and delimiter as ``read_catalogue`` reads them. Raises pandas' ``ParserError``
    or ``EmptyDataError`` for a file that is not a table.
    """
    text = _decode_catalogue(data)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    return pd.read_csv(
        io.StringIO(text), dtype=str, keep_default_na=False, sep=delimiter, engine="python"
    )


def _decode_catalogue(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def validate_catalogue(
    frame: pd.DataFrame, known_domains: Iterable[str] | None = None
) -> pd.DataFrame:
    """Check an indicator catalogue and return a normalised copy.

    Row numbers in messages count the header as row 1, as a spreadsheet shows them.
    ``direction`` becomes an int (1 or -1), ``weight`` a float > 0, ``frequency`` one of
    Y/Q/M; codes must be unique and free of spaces; at least one name is required (a
    catalogue in one language may leave out the other name columns).
    """
    given = [str(column) for column in frame.columns]  # before the blank names are added
    names = [column for column in _NAME_COLUMNS if column in frame.columns]
    if names:  # at least one name column is enough; the others are blank
        frame = frame.assign(**{column: "" for column in _NAME_COLUMNS if column not in names})
    missing = [column for column in CATALOGUE_COLUMNS if column not in frame.columns]
    if not names:
        missing = [column for column in missing if column not in _NAME_COLUMNS]
        missing.append(" or ".join(_NAME_COLUMNS))
    if missing:
        found = given
        text = f"missing column(s) {', '.join(missing)}; found: " + (", ".join(found) or "none")
        issue = {
            "code": "catalogue.missing_columns",
            "params": {"missing": missing, "found": found},
            "row": None,
            "column": None,
            "message": text,
        }
        raise ContractError([text], "indicator catalogue", [issue])
    domains = {str(domain).strip() for domain in known_domains} if known_domains else None
    problems: list[str] = []
    issues: list[dict[str, Any]] = []
    data = frame.reset_index(drop=True).copy()
    for column in data.columns:
        if column not in ("direction", "weight"):
            data[column] = data[column].astype(object).where(data[column].notna(), "")
            data[column] = data[column].astype(str).str.strip()
    directions: list[int] = []
    weights: list[float] = []
    frequencies: list[str] = []
    seen: dict[str, int] = {}
    for index, row in data.iterrows():
        line = int(index) + 2

        def problem(
            column: str, message: str, code: str, *, line: int = line, **params: Any
        ) -> None:
            problems.append(f"row {line}, column {column}: {message}")
            issues.append(
                {"code": code, "params": params, "row": line, "column": column, "message": message}
            )

        code = row["code"]
        if not code:
            problem("code", "is empty", "catalogue.empty")
        elif not _CODE_PATTERN.match(code):
            problem(
                "code",
                f"{code!r} must be letters, digits, '_', '-' or '.' without spaces",
                "catalogue.code_invalid",
                value=code,
            )
        elif code in seen:
            problem(
                "code",
                f"{code!r} is already used on row {seen[code]}",
                "catalogue.code_duplicate",
                value=code,
                first_row=seen[code],
            )
        else:
            seen[code] = line
        if not any(row[name] for name in ("name_kk", "name_ru", "name_en")):
            problem("name_en", "the indicator has no name in any language", "catalogue.no_name")
        directions.append(_direction(row["direction"], problem))
        weights.append(_weight(row["weight"], problem))
        frequencies.append(_frequency(row["frequency"], problem))
        domain = row["domain"]
        if not domain:
            problem("domain", "is empty", "catalogue.empty")
        elif domains is not None and domain not in domains:
            known = ", ".join(sorted(domains))
            problem(
                "domain",
                f"{domain!r} is not a known domain ({known})",
                "catalogue.domain_unknown",
                value=domain,
                domains=known,
            )
    if problems:
        raise ContractError(problems, "indicator catalogue", issues)
    data["direction"] = pd.Series(directions, index=data.index, dtype=int)
    data["weight"] = pd.Series(weights, index=data.index, dtype=float)
    data["frequency"] = frequencies
    extra = [column for column in data.columns if column not in CATALOGUE_COLUMNS]
    return data[[*CATALOGUE_COLUMNS, *extra]]


def _direction(raw: object, problem: _Reporter) -> int:
    text = str(raw).strip() if raw is not None else ""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if number in (1.0, -1.0):
        return int(number)
    problem(
        "direction",
        f"{text!r} must be 1 (higher means more risk) or -1 (higher means less)",
        "catalogue.direction_invalid",
        value=text,
    )
    return 0


def _weight(raw: object, problem: _Reporter) -> float:
    text = str(raw).strip().replace(",", ".") if raw is not None else ""
    if not text:
        problem(
            "weight",
            "is empty: give a number above 0 (1 for an equal share of the domain)",
            "catalogue.weight_empty",
        )
        return math.nan
    try:
        number = float(text)
    except ValueError:
        problem("weight", f"{text!r} is not a number", "value.not_a_number", value=text)
        return math.nan
    if not math.isfinite(number) or number <= 0:
        problem(
            "weight",
            f"{text!r} must be a number above 0",
            "catalogue.weight_not_positive",
            value=text,
        )
    return number


def _frequency(raw: object, problem: _Reporter) -> str:
    text = str(raw).strip() if raw is not None else ""
    try:
        return normalise_frequency(text)
    except PeriodError:
        names = ", ".join(f"{code} ({FREQUENCY_NAMES[code]})" for code in FREQUENCIES)
        problem(
            "frequency",
            f"{text!r} must be one of {names}",
            "catalogue.frequency_invalid",
            value=text,
        )
        return ""


def valid_range(unit: object) -> tuple[float, float] | None:
    """The values a catalogue unit allows: a share in percent lies in [0, 100], a proportion
    in [0, 1], a rate ``per ...`` is at least 0; ``None`` when the unit sets no bound (growth
    rates, indices)."""
    text = " ".join(str(unit).strip().lower().split())
    if text in SHARE_UNITS:
        return 0.0, 100.0
    if text in PROPORTION_UNITS:
        return 0.0, 1.0
    if text.startswith(RATE_UNIT_PREFIXES):
        return 0.0, math.inf
    return None


#: The columns of a forecast that hold values of the indicator (the mean and the bounds).
FORECAST_VALUE_COLUMNS = ("mean", "lower_95", "lower_80", "upper_80", "upper_95")


def within_valid_ranges(forecasts: pd.DataFrame, units: Mapping[str, object]) -> pd.DataFrame:
    """Forecasts whose mean and interval bounds are kept inside the values their indicator's
    unit allows (:func:`valid_range`; ``units`` maps indicator code to unit).

    Models work on the real line: a share of 2 % with a wide interval got a lower bound of
    -1.5 %, which no share can take and a council would read as an error. Clipping keeps the
    bounds ordered and changes no forecast inside the range. Indicators without a known
    bounded unit are left as they are.
    """
    frame = forecasts.copy()
    columns = [column for column in FORECAST_VALUE_COLUMNS if column in frame]
    for indicator, rows in frame.groupby("indicator", sort=False).groups.items():
        bounds = valid_range(units.get(str(indicator), ""))
        if bounds is None:
            continue
        low, high = bounds
        frame.loc[rows, columns] = frame.loc[rows, columns].clip(low, high)
    return frame


def catalogue_frequencies(catalogue: pd.DataFrame) -> dict[str, str]:
    """Map indicator code to frequency, as ``validate_observations(frequencies=...)`` takes it."""
    return dict(zip(catalogue["code"], catalogue["frequency"], strict=True))
