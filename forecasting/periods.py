"""Periods: turning the many ways people write "a year", "a quarter" or "a month" into
``pandas.Period`` objects.

Every period in the data contract is a ``pandas.Period`` with one of three frequencies:
``"Y"`` (annual), ``"Q"`` (quarterly) or ``"M"`` (monthly). Periods are compared as periods,
never as strings, so ``"2021-7"`` and ``"07.2021"`` are the same month and ``"2021"`` sorts
before ``"2021-Q1"`` only where that makes sense (it does not: they have different
frequencies and must not meet in one series). See ``docs/data-contract.md``.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable

import pandas as pd

#: The frequencies the contract allows, coarsest first.
FREQUENCIES: tuple[str, ...] = ("Y", "Q", "M")

FREQUENCY_NAMES = {"Y": "annual", "Q": "quarterly", "M": "monthly", "D": "daily"}

# Other spellings people and libraries use for the same three frequencies.
_FREQUENCY_ALIASES = {
    "Y": "Y",
    "A": "Y",
    "YE": "Y",
    "AS": "Y",
    "YS": "Y",
    "ANNUAL": "Y",
    "YEAR": "Y",
    "YEARLY": "Y",
    "Q": "Q",
    "QE": "Q",
    "QS": "Q",
    "QUARTER": "Q",
    "QUARTERLY": "Q",
    "M": "M",
    "ME": "M",
    "MS": "M",
    "MONTH": "M",
    "MONTHLY": "M",
}

#: Years ``parse_period`` reads: four digits from 1000 (historical series such as sunspot
#: counts since 1700 or prices since the 13th century) to 2200 (far forecasts).
FIRST_YEAR, LAST_YEAR = 1000, 2200
#: Where a bare number could be a year or a value (a header row, a column of unknown
#: content), only this narrower window counts as a year: a population of 1500 in a data
#: row must not make the row look like a header of periods.
LIKELY_FIRST_YEAR, LIKELY_LAST_YEAR = 1800, 2200


def is_likely_year(number: object) -> bool:
    """Whether a bare number is taken for a year where it could as well be a value."""
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        return False
    value = float(number)
    return value.is_integer() and LIKELY_FIRST_YEAR <= value <= LIKELY_LAST_YEAR


_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

# Month names (and their usual abbreviations / grammatical cases) in en, ru and kk. The kk
# abbreviations are CLDR's (babel.dates.get_month_names("abbreviated", locale="kk")):
# қаз. is October (қазан), қар. November (қараша).
_MONTH_WORDS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "январь", "января", "янв", "қаңтар", "қаң"),
    2: ("february", "feb", "февраль", "февраля", "фев", "февр", "ақпан", "ақп"),
    3: ("march", "mar", "март", "марта", "мар", "наурыз", "нау"),
    4: ("april", "apr", "апрель", "апреля", "апр", "сәуір", "сәу"),
    5: ("may", "май", "мая", "мамыр", "мам"),
    6: ("june", "jun", "июнь", "июня", "июн", "маусым", "мау"),
    7: ("july", "jul", "июль", "июля", "июл", "шілде", "шіл"),
    8: ("august", "aug", "август", "августа", "авг", "тамыз", "там"),
    9: ("september", "sep", "sept", "сентябрь", "сентября", "сен", "сент", "қыркүйек", "қыр"),
    10: ("october", "oct", "октябрь", "октября", "окт", "қазан", "қаз"),
    11: ("november", "nov", "ноябрь", "ноября", "ноя", "нояб", "қараша", "қар"),
    12: ("december", "dec", "декабрь", "декабря", "дек", "желтоқсан", "жел"),
}
# Kazakh months in the possessive, as "2023 жылдың қаңтары" (January of 2023) writes them.
_KAZAKH_POSSESSIVE_MONTHS = (
    "қаңтары",
    "ақпаны",
    "наурызы",
    "сәуірі",
    "мамыры",
    "маусымы",
    "шілдесі",
    "тамызы",
    "қыркүйегі",
    "қазаны",
    "қарашасы",
    "желтоқсаны",
)
for _number, _word in enumerate(_KAZAKH_POSSESSIVE_MONTHS, start=1):
    _MONTH_WORDS[_number] += (_word,)
_MONTHS = {word: number for number, words in _MONTH_WORDS.items() for word in words}

# Words that only say "this is a year" ("2021 год", "2021 жыл", "2021 ж.").
# "2023 жылдың" is the genitive ("of 2023"), before a possessive quarter or month.
_YEAR_WORDS = ("года", "год", "гг", "г", "жылдың", "жылғы", "жылы", "жыл", "ж", "year", "fy")
# "тоқсаны", "тоқсанында": the possessive after "2023 жылдың" ("the 1st quarter of 2023").
_QUARTER_WORDS = (
    "квартал",
    "кв",
    "тоқсанындағы",
    "тоқсанында",
    "тоқсаны",
    "тоқсан",
    "тоқс",
    "quarter",
    "qtr",
)

_YEAR = r"(?P<year>\d{4})"
_QUARTER_NUMBER = r"(?P<quarter>[1-4]|iv|iii|ii|i)"
_QUARTER_WORD = "(?:" + "|".join(_QUARTER_WORDS) + ")"
#: Ordinal endings after a quarter's number: "3-й", "3rd", "3-ші".
_ORDINAL = r"(?:-?й|st|nd|rd|th|-?(?:ші|шы|інші|ыншы))"
_MONTH_WORD = "(?P<month_word>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("year", rf"^{_YEAR}(?:\.0+)?$"),
        # 2021-Q3, 2021Q3, 2021 q3, 2021/Q3
        ("quarter", rf"^{_YEAR}\s*[-/ ]?\s*q\s*(?P<quarter>[1-4])$"),
        # Q3 2021, Q3-2021, 3Q2021
        ("quarter", rf"^q\s*(?P<quarter>[1-4])\s*[-/ ]?\s*{_YEAR}$"),
        ("quarter", rf"^(?P<quarter>[1-4])\s*q\s*[-/ ]?\s*{_YEAR}$"),
        # 3 квартал 2021, III кв. 2021, 3-й квартал 2021, 3 тоқсан 2021
        ("quarter", rf"^{_QUARTER_NUMBER}\s*{_ORDINAL}?\s*{_QUARTER_WORD}\s*{_YEAR}$"),
        # 2021 3 квартал, 2021 III квартал, 2021 жылғы 3 тоқсан
        ("quarter", rf"^{_YEAR}\s*{_QUARTER_NUMBER}\s*{_ORDINAL}?\s*{_QUARTER_WORD}$"),
        # 2021-III, 2021/IV (a Roman quarter after the year)
        ("quarter", rf"^{_YEAR}\s*[-/ ]\s*(?P<quarter>iv|iii|ii|i)$"),
        # 2021M07, 2021-M7 (Eurostat, IMF and World Bank monthly codes)
        ("month", rf"^{_YEAR}\s*-?\s*m\s*(?P<month>\d{{1,2}})$"),
        # 2021-07, 2021/7, 2021.07 (a dot needs two digits: "2021.5" is a broken number)
        ("month", rf"^{_YEAR}\s*[-/]\s*(?P<month>\d{{1,2}})$"),
        ("month", rf"^{_YEAR}\.(?P<month>\d{{2}})$"),
        # 07.2021, 7/2021, 07-2021
        ("month", rf"^(?P<month>\d{{1,2}})\s*[-/.]\s*{_YEAR}$"),
        # июль 2021, July 2021, 2021 July
        ("month", rf"^{_MONTH_WORD}\s*{_YEAR}$"),
        # Two-digit years, as Excel shows a month ("mmm-yy", "mm.yy"): Jan-23, янв.23,
        # Jan'23, 01.23, 01/23 (two-digit month); see ``two_digit_year``. Not "23-Jan",
        # which Excel writes for the 23rd of January.
        ("month", rf"^{_MONTH_WORD}\s*[-/'’ ]?\s*(?P<year2>\d{{2}})$"),
        ("month", r"^(?P<month>\d{2})\s*[./-]\s*(?P<year2>\d{2})$"),
        ("month", rf"^{_YEAR}\s*{_MONTH_WORD}$"),
        # 1 января 2022 (г.), 1 January 2022, January 1, 2022, 2022 жылғы 1 қаңтар(дағы):
        # stocks "на 1 января" (population, housing) are published with such headers
        ("day", rf"^(?P<day>\d{{1,2}})\s*{_MONTH_WORD}\s*,?\s*{_YEAR}$"),
        ("day", rf"^{_MONTH_WORD}\s*(?P<day>\d{{1,2}})\s*,?\s*{_YEAR}$"),
        (
            "day",
            rf"^{_YEAR}\s*(?P<day>\d{{1,2}})\s*-?\s*{_MONTH_WORD}"
            r"(?:\s*-?\s*(?:дағы|дегі|тағы|тегі|ға|ге|қа|ке))?$",
        ),
        # на конец 2021 года, end of 2021, 2021 жылдың соңына: a stock on 31 December
        ("year_end", rf"^(?:конец|end of|end)\s*{_YEAR}$"),
        ("year_end", rf"^{_YEAR}\s*(?:жылдың)?\s*соңы(?:на|ндағы)?$"),
        # 31.12.2021, 31/12/2021 (day first, as written in Kazakhstan and Europe)
        ("day", rf"^(?P<day>\d{{1,2}})\s*[./]\s*(?P<month>\d{{1,2}})\s*[./]\s*{_YEAR}$"),
        # 2021-12-31, 2021.12.31, optionally followed by a time of day (Excel exports)
        (
            "day",
            rf"^{_YEAR}\s*[-./]\s*(?P<month>\d{{1,2}})\s*[-./]\s*(?P<day>\d{{1,2}})"
            r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$",
        ),
    )
)


# A quarter written alone, as a column header: Q3, 3Q, III квартал, 3-й кв., 3rd quarter,
# 3-ші тоқсан, 3 тоқсан.
_QUARTER_ALONE = (
    re.compile(r"^q\s*(?P<quarter>[1-4])$"),
    re.compile(r"^(?P<quarter>[1-4])\s*q$"),
    re.compile(r"^(?:quarter|qtr)\s*(?P<quarter>[1-4])$"),
    re.compile(rf"^{_QUARTER_NUMBER}\s*{_ORDINAL}?\s*{_QUARTER_WORD}$"),
)


def month_or_quarter_name(text: str) -> tuple[str, int] | None:
    """``("M", 7)`` for a month named alone, ``("Q", 3)`` for a quarter alone, else ``None``.

    Tables of one row per year carry such headers: ``JAN`` ... ``DEC``, ``январь``,
    ``янв.``, ``шілде``, ``Q1``, ``I квартал``, ``III кв.``, ``3 тоқсан``.
    """
    cleaned = re.sub(r"\s+", " ", str(text).strip().lower().replace("\u00a0", " "))
    cleaned = re.sub(r"(?<=[a-zа-яәғқңөұүһі])\.", " ", cleaned).strip()
    if cleaned in _MONTHS:
        return ("M", _MONTHS[cleaned])
    # Roman numerals typed with the Kazakh letter і ("ІІ тоқсан").
    roman = re.sub(r"^[іi]+(?=v?\b)|^[іi]v\b", lambda found: found[0].replace("і", "i"), cleaned)
    for pattern in _QUARTER_ALONE:
        match = pattern.match(roman)
        if match:
            raw = match["quarter"]
            return ("Q", _ROMAN_QUARTERS[raw] if raw in _ROMAN_QUARTERS else int(raw))
    return None


_FIRST_MONTH = "|".join(word for word in _MONTH_WORDS[1])
#: Totals since the start of the year: "январь-март 2024", "Jan-Jun", "қаңтар-наурыз",
#: "I-III кв. 2023", "Q1-Q3 2023", "1-3 кварталы".
_CUMULATIVE = re.compile(
    rf"(?:^|[\s:])(?:(?:{_FIRST_MONTH})\.?\s*[-–—]\s*[^\W\d_]{{3,}}"
    rf"|q1\s*[-–—]\s*q[2-4]|(?:1|i)\s*[-–—]\s*(?:[2-4]|ii|iii|iv)\s*{_QUARTER_WORD}"
    # "9 месяцев 2022", "за 6 месяцев", "9 айда", "first 9 months": months since January
    r"|(?:[2-9]|1[01])\s*(?:месяц(?:а|ев)|мес|ай(?:да|дағы)?|months))"
    r"(?:$|[\s.,:])",
    re.IGNORECASE,
)


_LAST_MONTH = "|".join(word for word in _MONTH_WORDS[12])
_WHOLE_SPAN = (
    rf"(?:(?:{_FIRST_MONTH})\s*-\s*(?:{_LAST_MONTH})"
    rf"|q1\s*-\s*q4|(?:1|i)\s*-\s*(?:4|iv)\s*{_QUARTER_WORD})"
)
#: January to December of one year ("январь-декабрь 2023", "2023 жылғы қаңтар-желтоқсан",
#: "I-IV кв. 2023", "Jan-Dec 2023"): the year itself, as cleaned by ``_clean_text``.
_WHOLE_YEAR = re.compile(rf"^(?:{_WHOLE_SPAN}\s*{_YEAR}|(?P<year_>\d{{4}})\s*{_WHOLE_SPAN})$")


_HALF_WORD = r"(?:полугодие|полугодия|полугод|пг|жартыжылдық|жарты\s*жылдық|half[\s-]*year|half)"
_HALF_NUMBER = r"(?:[12]|ii|i|і|іі)\s*(?:-?(?:е|ое|й|ші|шы|інші|ыншы|st|nd))?"
#: Half-years ("I полугодие 2022", "2022 H1", "1-ші жартыжылдық 2022"): no period of the
#: contract; bureaus publish them beside quarters.
_HALF_YEAR = re.compile(
    rf"^(?:{_HALF_NUMBER}\s*{_HALF_WORD}\s*\d{{4}}|\d{{4}}\s*{_HALF_NUMBER}\s*{_HALF_WORD}"
    r"|\d{4}\s*[-/ ]?\s*h[12]|h[12]\s*[-/ ]?\s*\d{4})$"
)


def is_half_year(text: object) -> bool:
    """Whether a label is a half-year ("I полугодие 2022", "2022 H1"), which the contract's
    frequencies (years, quarters, months) do not have."""
    return isinstance(text, str) and _HALF_YEAR.match(_clean_text(text)) is not None


def is_cumulative(text: object) -> bool:
    """Whether a label is a total since January ("январь-март 2024", "I-III кв."), which no
    single month or quarter is: bureaus publish such figures beside the monthly ones.
    January to December is the whole year, which ``parse_period`` reads."""
    if not isinstance(text, str):
        return False
    cleaned = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip().casefold()
    cleaned = _CYRILLIC_ROMAN.sub(lambda found: found[0].replace("і", "i"), cleaned)
    if _CUMULATIVE.search(cleaned) is None:
        return False
    return re.search(_WHOLE_SPAN, _clean_text(text)) is None


class PeriodError(ValueError):
    """A value that cannot be read as a period, or that does not fit the expected frequency.

    ``code`` and ``params`` say which problem it is as data (``"period.implausible_year"``,
    the value, the accepted range), for readers that word it in another language.
    """

    def __init__(
        self, message: str, code: str = "period.invalid", params: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params = params or {}


def normalise_frequency(frequency: str) -> str:
    """Return ``"Y"``, ``"Q"`` or ``"M"`` for any usual spelling (``"A"``, ``"Y-DEC"``...)."""
    if not isinstance(frequency, str) or not frequency.strip():
        raise PeriodError(f"frequency must be one of {', '.join(FREQUENCIES)}, got {frequency!r}")
    code = frequency.strip().upper().split("-", 1)[0]
    if code not in _FREQUENCY_ALIASES:
        raise PeriodError(
            f"unknown frequency {frequency!r}: use Y (annual), Q (quarterly) or M (monthly)"
        )
    return _FREQUENCY_ALIASES[code]


def frequency_of(period: pd.Period) -> str:
    """Return the contract frequency code of a period: ``"Y"``, ``"Q"``, ``"M"`` (or ``"D"``)."""
    offset = period.freq
    code = _CODE_OF_OFFSET.get(offset)
    if code is None:
        code = period.freqstr.split("-", 1)[0].upper()
        code = "D" if code == "D" else _FREQUENCY_ALIASES.get(code, code)
        _CODE_OF_OFFSET[offset] = code
    return code


# ``freqstr`` is slow and asked for once per cell: remember each offset's code.
_CODE_OF_OFFSET: dict[object, str] = {}


def parse_period(value: object, frequency: str | None = None) -> pd.Period:
    """Read one period from a cell, a number, a date or a Period.

    Without ``frequency`` the period keeps the precision it was written with (a calendar date
    becomes a daily period). With ``frequency`` a date, or a finer period, is converted to
    that frequency (``31.12.2021`` with ``"Y"`` is 2021). A written period of another
    frequency is an error: a month where years are expected means the file holds other data
    than announced, and turning a year into a month would invent precision.
    """
    target = normalise_frequency(frequency) if frequency is not None else None
    period = _parse_natural(value)
    if target is None:
        return period
    natural = frequency_of(period)
    if natural == target:
        return period
    if natural != "D":
        raise PeriodError(
            f"{_describe(value)} is {FREQUENCY_NAMES[natural]}, "
            f"but {_with_article(FREQUENCY_NAMES[target])} period was expected",
            "period.wrong_frequency",
            {"value": str(value), "found": natural, "expected": target},
        )
    return period.asfreq(_pandas_frequency(target))


def infer_frequency(values: Iterable[object]) -> str:
    """Return the one frequency (``"Y"``, ``"Q"`` or ``"M"``) that a column of periods uses.

    Calendar dates are read as the period they mark: all on the same day of the year means
    annual (``31.12.2020``, ``31.12.2021``), all on a quarter start or end means quarterly,
    anything else monthly. Raises ``PeriodError`` when the column mixes frequencies or holds
    no period at all.
    """
    periods = [value if isinstance(value, pd.Period) else _parse_natural(value) for value in values]
    if not periods:
        raise PeriodError("no periods to infer a frequency from")
    natural = {frequency_of(period) for period in periods}
    coarse = natural - {"D"}
    if len(coarse) > 1:
        names = ", ".join(FREQUENCY_NAMES[code] for code in FREQUENCIES if code in coarse)
        raise PeriodError(f"periods mix frequencies ({names})")
    days = [period for period in periods if frequency_of(period) == "D"]
    if not days:
        return coarse.pop()
    # Many series share the same dates: judge the distinct dates.
    day_frequency = _frequency_of_dates([period.to_timestamp() for period in sorted(set(days))])
    if coarse and coarse != {day_frequency}:
        # Dates next to written periods take the written periods' frequency when they fit it.
        written = coarse.pop()
        if FREQUENCIES.index(written) > FREQUENCIES.index(day_frequency):
            return written
        raise PeriodError(
            f"periods mix {FREQUENCY_NAMES[written]} values with dates that look "
            f"{FREQUENCY_NAMES[day_frequency]}"
        )
    return day_frequency


def _frequency_of_dates(dates: list[pd.Timestamp]) -> str:
    """Which frequency a set of calendar dates marks (see ``infer_frequency``)."""
    same_day_of_year = len({(date.month, date.day) for date in dates}) == 1
    distinct_years = len({date.year for date in dates}) == len(dates)
    if len(dates) > 1 and same_day_of_year and distinct_years:
        return "Y"
    if all(date.is_year_end or date.is_year_start for date in dates) and distinct_years:
        return "Y"
    if all(date.is_quarter_end or date.is_quarter_start for date in dates):
        quarters = [(date.year, date.quarter) for date in dates]
        if len(set(quarters)) == len(quarters):
            return "Q"
    return "M"


def _with_article(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _pandas_frequency(code: str) -> str:
    return {"Y": "Y", "Q": "Q", "M": "M", "D": "D"}[code]


def _describe(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _parse_natural(value: object) -> pd.Period:
    """Parse a value at the precision it was written with."""
    if isinstance(value, pd.Period):
        code = frequency_of(value)
        if code not in (*FREQUENCIES, "D"):
            raise PeriodError(f"{_describe(value)} has unsupported frequency {value.freqstr}")
        return value if code == "D" else value.asfreq(_pandas_frequency(code))
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        raise PeriodError("the period is empty", "period.empty")
    if isinstance(value, bool):
        raise PeriodError(f"{value!r} is not a period", params={"value": str(value)})
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return pd.Period(pd.Timestamp(value), freq="D")
    if isinstance(value, numbers.Integral):
        return _year(int(value), value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if number.is_integer():
            return _year(int(number), value)
        raise PeriodError(
            f"{_describe(value)} is not a year (it has a fraction)",
            "period.fraction",
            {"value": str(value)},
        )
    if isinstance(value, str):
        return _parse_text(value)
    raise PeriodError(f"{_describe(value)} is not a period", params={"value": str(value)})


def _year(year: int, original: object) -> pd.Period:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(*_implausible(original))
    return pd.Period(year=year, freq="Y")


def _implausible(value: object) -> tuple[str, str, dict[str, object]]:
    """Message, code and parameters of a ``PeriodError`` for a year out of range."""
    return (
        f"{_describe(value)} is not a plausible year: years from {FIRST_YEAR} to "
        f"{LAST_YEAR} are read",
        "period.implausible_year",
        {"value": str(value), "first": FIRST_YEAR, "last": LAST_YEAR},
    )


#: Footnote marks after a period ("2023*", "2022 год¹"): the figure is preliminary or
#: revised, the period is the same.
_PERIOD_FOOTNOTE = re.compile(r"(?<=\S)\s*[*¹²³⁴⁵⁶⁷⁸⁹⁰⁾]+$")
#: A note in brackets that the figure is preliminary ("2023 (предв.)", "2023 г. (оперативные
#: данные)", "2023 ж. (алдын ала деректер)", "2023 (prelim.)"): the period is the same. An
#: estimate or a forecast ("2024 (прогноз)") is not marked so: it is no observation.
_PRELIMINARY_NOTE = re.compile(
    r"(?<=\S)\s*\(\s*(?:предв[а-я]*\.?(?:\s*данные)?|оперативн[а-я]*\.?(?:\s*данные)?"
    r"|алдын\s*ала(?:\s*деректер)?|жедел\s*деректер|prelim[a-z]*\.?(?:\s*data)?"
    r"|provisional(?:\s*data)?)\s*\)?$",  # the bracket may be gone as a footnote mark
    re.IGNORECASE,
)
#: Roman quarter numbers typed with the Kazakh letter і (U+0456), as a Kazakh keyboard
#: types them: "2023 жылғы ІІ тоқсан", "ІV кв. 2023".
_CYRILLIC_ROMAN = re.compile(r"\b(?:і{1,3}|іv|iі+|іi+)\b")


def _clean_text(value: str) -> str:
    text = _PERIOD_FOOTNOTE.sub("", value.strip())
    text = _PRELIMINARY_NOTE.sub("", text).strip()
    text = _PERIOD_FOOTNOTE.sub("", text).lower().replace("\u00a0", " ")
    text = _CYRILLIC_ROMAN.sub(lambda found: found[0].replace("і", "i"), text)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"\s+", " ", text)
    # Drop words that only say "year" ("2021 год", "2021 ж.", "за 2021 год").
    words = "|".join(_YEAR_WORDS)
    text = re.sub(rf"(?<=\d)\s*(?:{words})\b\.?", " ", text)
    text = re.sub(rf"(?<=\d)\s*(?:{words})\.?$", "", text)
    text = re.sub(r"^(?:за|в|на|in|for)\s+", "", text)
    text = re.sub(r"^(\d{4})\s*,\s*(?=\D)", r"\1 ", text)  # "2023 г., I квартал"
    text = re.sub(r"(?<=[a-zа-яәғқңөұүһі])\.", " ", text)  # "кв." -> "кв"
    return re.sub(r"\s+", " ", text).strip()


#: Two-digit years are read as Excel reads them when typed: 00-29 are 2000-2029, 30-99 are
#: 1930-1999 (Jan-23 is January 2023, янв.95 January 1995).
TWO_DIGIT_PIVOT = 30


def two_digit_year(year: int) -> int:
    """The four-digit year of a two-digit one, by Excel's rule (see ``TWO_DIGIT_PIVOT``)."""
    return 2000 + year if year < TWO_DIGIT_PIVOT else 1900 + year


# Two years joined: a season, an academic or a financial year, or a range (2020/2021,
# 2020-21, 2020–2021). One calendar period cannot stand for it.
# A word may name it: "FY2020/21", "2023/24 оқу жылы", "2020/2021 уч. год".
_TWO_YEARS = re.compile(
    r"^(?:fy\s*)?(?P<first>\d{4})\s*[-/]\s*(?P<second>\d{4}|\d{2})(?:\s+[^\d\s][^\d]*)?$"
)


def two_years(value: str) -> tuple[int, int] | None:
    """The two years a text such as "2020/2021" or "2020-21" joins, or ``None``.

    "2020/21" is two years (21 is no month); "2011/12" and "2020-12" stay months (December),
    as a two-digit month is the likelier reading.
    """
    match = _TWO_YEARS.match(_clean_text(value))
    if match is None:
        return None
    first, second = int(match["first"]), match["second"]
    if len(second) == 2:
        if int(second) <= 12 or int(second) != (first + 1) % 100:
            return None
        return first, first + 1
    return (first, int(second)) if int(second) > first else None


def _parse_text(value: str) -> pd.Period:
    text = _clean_text(value)
    if not text:
        raise PeriodError("the period is empty", "period.empty")
    span = two_years(value)
    if span is not None:
        raise PeriodError(
            f"{_describe(value)} joins two years (a season, an academic or financial year, or "
            "a range): it is not one calendar period; relabel it with the year it is counted "
            f"in (e.g. {span[1]}) or give the calendar years separately",
            "period.two_years",
            {"value": value, "first": span[0], "second": span[1]},
        )
    whole = _WHOLE_YEAR.match(text)
    if whole is not None:
        year = int(whole["year"] or whole["year_"])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise PeriodError(*_implausible(value))
        return pd.Period(year=year, freq="Y")
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        year = two_digit_year(int(groups["year2"])) if groups.get("year2") else int(match["year"])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise PeriodError(*_implausible(value))
        if kind == "year":
            return pd.Period(year=year, freq="Y")
        if kind == "year_end":
            return pd.Period(dt.date(year, 12, 31), freq="D")
        if kind == "quarter":
            raw = match["quarter"]
            quarter = _ROMAN_QUARTERS[raw] if raw in _ROMAN_QUARTERS else int(raw)
            return pd.Period(year=year, quarter=quarter, freq="Q")
        month = _MONTHS[groups["month_word"]] if groups.get("month_word") else int(match["month"])
        if not 1 <= month <= 12:
            raise PeriodError(
                f"{_describe(value)}: {month} is not a month",
                "period.invalid_month",
                {"value": value, "month": month},
            )
        if kind == "month":
            return pd.Period(year=year, month=month, freq="M")
        try:
            return pd.Period(dt.date(year, month, int(match["day"])), freq="D")
        except ValueError as error:
            raise PeriodError(
                f"{_describe(value)} is not a valid date ({error})",
                "period.invalid_date",
                {"value": value},
            ) from None
    if is_half_year(value):
        raise PeriodError(
            f"{_describe(value)} is a half-year: periods are years, quarters or months; "
            "export the figures of each quarter (or of the year) instead",
            "period.half_year",
            {"value": value},
        )
    raise PeriodError(
        f"{_describe(value)} is not a period: write a year (2021), a quarter (2021-Q3), "
        "a month (2021-07) or a date (31.12.2021)",
        params={"value": value},
    )
