"""Geography: the first-level units a country reports statistics for, and how to recognise
them under the many names real files use.

The default set is Kazakhstan's (``forecasting/data/regions_kz.csv``): the 20 current units
plus South Kazakhstan, which ended in 2018, and the five oblasts abolished in 1997. Another
country loads its own file with the same columns (``load_units(path)``); nothing in the
matching below knows a Kazakh name. A row of kind ``country`` names the state itself: its
names are the labels of the national total, and no other state's name is taken for it.

Lineage is carried by ``valid_from``/``valid_to``/``predecessors``:

* a unit that ended (``valid_to`` set) passed its territory to the units that list it as a
  predecessor (South Kazakhstan -> Turkistan region and Shymkent city);
* a unit that continues but lost territory is named as a predecessor by the unit that split
  off (Abai lists East Kazakhstan): before the split date, "East Kazakhstan" covered what is
  now KZ-63 and KZ-10. ``RegionResolver.coverage`` and ``validity_warning`` answer that;
* a unit that continues and took in an ended unit names it as a predecessor, keeping its
  own dates (East Kazakhstan lists Semipalatinsk, merged into it in 1997).

See ``docs/data-contract.md`` ("Regions") for the matching rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import IO, Any

UNIT_COLUMNS: tuple[str, ...] = (
    "code",
    "kind",
    "name_kk",
    "name_ru",
    "name_en",
    "aliases",
    "valid_from",
    "valid_to",
    "predecessors",
)
#: Columns a unit file must have; the others may be left out (names fall back to
#: ``name_en``, lists and dates are empty).
REQUIRED_UNIT_COLUMNS: tuple[str, ...] = ("code", "kind", "name_en")
#: Kinds of first-level unit a file may use.
UNIT_KINDS: tuple[str, ...] = ("region", "city")
#: The kind of the one row that may name the country itself (its ISO 3166-1 code, names
#: and aliases): statistics rows so labelled are its national total. It is no unit.
COUNTRY_KIND = "country"
LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")
LIST_SEPARATOR = "|"

DEFAULT_UNITS_PATH = Path(__file__).resolve().parent / "data" / "regions_kz.csv"

#: How Kazakhstan as a whole is labelled in statistics exports (the national total row).
KAZAKHSTAN_NATIONAL_NAMES: tuple[str, ...] = (
    "Kazakhstan",
    "Republic of Kazakhstan",
    "Kazakhstan Republic",
    "Qazaqstan",
    "Qazaqstan Respublikasy",
    "Qazaqstan Respýblıkasy",
    "Казахстан",
    "Республика Казахстан",
    "Республике Казахстан",
    "Қазақстан",
    "Қазақстан Республикасы",
    "РК",
    "ҚР",
    "KZ",
)

# Words that label a row as a total in any of our three languages (country-independent).
TOTAL_WORDS: tuple[str, ...] = (
    "total",
    "grand total",
    "all regions",
    "country",
    "national",
    "итого",
    "всего",
    "в целом",
    "по республике",
    "республика",
    "барлығы",
    "жиыны",
    "республика бойынша",
    "бойынша",
    # Kazakh Latin (2018, 2021): "Respýblıka boıynsha", "Barlyǵy", "Jıyny".
    "respýblıka",
    "respublika",
    "boıynsha",
    "barlyǵy",
    "jıyny",
)

# Administrative words around a name. They never identify a unit on their own; they only
# say which kind of unit is meant ("Almaty region" vs "Almaty city").
REGION_WORDS: tuple[str, ...] = (
    "region",
    "reg",
    "oblast",
    "oblys",
    "oblysy",
    "obl",
    "province",
    "область",
    "обл",
    "облыс",
    "облысы",
    "аймақ",
    "аймағы",
    # Neighbours' words, so their bureaus' labels read without aliases for each spelling:
    # Kyrgyz ("Баткен облусу") and Uzbek Latin ("Toshkent viloyati").
    "облусу",
    "oblusu",
    "viloyati",
    "viloyat",
)
CITY_WORDS: tuple[str, ...] = (
    "city",
    "town",
    "qalasy",
    "kalasy",
    "г",
    "гор",
    "город",
    # "г." and "город" romanised, as World Bank and academic tables write them: "g. Almaty".
    "g",
    "gorod",
    "қаласы",
    "қ",
    # Kazakh Latin "Almaty q." (қ.), "Astana q.ä." (қ.ә.).
    "q",
    "q.ä.",
    # Multi-word affixes are matched as a sequence: "Шымкент г.а." (городская
    # администрация, as taldau.stat.gov.kz and KATO label the three cities), "Астана қ.ә.".
    "г.а.",
    "қ.ә.",
    # Kyrgyz "Бишкек шаары", abbreviated "Бишкек ш."; Uzbek Latin "Toshkent shahri".
    "шаары",
    "ш",
    "shaary",
    "shahri",
    "shahar",
)
#: Words of units below the first level (districts). No unit of a region list is one: a
#: row so labelled is a part of a region, named as such in the reader's error.
DISTRICT_WORDS: tuple[str, ...] = (
    "district",
    "raion",
    "rayon",
    "audany",
    "район",
    "аудан",
    "ауданы",
)
#: Words that name a state ("Кыргызская Республика", "Kyrgyz Republic", "Кыргыз
#: Республикасы"): a label of one or two words and one of these that names no unit of the
#: list is the country as a whole, whichever country the list is.
STATE_WORDS: tuple[str, ...] = (
    "republic",
    "республика",
    "республикасы",
    "respublikasi",
    "respublikasy",
    "federation",
    "федерация",
)
FILLER_WORDS: tuple[str, ...] = (
    "of",
    "the",
    "republican",
    "significance",
    "республиканского",
    "значения",
    "республикалық",
    "маңызы",
    "бар",
)

_LATIN_TO_CYRILLIC = str.maketrans("acekmopxytbhi", "асекморхутвні")
_CYRILLIC_TO_LATIN = str.maketrans("асекморхутвні", "acekmopxytbhi")
_KAZAKH_TO_RUSSIAN = str.maketrans("әғқңөұүһіё", "агкноуухие")
#: Turkic Latin letters written as digraphs elsewhere: Kazakh Latin of 2021 "Şyğys", "Jetısu"
#: (2018), Uzbek, Turkmen and Azerbaijani spellings meet "Shygys", "Jetisu", "Chui".
_TURKIC_LATIN = str.maketrans({"ş": "sh", "ç": "ch", "ı": "i"})
_GH = re.compile(r"(?<=[a-z])gh|^gh")
_QUOTES = re.compile("[\"'`«»„“”‘’ʼ‹›]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_./,;:()\[\]{}*#№]+")
#: Kazakh Latin of 2018 writes у as ý ("Atyraý", "Kókshetaý"); elsewhere (Turkmen) ý is й,
#: as the folding reads it. A label that names no unit so is read again with ý as u.
_Y_ACUTE = re.compile("[ýÝ]")
_POSSESSIVE = re.compile(r"['’`ʼ]s\b")
#: Kazakh Latin of 2017 marks letters with an apostrophe: most fold to their bare letter as
#: the apostrophe goes ("Qarag'andy" is "Qaragandy"), but s' and c' are ш and ч: "S'ymkent"
#: is "Shymkent", as the 2018 and 2021 alphabets write it ("Shymkent", "Şymkent").
_APOSTROPHE_DIGRAPH = re.compile(r"([sc])['’`ʼ](?=[a-z])")
#: Footnote marks after a label ("Абайская область¹", "г. Шымкент*", "Г.НУР-СУЛТАН 2)"):
#: superscripts, asterisks and a number closed by a bracket never opened. They never name.
_TRAILING_MARKS = re.compile(r"(?:\s*(?:[*¹²³⁴⁵⁶⁷⁸⁹⁰⁾]+|(?<![(\d])\d{1,2}\)))+$")
#: A note in brackets closing a label: "Акмолинская область (без г. Астана)¹".
_BRACKET_NOTE = re.compile(r"^(?P<name>[^()]*\S)\s*\((?P<note>[^()]*)\)[\s*¹²³⁴⁵⁶⁷⁸⁹⁰⁾]*$")
#: Words that open a note on what a figure covers: "(без г. Астана)", "(incl. Jetisu)".
_COVERAGE_WORDS = frozenset(
    {
        *("без", "включая", "вкл", "с", "со", "кроме", "исключая", "в", "на", "до", "после"),
        *("incl", "including", "excl", "excluding", "without", "with", "since", "until"),
        *("қоса", "қосқанда", "қоспағанда", "бастап", "дейін"),
    }
)


#: Russian Cyrillic romanised as most Latin tables of Kazakhstan's regions do (BGN/PCGN,
#: without its dots): "Акмолинская" is "Akmolinskaya", "Южно-Казахстанская"
#: "Yuzhno-Kazakhstanskaya". Kazakh letters are folded to Russian ones before this.
_ROMANISE = str.maketrans(
    {
        **dict(zip("абвгдезиклмнопрстуфы", "abvgdeziklmnoprstufy", strict=True)),
        **{"ж": "zh", "й": "y", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
        **{"э": "e", "ю": "yu", "я": "ya", "ъ": "", "ь": ""},
    }
)


def _roman_key(core: str) -> str | None:
    """A Latin core folded over the choices romanisations differ in; ``None`` if not Latin.

    A Cyrillic core is romanised first, so a name of the list and a Latin label of it meet.
    Folded: "ya"/"ia"/"ja" (я), "yu"/"iu"/"ju" (ю), "y"/"i" (й, ы), "kh"/"h" (х),
    "shch"/"sch" (щ): "Aktyubinskaya", "Aktiubinskaia" and "Aktjubinskaja" meet, and so do
    "Kostanaiskaya" and "Kostanayskaya". A key is exact, never a near match.
    """
    if not core:
        return None
    if not core.isascii():
        core = core.translate(_ROMANISE)
        if not core.isascii():
            return None
    if not core.isalpha():
        return None
    core = core.replace("shch", "sh").replace("sch", "sh").replace("kh", "h")
    core = re.sub(r"[yj]e", "e", core)  # е written "ye" after ь and vowels: "Guryevskaya"
    core = re.sub(r"(?<=[a-z])[yj](?=[aueo])", "i", core)  # "ya", "ja" -> "ia"; "yu" -> "iu"
    core = re.sub(r"^[yj](?=[aueo])", "i", core)  # "Yuzhno", "Juzhno" -> "Iuzhno"
    return core.replace("y", "i")


def _coverage_note(note: str) -> bool:
    """Whether a bracketed note says what a figure covered ("без г. Астана", "с 2022 г.")
    rather than naming a place ("г. Талдыкорган", "Каратальский район"), which would make
    the label a part of the unit, not the unit."""
    words = re.findall(r"\w+", note.casefold())
    if not words:
        return False
    if words[0] in _COVERAGE_WORDS:
        return True
    tokens = set(_tokens(note))
    kinds = _REGION_TOKENS | _CITY_TOKENS | _DISTRICT_TOKENS
    return not tokens & kinds and not any(char.isalpha() and char.isupper() for char in note)


#: Row numbers before a label ("1. Акмолинская область", "12) г. Алматы").
_LEADING_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s+(?=\D)")


# --- Units ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One first-level unit (region or city), possibly historic."""

    code: str
    kind: str
    name_kk: str
    name_ru: str
    name_en: str
    aliases: tuple[str, ...] = ()
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    predecessors: tuple[str, ...] = ()

    def name(self, language: str = "en") -> str:
        """The official name in ``kk``, ``ru`` or ``en``, falling back to English when empty."""
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
        return getattr(self, f"name_{language}") or self.name_en

    def is_valid_on(self, day: dt.date) -> bool:
        """Whether the unit existed (with this code) on ``day``."""
        if isinstance(day, dt.datetime):
            day = day.date()
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)

    @property
    def is_current(self) -> bool:
        """Still exists (no end date)."""
        return self.valid_to is None

    def all_names(self) -> tuple[str, ...]:
        """Code, official names and aliases: every text that should resolve to this unit."""
        names = (self.code, self.name_kk, self.name_ru, self.name_en, *self.aliases)
        return tuple(name for name in names if name)

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class UnitFileError(ValueError):
    """A unit file that cannot be used; ``problems`` names each row and column at fault."""

    def __init__(self, problems: Iterable[str], source: str = "unit file") -> None:
        self.problems: list[str] = list(problems)
        super().__init__(
            f"{source} has {len(self.problems)} problem(s):\n"
            + "\n".join(f"- {problem}" for problem in self.problems)
        )


class Units(list[Unit]):
    """The units of a unit file, and the country it names (``country``, ``None`` if the file
    has no row of kind ``country``), which ``RegionResolver`` takes its national names from."""

    def __init__(self, units: Iterable[Unit] = (), country: Unit | None = None) -> None:
        super().__init__(units)
        self.country = country


def load_units(path: str | PathLike[str] | IO | None = None) -> Units:
    """Read a unit file (CSV, see ``UNIT_COLUMNS``); default: Kazakhstan's units.

    The file is read as statistics files are (``forecasting.readers.tables``): UTF-8,
    UTF-16 or Windows-1251, fields separated by commas, semicolons or tabs. Only
    ``REQUIRED_UNIT_COLUMNS`` must be there. Every problem in the file is collected and
    raised together as ``UnitFileError`` (rows numbered as a spreadsheet shows them, blank
    rows counted), so a file can be fixed in one pass rather than one error at a time.
    """
    from forecasting.readers.tables import has_lost_letters, sniff_delimiter

    source = str(path) if path is not None and not hasattr(path, "read") else "unit file"
    text = _read_text(DEFAULT_UNITS_PATH if path is None else path, source)
    lines = [line for line in text.splitlines() if line.strip()][:50]
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(lines)))
    numbered = [
        (number, cells)
        for number, cells in enumerate(records, start=1)
        if any(cell.strip() for cell in cells)
    ]
    header_row, header = numbered[0] if numbered else (1, [])
    header = [column.strip() for column in header]
    missing = [column for column in REQUIRED_UNIT_COLUMNS if column not in header]
    if missing:
        raise UnitFileError(
            [
                f"row {header_row}: missing column(s) {', '.join(missing)}; found: "
                + (", ".join(header) or "none")
                + f" (required: {', '.join(REQUIRED_UNIT_COLUMNS)}; optional: "
                + ", ".join(c for c in UNIT_COLUMNS if c not in REQUIRED_UNIT_COLUMNS)
                + ")"
            ],
            source,
        )
    problems: list[str] = []
    units: list[Unit] = []
    country: Unit | None = None
    country_row = 0
    rows_by_code: dict[str, int] = {}
    predecessors_by_row: list[tuple[int, str, tuple[str, ...]]] = []
    all_codes: set[str] = set()
    lost_letters: list[int] = []
    for line, cells in numbered[1:]:
        row = dict(zip(header, cells, strict=False))
        if has_lost_letters(" ".join(cells)):
            lost_letters.append(line)
        if (row.get("kind") or "").strip().lower() == COUNTRY_KIND:
            if country_row:
                problems.append(
                    f"row {line}, column kind: a second country row (the first is row "
                    f"{country_row}); a file names one country"
                )
                continue
            country_row = line
            country = _country_from_row(row, line, problems)
            continue
        code = (row.get("code") or "").strip()
        all_codes.add(code)
        predecessors_by_row.append((line, code, _split_list(row.get("predecessors") or "")))
        unit = _unit_from_row(row, line, problems)
        if unit is None:
            continue
        if unit.code in rows_by_code:
            problems.append(
                f"row {line}, column code: duplicate code {unit.code!r} "
                f"(first on row {rows_by_code[unit.code]})"
            )
            continue
        rows_by_code[unit.code] = line
        units.append(unit)
    if lost_letters:
        problems.append(
            f"row(s) {', '.join(map(str, lost_letters[:5]))}"
            + (" ..." if len(lost_letters) > 5 else "")
            + ": '?' where a letter was; the file was saved in an encoding without the "
            "country's letters (Windows-1251, Excel's \"CSV (comma delimited)\"), which "
            'replaced them: save it as "CSV UTF-8" and load it again'
        )
    if not predecessors_by_row:
        problems.append("the file has no units")
    if country is not None:
        foreign = [unit.code for unit in units if not unit.code.startswith(country.code + "-")]
        if foreign:
            problems.append(
                f"row {country_row}, column code: the country is {country.code!r}, but "
                f"{len(foreign)} unit code(s) do not begin with {country.code + '-'!r} "
                f"({', '.join(foreign[:3])})"
            )
    for line, code, predecessors in predecessors_by_row:
        for predecessor in predecessors:
            if predecessor == code:
                problems.append(f"row {line}, column predecessors: a unit cannot precede itself")
            elif predecessor not in all_codes:
                problems.append(
                    f"row {line}, column predecessors: unknown predecessor {predecessor!r}"
                )
    problems += _ambiguous_names(units, rows_by_code)
    if problems:
        raise UnitFileError(problems, source)
    return Units(units, country)


def _read_text(path: str | PathLike[str] | IO, source: str) -> str:
    from forecasting.readers.tables import decode_text

    try:
        content = path.read() if hasattr(path, "read") else Path(path).read_bytes()
    except OSError as error:
        raise UnitFileError([f"cannot read the file: {error.strerror or error}"], source) from None
    text = decode_text(content) if isinstance(content, bytes) else content
    if text is None:
        raise UnitFileError(
            [
                "the file is not UTF-8, UTF-16 or Windows-1251 text: save it from the "
                'spreadsheet as "CSV UTF-8" (a .csv file)'
            ],
            source,
        )
    return text.lstrip("\ufeff")


def _country_from_row(row: dict[str, str], line: int, problems: list[str]) -> Unit | None:
    """The row of kind ``country``: a two-letter ISO 3166-1 code and at least ``name_en``;
    no dates or predecessors (a country row names the state, it has no lineage)."""
    before = len(problems)
    cell = {column: (value or "").strip() for column, value in row.items()}
    code = cell.get("code", "")
    if not re.fullmatch(r"[A-Z]{2}", code):
        problems.append(
            f"row {line}, column code: {code!r} is no country code (the country row takes "
            "the ISO 3166-1 code its units' codes begin with, as KG for KG-B)"
        )
    if not cell.get("name_en"):
        problems.append(f"row {line}, column name_en: is empty: the country needs a name")
    for column in ("valid_from", "valid_to", "predecessors"):
        if cell.get(column):
            problems.append(f"row {line}, column {column}: a country row takes none")
    if len(problems) > before:
        return None
    return Unit(
        code=code,
        kind=COUNTRY_KIND,
        name_kk=cell.get("name_kk", ""),
        name_ru=cell.get("name_ru", ""),
        name_en=cell["name_en"],
        aliases=_split_list(cell.get("aliases", "")),
    )


def _unit_from_row(row: dict[str, str], line: int, problems: list[str]) -> Unit | None:
    def cell(column: str) -> str:
        value = row.get(column)
        return value.strip() if isinstance(value, str) else ""

    def report(column: str, message: str) -> None:
        problems.append(f"row {line}, column {column}: {message}")

    before = len(problems)
    code = cell("code")
    if not code:
        report("code", "is empty")
    kind = cell("kind").lower()
    if kind not in UNIT_KINDS:
        report(
            "kind",
            f"unknown kind {cell('kind')!r} (use {' or '.join(UNIT_KINDS)}, "
            f"or {COUNTRY_KIND} for the one row naming the country)",
        )
    if not cell("name_en"):
        report("name_en", "is empty: every unit needs at least an English name")
    dates: dict[str, dt.date | None] = {}
    for column in ("valid_from", "valid_to"):
        value = cell(column)
        try:
            dates[column] = dt.date.fromisoformat(value) if value else None
        except ValueError:
            report(column, f"{value!r} is not a date (write YYYY-MM-DD)")
            dates[column] = None
    if dates["valid_from"] and dates["valid_to"] and dates["valid_from"] > dates["valid_to"]:
        report("valid_to", "is before valid_from")
    if len(problems) > before:
        return None
    return Unit(
        code=code,
        kind=kind,
        name_kk=cell("name_kk"),
        name_ru=cell("name_ru"),
        name_en=cell("name_en"),
        aliases=_split_list(cell("aliases")),
        valid_from=dates["valid_from"],
        valid_to=dates["valid_to"],
        predecessors=_split_list(cell("predecessors")),
    )


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(LIST_SEPARATOR) if item.strip())


def _ambiguous_names(units: list[Unit], rows_by_code: dict[str, int]) -> list[str]:
    """Two units answering to the same name would make resolution a guess: refuse the file."""
    owners: dict[tuple[str, frozenset[str]], tuple[Unit, str]] = {}
    problems = []
    for unit in units:
        for text in unit.all_names():
            key = _name_key(text)
            if key is None:
                continue
            owner = owners.setdefault(key, (unit, text))
            if owner[0].code != unit.code:
                problems.append(
                    f"row {rows_by_code[unit.code]}, column aliases: {text!r} also names "
                    f"{owner[0].code} (row {rows_by_code[owner[0].code]}, as {owner[1]!r})"
                )
    return problems


# --- Name normalisation -----------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Lower-case word tokens with quotes, dashes, dots, accents, ё and Kazakh letters folded.

    Kazakh letters fold to their Russian neighbours (қ->к, ө->о...) and Latin letters typed
    inside a Cyrillic word (or the reverse) become the word's own script, so "Қарағанды",
    "Караганды" and a "KАРАГАНДЫ" typed with a Latin K all meet.
    """
    text = _LEADING_NUMBER.sub("", _TRAILING_MARKS.sub("", str(text)))
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _POSSESSIVE.sub("", text)
    text = _APOSTROPHE_DIGRAPH.sub(lambda match: match[1] + "h", text)
    text = _QUOTES.sub("", text)
    tokens = []
    for raw in _SEPARATORS.split(text):
        if not raw:
            continue
        raw = _GH.sub("g", raw.translate(_TURKIC_LATIN))  # "Qaraghandy" is "Qaragandy"
        raw = raw.replace("ngg", "ng")  # ң ғ as BGN/PCGN writes them: "Mangghystau"
        cyrillic = sum("\u0400" <= char <= "\u04ff" for char in raw)
        latin = sum("a" <= char <= "z" for char in raw)
        if cyrillic and latin:
            table = _LATIN_TO_CYRILLIC if cyrillic >= latin else _CYRILLIC_TO_LATIN
            raw = raw.translate(table)
        raw = raw.translate(_KAZAKH_TO_RUSSIAN)
        raw = "".join(
            char for char in unicodedata.normalize("NFKD", raw) if not unicodedata.combining(char)
        )
        tokens.append(raw)
    return tokens


def _word_set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(token for word in words for token in _tokens(word))


def _single_words(words: Iterable[str]) -> frozenset[str]:
    """Tokens of the one-token words (multi-token words are phrases, see ``_phrases``)."""
    return frozenset(tokens[0] for tokens in (_tokens(word) for word in words) if len(tokens) == 1)


def _phrases(words: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """Token sequences of the multi-token words ("г.а." -> ("г", "а")), longest first."""
    found = {tuple(tokens) for tokens in (_tokens(word) for word in words) if len(tokens) > 1}
    return tuple(sorted(found, key=len, reverse=True))


_REGION_TOKENS = _single_words(REGION_WORDS)
_CITY_TOKENS = _single_words(CITY_WORDS)
_FILLER_TOKENS = _single_words(FILLER_WORDS)
_DISTRICT_TOKENS = _single_words(DISTRICT_WORDS)
_STATE_TOKENS = _single_words(STATE_WORDS)
_KIND_PHRASES = tuple(
    (phrase, kind)
    for kind, words in (("region", REGION_WORDS), ("city", CITY_WORDS))
    for phrase in _phrases(words)
)


def _split_name(text: str) -> tuple[str, frozenset[str]]:
    """The core of a name (words that identify it, joined) and the kinds its affixes name."""
    core: list[str] = []
    tags: set[str] = set()
    tokens = _tokens(text)
    position = 0
    while position < len(tokens):
        for phrase, kind in _KIND_PHRASES:
            if tuple(tokens[position : position + len(phrase)]) == phrase:
                tags.add(kind)
                position += len(phrase)
                break
        else:
            token = tokens[position]
            position += 1
            if token in _REGION_TOKENS:
                tags.add("region")
            elif token in _CITY_TOKENS:
                tags.add("city")
            elif token not in _FILLER_TOKENS:
                core.append(token)
    return "".join(core), frozenset(tags)


def _name_key(text: str) -> tuple[str, frozenset[str]] | None:
    core, tags = _split_name(text)
    return (core, tags) if core else None


def _plain_key(text: str) -> str:
    return "".join(_tokens(text))


# --- Resolution ---------------------------------------------------------------------------


@dataclass
class Resolution:
    """What became of a set of region labels: resolved, national totals, unresolved."""

    resolved: dict[str, Unit] = field(default_factory=dict)
    national_totals: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    #: For each unresolved label, names it resembles (shown to people, never applied).
    suggestions: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.unresolved

    def describe_unresolved(self) -> str:
        """One line per unresolved label, with "did you mean" hints where there are any."""
        lines = []
        for text in self.unresolved:
            hint = self.suggestions.get(text)
            lines.append(f"{text!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else ""))
        return "; ".join(lines)


class RegionResolver:
    """Recognises units by code, official name, alias or old name, in kk, ru or en.

    Rules (the same for any country's file):

    1. The text is folded (case, spaces, dashes, quotes, accents, ё/е, Kazakh letters and
       look-alike Latin/Cyrillic letters) and split into a core name and its
       administrative words ("region", "область", "облысы", "city", "г.", "қаласы"...).
    2. A name or alias that matches exactly, administrative words included, wins:
       the KZ file lists bare "Almaty"/"Алматы" as aliases of the city, as statistics
       exports label it, and the region always carries a region word.
    3. Otherwise the core must belong to exactly one unit; administrative words in the
       text narrow the candidates to that kind ("Almaty city" is the city). Without them a
       unit that ended is not a candidate: its names name it as written ("Семипалатинская",
       "Семей облысы"), its bare core ("Семей") is today a town elsewhere.
    4. Anything else is unresolved. Nothing is guessed; suggestions are only text.
    """

    def __init__(
        self,
        units: Iterable[Unit],
        national_names: Iterable[str] | None = None,
    ) -> None:
        #: The country the unit file names (its row of kind ``country``), if it does.
        self.country: Unit | None = getattr(units, "country", None)
        self.units: tuple[Unit, ...] = tuple(units)
        kazakh = not self.units or any(unit.code.startswith("KZ-") for unit in self.units)
        if national_names is None:
            # The file's country row; else Kazakhstan's names for Kazakhstan's units (ISO
            # codes KZ-...); another country's national total is then recognised by "Total"
            # words and, its names unknown, by its state words ("Кыргызская Республика",
            # see ``is_national_total``).
            if self.country is not None:
                national_names = self.country.all_names()
            else:
                national_names = KAZAKHSTAN_NATIONAL_NAMES if kazakh else ()
        national_names = tuple(national_names)
        self._by_code = {unit.code: unit for unit in self.units}
        self._exact: dict[tuple[str, frozenset[str]], Unit] = {}
        # Names two units answer to (``load_units`` refuses them; units built in code may
        # still carry them): such a name resolves to nothing rather than to either unit.
        self._ambiguous: set[tuple[str, frozenset[str]]] = set()
        self._by_core: dict[str, dict[str, Unit]] = {}
        self._unit_by_core: dict[str, Unit] = {}
        # Names romanised ("Akmolinskaya oblast", "Yuzhno-Kazakhstanskaya"): core key, then
        # the kinds its words name, then the units so called. Read only for a Latin label
        # that names no unit as written.
        self._by_roman: dict[str, dict[frozenset[str], dict[str, Unit]]] = {}
        for unit in self.units:
            for text in unit.all_names():
                key = _name_key(text)
                if key is None:
                    continue
                if self._exact.setdefault(key, unit).code != unit.code:
                    self._ambiguous.add(key)
                self._by_core.setdefault(key[0], {})[unit.code] = unit
                self._unit_by_core.setdefault(key[0], unit)
                roman = _roman_key(key[0])
                if roman is not None:
                    self._by_roman.setdefault(roman, {}).setdefault(key[1], {})[unit.code] = unit
        self._total_tokens = _word_set(TOTAL_WORDS)
        self._filler = _FILLER_TOKENS | _word_set(("по", "for", "in", "в", "целом"))
        # Each name as written and without its filler words, as labels are compared:
        # "The Republic of Kazakhstan" (stat.gov.kz's English tables) is "Republic of
        # Kazakhstan".
        self._national = {key for name in national_names for key in self._name_keys(name)} - {""}
        # Beside a total word, a name without its own total words: "Всего по Кыргызской
        # Республике" is the name "Кыргызской Республике" after "всего по" ("республике" is
        # a total word, as in "Всего по республике").
        self._national_beside_total = self._national | {
            "".join(
                token
                for token in _tokens(name)
                if token not in self._total_tokens and token not in self._filler
            )
            for name in national_names
        } - {""}
        # Kazakhstan's names are never another country's total, even when that country's
        # names are unknown ("Республика Казахстан" in a Kyrgyz file is an unknown label).
        self._foreign = (
            set()
            if kazakh
            else {key for name in KAZAKHSTAN_NATIONAL_NAMES for key in self._name_keys(name)}
            - self._national
            - {""}
        )

    def _name_keys(self, name: str) -> tuple[str, str]:
        """A country name as written and without its filler words, as labels are compared."""
        return (
            _plain_key(name),
            "".join(token for token in _tokens(name) if token not in self._filler),
        )

    # Lookup -------------------------------------------------------------------------------

    def unit(self, code: str) -> Unit:
        """The unit with this exact code (``KeyError`` if there is none)."""
        return self._by_code[code]

    def resolve(self, text: object) -> Unit | None:
        """The unit a label names, or ``None`` when it names none (or more than one).

        A note in brackets after the name ("Акмолинская область (без г. Астана)",
        "Almaty region (incl. Jetisu)") says what the figure covered; the name before it
        decides, when the whole label names no unit.
        """
        if text is None or not isinstance(text, str | int):
            return None
        unit = self._resolve(str(text))
        if unit is None and isinstance(text, str) and _Y_ACUTE.search(text):
            unit = self._resolve(_Y_ACUTE.sub(lambda match: "uU"[match[0].isupper()], text))
        if unit is None and isinstance(text, str):
            note = _BRACKET_NOTE.match(text)
            if note is not None and _coverage_note(note["note"]):
                unit = self._resolve(note["name"])
            elif note is not None:
                # The unit's other name in brackets ("г. Нур-Султан (Астана)", "Астана
                # (Нур-Султан)"), as tables of the renaming years write it: both must name
                # the same unit ("Алматинская область (г. Талдыкорган)" names none).
                named = self._resolve(note["name"])
                if named is not None and self._resolve(note["note"]) is named:
                    unit = named
        return unit

    def _resolve(self, text: str) -> Unit | None:
        key = _name_key(text)
        if key is None or key in self._ambiguous:
            return None
        if key in self._exact:
            return self._exact[key]
        core, tags = key
        candidates = list(self._by_core.get(core, {}).values())
        if tags:
            candidates = [unit for unit in candidates if unit.kind in tags]
        else:
            candidates = [unit for unit in candidates if unit.is_current]
        if not candidates and core.isascii():
            return self._resolve_romanised(core, tags)
        return candidates[0] if len(candidates) == 1 else None

    def _resolve_romanised(self, core: str, tags: frozenset[str]) -> Unit | None:
        """A Latin label of a Cyrillic name ("Akmolinskaya oblast"): the same rules (an
        exact name with its kind words, else a core of one unit of the kind named), on
        romanised keys. Two units under one key resolve to nothing."""
        by_tags = self._by_roman.get(_roman_key(core) or "", {})
        exact = by_tags.get(tags, {})
        if exact:
            return next(iter(exact.values())) if len(exact) == 1 else None
        units = {code: unit for named in by_tags.values() for code, unit in named.items()}
        if tags:
            units = {code: unit for code, unit in units.items() if unit.kind in tags}
        else:
            units = {code: unit for code, unit in units.items() if unit.is_current}
        return next(iter(units.values())) if len(units) == 1 else None

    def is_national_total(self, text: object) -> bool:
        """Whether a label is the country as a whole ("Республика Казахстан", "Total"...)."""
        if not isinstance(text, str):
            return False
        tokens = _tokens(text)
        if not tokens:
            return False
        if _plain_key(text) in self._national:
            return True
        rest = [token for token in tokens if token not in self._filler]
        words = [token for token in rest if token not in self._total_tokens]
        if len(words) < len(rest) and (not words or "".join(words) in self._national_beside_total):
            return True
        if "".join(rest) in self._national:
            return True
        if self._national:
            return False  # the country's names are known: another state is no total
        if _plain_key(text) in self._foreign or "".join(rest) in self._foreign:
            return False
        # A list without the country's names: "Кыргызская Республика", "Republic of
        # Uzbekistan" name the state, unless a unit of the list is so named ("Республика
        # Каракалпакстан" is a region of Uzbekistan).
        states = [token for token in rest if token in _STATE_TOKENS]
        return bool(states) and 1 <= len(rest) - len(states) <= 2 and self.resolve(text) is None

    def resolve_all(self, texts: Iterable[object]) -> Resolution:
        """Resolve many labels at once; each distinct label is reported once, in order."""
        result = Resolution()
        for text in texts:
            label = "" if text is None else str(text)
            if label in result.resolved or label in result.national_totals:
                continue
            if label in result.unresolved:
                continue
            if self.is_national_total(label):
                result.national_totals.append(label)
                continue
            unit = self.resolve(label)
            if unit is None:
                result.unresolved.append(label)
                hints = self.suggest(label)
                if hints:
                    result.suggestions[label] = hints
            else:
                result.resolved[label] = unit
        return result

    def kind_conflict(self, text: object) -> tuple[str, tuple[Unit, ...]] | None:
        """For "г.Караганда": the kind the text names and the units of another kind it matches.

        ``None`` unless the core name belongs to units, none of them of the kind the
        administrative words name (a city within a region, written with "г.", is not a unit).
        """
        if not isinstance(text, str | int):
            return None
        key = _name_key(str(text))
        if key is None or key in self._exact or len(key[1]) != 1:
            return None
        # An ended unit is no reading of a label of the other kind: "г. Семей" is a town of
        # Abai region today, not the Semipalatinsk region that ended in 1997.
        units = tuple(unit for unit in self._by_core.get(key[0], {}).values() if unit.is_current)
        (kind,) = key[1]
        if not units or any(unit.kind == kind for unit in units):
            return None
        return kind, units

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Known names that look like ``text``, for "did you mean" messages only.

        A kind word in the text narrows them to units of that kind, as resolution does:
        "г. Алмата" suggests Almaty city only, "Акмолинский облысы" regions only.
        """
        core, tags = _split_name(text)
        if not core:
            return []
        candidates: dict[str, Unit] = {}
        for name, units in self._by_core.items():
            kept = [unit for unit in units.values() if len(tags) != 1 or unit.kind in tags]
            if kept:
                candidates[name] = kept[0]
        matches = difflib.get_close_matches(core, list(candidates), n=5 * limit, cutoff=0.75)
        labels = dict.fromkeys(str(candidates[match]) for match in matches)
        return list(labels)[:limit]

    def below_first_level(self, text: object) -> str | None:
        """For an unresolved label: "district" when it carries a district word (район,
        ауданы, district), "city" when it names a city (г., қаласы, city) and no city of
        the list is called so or like it (г. Талдыкорган inside Almaty region's block);
        otherwise ``None``. Such units are parts of a region, not units of the list."""
        if not isinstance(text, str) or not text.strip():
            return None
        if any(token in _DISTRICT_TOKENS for token in _tokens(text)):
            return "district"
        _, tags = _split_name(text)
        if tags == {"city"} and not self.suggest(text):
            return "city"
        return None

    # Lineage ------------------------------------------------------------------------------

    def successors(self, code: str) -> tuple[Unit, ...]:
        """Units that name ``code`` as a predecessor (took over or split off its territory)."""
        return tuple(unit for unit in self.units if code in unit.predecessors)

    def coverage(self, code: str, on: dt.date) -> tuple[str, ...]:
        """Codes of today's units whose territory ``code`` covered on the date ``on``.

        ``coverage("KZ-63", 2019-01-01)`` is ``("KZ-10", "KZ-63")``: East Kazakhstan before
        June 2022 included what is now Abai region. ``coverage("KZ-YUZ", ...)`` gives
        Turkistan region and Shymkent city.
        """
        unit = self.unit(code)
        covered = {code} if unit.is_current else set()
        for successor in self.successors(code):
            if successor.valid_from is None or successor.valid_from > on:
                covered.update(self.coverage(successor.code, on))
        return tuple(sorted(covered))

    def validity_warning(self, unit: Unit, start: dt.date, end: dt.date) -> str | None:
        """Why data for ``unit`` over ``start``..``end`` needs a note, or ``None`` if it does not.

        A period that straddles a change date is taken to use the new boundaries, as the
        statistics bureau publishes it (2022 figures exist for Abai, created in June 2022;
        South Kazakhstan, ended in June 2018, has none for 2018).
        """
        note = self.validity_note(unit, start, end)
        if note is None:
            return None
        kind, params = note
        if kind == "ended":
            now = ", ".join(params["now"]) or "no current unit"
            return f"{unit} ceased to exist on {params['date']}; its territory is now {now}"
        if kind == "not_yet":
            before = ", ".join(str(self.unit(code)) for code in params["before"])
            return f"{unit} exists only since {params['date']}" + (
                f"; before that it was part of {before}" if before else ""
            )
        changes = ", ".join(
            f"{self.unit(code)} (split off on {date})" for code, date in params["split_off"]
        )
        return (
            f"{unit} at that time also covered today's {changes}; "
            "values before and after the split are not comparable"
        )

    def validity_note(
        self, unit: Unit, start: dt.date, end: dt.date
    ) -> tuple[str, dict[str, Any]] | None:
        """``validity_warning`` as data: ``("ended" | "not_yet" | "split", parameters)``.

        Parameters hold unit codes and ISO dates (``unit``, ``date``, ``now``, ``before``,
        ``split_off`` as [code, date] pairs), so a caller can word the note in another
        language with the unit names of that language.
        """
        if unit.valid_to is not None and end > unit.valid_to:
            # Ended within the period or before it: a straddling period uses the new
            # boundaries (2018 figures are published for Turkistan and Shymkent).
            now = list(self.coverage(unit.code, unit.valid_to))
            return "ended", {"unit": unit.code, "date": unit.valid_to.isoformat(), "now": now}
        if unit.valid_from is not None and end < unit.valid_from:
            return "not_yet", {
                "unit": unit.code,
                "date": unit.valid_from.isoformat(),
                "before": list(unit.predecessors),
            }
        split_off = [
            [successor.code, successor.valid_from.isoformat()]  # type: ignore[union-attr]
            for successor in self.successors(unit.code)
            if successor.valid_from is not None
            and end < successor.valid_from
            and unit.is_valid_on(successor.valid_from)
        ]
        if split_off:
            return "split", {"unit": unit.code, "split_off": split_off}
        return None


@functools.cache
def default_resolver() -> RegionResolver:
    """The resolver for Kazakhstan's packaged unit file, built once per process."""
    return RegionResolver(load_units())


# --- Units that ended ----------------------------------------------------------------------


@dataclass(frozen=True)
class EndedUnit:
    """A unit left out of some periods because it had ended by their last day.

    ``periods`` of them were left out, the first being ``first``; ``now`` are the codes of
    today's units that hold its territory.
    """

    code: str
    name_en: str
    last_day: dt.date
    now: tuple[str, ...]
    periods: int
    first: str

    def message(self, what: str) -> str:
        """The English note, ``what`` saying what was left out (e.g. "forecast period(s)")."""
        return (
            f"{self.code} {self.name_en} ended on {self.last_day.isoformat()}"
            + (f" (its territory is now {', '.join(self.now)})" if self.now else "")
            + f": its {self.periods} {what} from {self.first} on are left out"
        )

    def params(self) -> dict[str, Any]:
        """The note as data (codes, ISO date, counts) for callers that word it themselves."""
        return {
            "unit": self.code,
            "date": self.last_day.isoformat(),
            "now": list(self.now),
            "periods": self.periods,
            "first": self.first,
        }


def has_ended(unit: Unit, period_end: dt.date) -> bool:
    """Whether ``unit`` no longer exists for a period ending on ``period_end``.

    The one rule used by ``forecast``, ``train``, ``score`` and the risk index: a unit has
    ended for every period that ends after its last day, including the period it ended in,
    as a straddling period uses the new boundaries (the bureau publishes 2018 for Turkistan
    region and Shymkent, none for South Kazakhstan, which ended on 2018-06-18).
    """
    return unit.valid_to is not None and period_end > unit.valid_to


def ended_rows(
    regions: Iterable[object],
    periods: Iterable[object],
    resolver: RegionResolver | None = None,
) -> tuple[list[bool], list[EndedUnit]]:
    """For parallel ``regions`` (codes) and ``periods``: which rows fall after their unit's
    end (``has_ended``), and one ``EndedUnit`` per unit with such rows.

    Codes the resolver does not know (opaque series keys, national totals) are never ended.
    ``resolver`` None uses the packaged Kazakhstan units.
    """
    import pandas as pd  # geography itself needs no pandas; periods come from frames

    resolver = resolver or default_resolver()
    regions, periods = list(regions), list(periods)
    if not any(
        code in resolver._by_code and resolver._by_code[code].valid_to is not None
        for code in {str(region) for region in regions}
    ):
        return [False] * len(regions), []
    flags: list[bool] = []
    found: dict[str, list[Any]] = {}
    ends: dict[object, dt.date] = {}
    for region, period in zip(regions, periods, strict=True):
        try:
            unit = resolver.unit(str(region))
        except KeyError:
            flags.append(False)
            continue
        if unit.valid_to is None:
            flags.append(False)
            continue
        if period not in ends:
            parsed = period if isinstance(period, pd.Period) else pd.Period(str(period))
            ends[period] = parsed.end_time.date()
        ended = has_ended(unit, ends[period])
        flags.append(ended)
        if ended:
            found.setdefault(unit.code, []).append(period)
    notes = []
    for code in sorted(found):
        unit = resolver.unit(code)
        assert unit.valid_to is not None
        left_out = list(dict.fromkeys(found[code]))
        first = min(left_out, key=lambda period: ends[period])
        notes.append(
            EndedUnit(
                code=code,
                name_en=unit.name_en,
                last_day=unit.valid_to,
                now=tuple(
                    other for other in resolver.coverage(code, unit.valid_to) if other != code
                ),
                periods=len(left_out),
                first=str(first),
            )
        )
    return flags, notes


def without_ended_units(
    frame: Any,
    resolver: RegionResolver | None = None,
    region: str = "region",
    period: str = "period",
) -> tuple[Any, list[EndedUnit]]:
    """``frame`` (a pandas frame of ``region`` codes and ``period`` values) without the rows
    of units that had ended by the period's last day, and the units left out (see
    ``ended_rows``). Used for forecasts by the CLI and the training pipeline alike."""
    if frame is None or len(frame) == 0:
        return frame, []
    flags, notes = ended_rows(frame[region], frame[period], resolver)
    if not notes:
        return frame, []
    keep = [not flag for flag in flags]
    return frame.loc[keep].reset_index(drop=True), notes
