"""XLSForm import and export for survey definitions.

Survey authors design forms in Excel with the XLSForm standard. We read the workbook with
pyxform's own backends (openpyxl for .xlsx, xlrd for .xls) and its header de-aliasing,
so every header spelling pyxform accepts works here too; then we convert the rows into a
:class:`SurveyDefinition`, checking the subset we support. Anything outside the subset is
refused by name and row, all problems at once, so the author can fix the sheet in one go.
Nothing is stored here: the caller stores the definition only when the import succeeds.

See ``docs/surveys-xlsform.md`` for the supported subset and the refusals.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import IO, Any

from babel import Locale, localedata
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from pyxform import aliases, constants
from pyxform.errors import PyXFormError
from pyxform.parsing.sheet_headers import dealias_and_group_headers
from pyxform.question import MultipleChoiceQuestion, Option
from pyxform.survey import Survey
from pyxform.xls2json import RE_BEGIN_CONTROL, RE_END_CONTROL, RE_SELECT
from pyxform.xls2json_backends import xls_to_dict, xlsx_to_dict

from webapp.surveys.definition import (
    RANGE_DEFAULTS,
    REGION_LIST_NAMES,
    Choice,
    Page,
    Question,
    SurveyDefinition,
    choice_filter_problems,
    parse_range_parameters,
    validate_definition,
)
from webapp.surveys.expressions import ExpressionError, parse, substitute_references

logger = logging.getLogger(__name__)

#: Largest upload we read; real forms are a few hundred kilobytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Most survey rows we accept (a guard against giant or runaway sheets).
MAX_SURVEY_ROWS = 5000
#: Most columns per sheet: real forms use a few dozen. Checked before pyxform reads the
#: workbook, which takes seconds per 10,000 columns (a small file could tie up a worker).
MAX_SHEET_COLUMNS = 1000
#: Rows of any other sheet (choices lists, settings), counted before the workbook is read.
MAX_SHEET_ROWS = 100_000

FALLBACK_LANGUAGE = "en"

#: Language names as survey authors write them, by code (compared case-insensitively).
LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "kk": ("kazakh", "қазақша", "қазақ", "қазақ тілі", "казахский", "казахский язык", "kaz"),
    "ru": ("russian", "русский", "русский язык", "орысша", "орыс тілі", "rus"),
    "en": ("english", "английский", "английский язык", "ағылшынша", "ағылшын тілі", "eng"),
}
#: How we write each language in exported headers, e.g. ``label::Kazakh (kk)``.
LANGUAGE_HEADERS = {"kk": "Kazakh (kk)", "ru": "Russian (ru)", "en": "English (en)"}

_LANGUAGE_BY_NAME = {name: code for code, names in LANGUAGE_NAMES.items() for name in names}
_CODE_IN_PARENTHESES = re.compile(r"\(\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\s*\)\s*$")
_BARE_CODE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")
_FILE_STEM = re.compile(r"[^A-Za-z0-9_\-.]+")

_SUPPORTED_TYPES = {
    "text": "text",
    "string": "text",
    "add text prompt": "text",
    "q string": "text",
    "integer": "integer",
    "int": "integer",
    "add integer prompt": "integer",
    "q int": "integer",
    "decimal": "decimal",
    "add decimal prompt": "decimal",
    "q decimal": "decimal",
    "date": "date",
    "add date prompt": "date",
    "q date": "date",
    "note": "note",
    "add note prompt": "note",
    "q note": "note",
    "acknowledge": "acknowledge",
    "add acknowledge prompt": "acknowledge",
    "q acknowledge": "acknowledge",
    "trigger": "acknowledge",  # the legacy name of acknowledge
    "range": "range",
}
#: pyxform's ready-made question types: a text or integer question with a built-in check
#: (pyxform's own, with regex() written as translate()), joined to the author's constraint.
_PRESET_TYPES = {
    "phone number": ("text", "translate(., '0123456789', '') = ''"),
    "number of days in last month": ("integer", "0 <= . and . <= 31"),
    "number of days in last six months": ("integer", "0 <= . and . <= 183"),
    "number of days in last year": ("integer", "0 <= . and . <= 365"),
}
#: Metadata the phone apps collect automatically; meaningless on the web, so ignored.
_METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "imei",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "start time",
    "end time",
    "get start time",
    "get end time",
    "get today",
    "device id",
    "get device id",
    "subscriber id",
    "get subscriber id",
    "sim id",
    "get sim id",
    "get phone number",
    "uri:deviceid",
    "uri:email",
    "uri:phonenumber",
    "uri:simserial",
    "uri:subscriberid",
    "uri:username",
}
#: Calculations: honoured by writing the formula where the form refers to it (not stored).
_CALCULATE_TYPES = {"calculate", "add calculate prompt", "q calculate"}
#: Metadata whose value the server knows: references to it become this expression.
_METADATA_VALUES = {"today": "today()", "get today": "today()"}
_REFUSED_TYPES = {
    **dict.fromkeys(
        (
            "image",
            "photo",
            "audio",
            "video",
            "file",
            "background-audio",
            "background-video",
            "add image prompt",
            "add photo prompt",
            "add audio prompt",
            "add video prompt",
            "add file prompt",
            "q image",
            "q picture",
            "q audio",
            "q video",
        ),
        _l("media questions (photos, audio, video, files) are not supported"),
    ),
    **dict.fromkeys(
        (
            "geopoint",
            "geotrace",
            "geoshape",
            "gps",
            "location",
            "add location prompt",
            "q geopoint",
            "q geotrace",
            "q geoshape",
            "q location",
            "background-geopoint",
            "osm",
        ),
        _l("location questions (geopoint, geotrace, geoshape) are not supported"),
    ),
    **dict.fromkeys(
        ("barcode", "add barcode prompt", "q barcode"), _l("barcode questions are not supported")
    ),
    "hidden": _l("hidden fields are not supported"),
    "xml-external": _l("external data (xml-external) is not supported"),
    "csv-external": _l("external data (csv-external) is not supported"),
    **dict.fromkeys(
        ("time", "datetime", "dateTime", "date time", "add date time prompt", "q date time"),
        _l("time and date-time questions are not supported; use a date question"),
    ),
}
#: Appearances the web renderer understands; other appearance words are dropped.
MEANINGFUL_APPEARANCES = (
    "minimal",
    "likert",
    "horizontal",
    "horizontal-compact",
    "columns",
    "multiline",
    "vertical",
    "no-ticks",
    "rating",
)
#: Of those, the ones the respondent's page draws differently, by question type; the others
#: are kept for the XLSForm export only (noted on import, unless the page draws the question
#: that way anyway, see :func:`_drawn_as_asked`).
DRAWN_APPEARANCES = {"text": ("multiline",)}


def _drawn_as_asked(word: str, question_type: str, choices: int) -> bool:
    """Whether the respondent's page shows the question as appearance ``word`` asks: a text
    box of several lines for 'multiline'; by its own rules (respond/_question.html) a single
    choice of 5 to 11 options as a scale ('likert') and one of more options than radio
    buttons are used for as a drop-down list ('minimal')."""
    from webapp.surveys.services.responding import MAX_RADIO_CHOICES

    if word in DRAWN_APPEARANCES.get(question_type, ()):
        return True
    if question_type != "select_one":
        return False
    if word == "likert":
        return 4 < choices <= min(11, MAX_RADIO_CHOICES)
    return word == "minimal" and choices > MAX_RADIO_CHOICES


#: pyxform's range parameters that only change the slider's look in ODK Collect.
_RANGE_DISPLAY_PARAMETERS = {"tick_interval", "placeholder", "tick_labelset"}
_SELECT_MULTIPLE_SPELLING = re.compile(
    r"^select[ _]multiple[ _](?:from[ _])?(?P<list>[^\s]+)$", re.IGNORECASE
)
_FUNCTION_CALL = re.compile(r"^\s*[A-Za-z_][\w:.\-]*\(.*\)\s*$", re.S)
_EXCEL_MIDNIGHT = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[ T]00:00(:00)?\s*$")
#: What a ``required`` (or another yes/no) cell may hold; authors who write their forms in
#: Kazakh or Russian type 'иә' or 'да'.
_YES = {"yes", "true", "true()", "1", "да", "иә", "ия"}
_NO = {"no", "false", "false()", "0", "нет", "жоқ"}

_SURVEY_COLUMNS = set(MultipleChoiceQuestion.get_slot_names())
_CHOICE_COLUMNS = set(Option.get_slot_names())
_SETTINGS_COLUMNS = set(Survey.get_slot_names())
#: The bind:: and body:: (control) columns the importer reads; others are noted as ignored.
_READ_SUB_COLUMNS = {
    "bind": {
        "calculate",
        "constraint",
        "jr:constraintMsg",
        "jr:requiredMsg",
        "ls:region",
        "readonly",
        "relevant",
        "required",
    },
    "control": {"appearance", "jr:count"},
}
_KNOWN_SURVEY_KEYS = {
    "disabled",
    "type",
    "name",
    "label",
    "hint",
    "bind",
    "control",
    "default",
    "choice_filter",
    "parameters",
    "media",
    "guidance_hint",
    "region",
    "trigger",
}


@dataclass(frozen=True)
class XLSFormProblem:
    """One reason an XLSForm was refused; ``row`` is the spreadsheet row number."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class XLSFormError(ValueError):
    """The XLSForm cannot be imported; ``problems`` lists every finding."""

    def __init__(self, problems: list[XLSFormProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class XLSFormImport:
    """A successful import plus notes on what was ignored (metadata, appearances...)."""

    definition: SurveyDefinition
    notes: list[str] = field(default_factory=list)


def language_code(spelling: str, default_language: str) -> str | None:
    """Map a header's language spelling to a code: 'Kazakh (kk)', 'ru', 'Русский', 'default'.

    Returns None when the spelling names no language we can identify.
    """
    text = spelling.strip()
    if not text or text.casefold() == constants.DEFAULT_LANGUAGE_VALUE:
        return default_language
    in_parentheses = _CODE_IN_PARENTHESES.search(text)
    if in_parentheses:
        return _normalise_code(in_parentheses.group(1))
    by_name = _LANGUAGE_BY_NAME.get(text.casefold()) or _language_names().get(text.casefold())
    if by_name:
        return by_name
    if _BARE_CODE.match(text) and len(text.split("-")[0]) == 2:
        return _normalise_code(text)
    return None


@functools.cache
def _language_names() -> dict[str, str]:
    """Every language's name as forms write it (``label::Arabic``, ``label::Français``,
    ``label::Арабский``), by code, from the CLDR data Babel ships: the English, Russian
    and Kazakh names, then each language's own. The first language to claim a name keeps it.
    """
    names: dict[str, str] = {}
    for language in ("en", "ru", "kk"):
        listed = Locale(language).languages
        for code, name in listed.items():
            if re.fullmatch(r"[a-z]{2,3}", code):
                names.setdefault(name.casefold(), code)
        for code, name in listed.items():  # regional names last: Dari is fa-AF
            if re.fullmatch(r"[a-z]{2,3}_[A-Za-z0-9]{2,8}", code):
                names.setdefault(name.casefold(), code.replace("_", "-"))
    for code in localedata.locale_identifiers():
        if re.fullmatch(r"[a-z]{2,3}", code):
            own = _own_language_name(code)
            if own:
                names.setdefault(own.casefold(), code)
    return names


def _own_language_name(code: str) -> str | None:
    """A language's name for itself, without keeping its locale data loaded.

    Babel caches every locale it loads for the life of the process: asking some 600 locales
    for their own names kept about 150 MB in each web worker after the first form whose
    language header is a name. The locales this call loaded are dropped again from Babel's
    caches (private, so looked up by name: where they are missing nothing is dropped and the
    names are the same).
    """
    caches = [
        cache
        for cache in (getattr(localedata, "_cache", None), getattr(localedata, "_dict_cache", None))
        if isinstance(cache, dict)
    ]
    loaded_before = [set(cache) for cache in caches]
    try:
        return Locale.parse(code).get_display_name(code)
    except (ValueError, LookupError):  # pragma: no cover - incomplete locale data
        return None
    finally:
        for cache, before in zip(caches, loaded_before, strict=True):
            for name in set(cache) - before:
                cache.pop(name, None)


def _normalise_code(code: str) -> str:
    primary, *rest = code.split("-")
    primary = _LANGUAGE_BY_NAME.get(primary.casefold(), primary.lower())
    return "-".join([primary, *rest])


# --------------------------------------------------------------------------- reading


def _read_bytes(source: str | os.PathLike[str] | bytes | IO[bytes]) -> tuple[bytes, str | None]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), None
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        try:
            size = os.path.getsize(path)
            if size > MAX_FILE_BYTES:
                raise XLSFormError([_too_big(size)])
            with open(path, "rb") as handle:
                return handle.read(), os.path.basename(path)
        except OSError as error:
            raise XLSFormError(
                [
                    XLSFormProblem(
                        None,
                        None,
                        None,
                        _("cannot open the file: %(reason)s", reason=error.strerror),
                    )
                ]
            ) from error
    data = source.read(MAX_FILE_BYTES + 1)
    if not isinstance(data, bytes | bytearray):
        raise XLSFormError([XLSFormProblem(None, None, None, _("the upload is not a binary file"))])
    return bytes(data), getattr(source, "filename", None) or getattr(source, "name", None)


def _too_big(size: int) -> XLSFormProblem:
    return XLSFormProblem(
        None,
        None,
        None,
        _(
            "the file is too large (%(size)s bytes; the limit is %(limit)s bytes)",
            size=size,
            limit=MAX_FILE_BYTES,
        ),
    )


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTION_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def _workbook_dict(data: bytes) -> dict[str, Any]:
    """Read the workbook into pyxform's sheet dicts, or explain why it cannot be read."""

    def refuse(message: str) -> XLSFormError:
        return XLSFormError([XLSFormProblem(None, None, None, message)])

    if not data:
        raise refuse(_("the file is empty"))
    if len(data) > MAX_FILE_BYTES:
        raise XLSFormError([_too_big(len(data))])
    if data.startswith(_OLE_MAGIC):
        if any(marker in data for marker in _ENCRYPTION_MARKERS):
            raise refuse(
                _("the workbook is password-protected (encrypted); save it without a password")
            )
        reader, kind = xls_to_dict, "an .xls"
    elif data.startswith(_ZIP_MAGIC):
        reader, kind = xlsx_to_dict, "an .xlsx"
        _check_xlsx_size(data)
    else:
        raise refuse(_("the file is not an Excel workbook (.xlsx or .xls)"))
    try:
        return reader(io.BytesIO(data))
    except PyXFormError as error:
        raise refuse(f"cannot read {kind} workbook: {error}") from error
    except Exception as error:
        if "encrypt" in str(error).lower():
            raise refuse(
                _("the workbook is password-protected (encrypted); save it without a password")
            ) from error
        raise refuse(f"cannot read {kind} workbook ({type(error).__name__}: {error})") from error


def _check_xlsx_size(data: bytes) -> None:
    """Refuse sheets with absurdly many columns (from the size each sheet declares) or rows
    (counted), before pyxform reads the workbook whole."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # unreadable here: pyxform reports it in its own words below
        return
    try:
        for sheet in workbook.worksheets:
            columns = getattr(sheet, "max_column", None)
            if isinstance(columns, int) and columns > MAX_SHEET_COLUMNS:
                raise XLSFormError(
                    [
                        XLSFormProblem(
                            sheet.title,
                            None,
                            None,
                            f"the sheet has {columns} columns; an XLSForm has at most "
                            f"{MAX_SHEET_COLUMNS}",
                        )
                    ]
                )
            _check_xlsx_rows(sheet)
    finally:
        workbook.close()


def _check_xlsx_rows(sheet: Any) -> None:
    """Refuse a sheet with too many rows while streaming it, before pyxform reads every row
    into memory: a 10 MB workbook of 750,000 rows took a minute and 600 MB to be refused
    by the row limit afterwards. The sheet's declared size can lie, so rows are counted."""
    limit = MAX_SURVEY_ROWS if sheet.title.strip().lower() == "survey" else MAX_SHEET_ROWS
    rows = 0
    try:
        for values in sheet.iter_rows(values_only=True):
            if any(value is not None and value != "" for value in values):
                rows += 1
                if rows > limit + 1:  # the header row, then the limit
                    break
    except Exception:  # a broken sheet: pyxform reports it in its own words below
        return
    if rows > limit + 1:
        raise XLSFormError(
            [
                XLSFormProblem(
                    sheet.title,
                    None,
                    None,
                    _("too many rows (%(rows)s; limit %(limit)s)", rows=f"> {limit}", limit=limit),
                )
            ]
        )


def read_xlsform(
    source: str | os.PathLike[str] | bytes | IO[bytes], filename: str | None = None
) -> XLSFormImport:
    """Import an XLSForm and also return notes about ignored content."""
    data, detected_name = _read_bytes(source)
    workbook = _workbook_dict(data)
    try:
        return _Importer(workbook, filename or detected_name).run()
    except XLSFormError:
        raise
    except Exception as error:  # a safety net: the author gets a message
        logger.exception("unexpected failure importing an XLSForm")
        raise XLSFormError(
            [
                XLSFormProblem(
                    None,
                    None,
                    None,
                    f"the form could not be read ({type(error).__name__}); please check its "
                    "structure against the XLSForm documentation",
                )
            ]
        ) from error


def import_xlsform(
    source: str | os.PathLike[str] | bytes | IO[bytes], filename: str | None = None
) -> SurveyDefinition:
    """Convert an XLSForm (.xlsx or .xls: path, bytes or binary file) to a definition.

    Raises :class:`XLSFormError` listing every problem found.
    """
    return read_xlsform(source, filename).definition


@dataclass
class _Row:
    number: int
    data: dict[str, Any]


@dataclass
class _Calculation:
    """A calculate row: its formula, the conditions it lives under, and where it is."""

    name: str
    formula: str
    conditions: list[str]
    row: int


class _Importer:
    def __init__(self, workbook: Mapping[str, Any], filename: str | None) -> None:
        self.workbook = workbook
        self.filename = filename
        self.problems: list[XLSFormProblem] = []
        self.notes: list[str] = []
        self.default_language = FALLBACK_LANGUAGE
        self.default_language_given = False
        self.languages: list[str] = []
        self.page_rows: dict[str, int] = {}
        self.settings_headers: tuple[tuple[str, ...], ...] = ()
        self.question_row_numbers: dict[str, int] = {}
        self.calculations: dict[str, _Calculation] = {}
        #: Metadata rows ignored on the web, by name: (type, row number).
        self.metadata: dict[str, tuple[str, int]] = {}
        #: Rows that refer to each calculation (directly or through another one).
        self.calculation_uses: dict[str, list[int]] = {}
        #: Calculations that labels and hints show, by name (resolved to questions only).
        self.label_calculations: dict[str, str] = {}
        #: The languages of each label read (sheet, row, codes), to name untranslated ones.
        self.label_languages: list[tuple[str, int, frozenset[str]]] = []
        #: Notes on ignored metadata rows (start, end, deviceid...), given after the others.
        self.metadata_notes: list[str] = []
        #: Notes on KoboToolbox's bookkeeping columns ($kuid...), given last of all.
        self.bookkeeping_notes: list[str] = []
        #: Settings problems that need not stop the other sheets being read.
        self.late_problems: list[XLSFormProblem] = []
        #: The text question that an 'or_other' select adds after itself.
        self.follow_up: Question | None = None
        #: Appearance words kept for the export that the web page does not draw, by row.
        self.undrawn_appearances: dict[int, list[str]] = {}

    # ----------------------------------------------------------------- helpers

    def problem(self, sheet: str | None, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(XLSFormProblem(sheet, row, column, message))

    def fail_if_problems(self) -> None:
        if self.problems:
            ordered = sorted(
                self.problems, key=lambda p: (_SHEET_ORDER.get(p.sheet or "", 0), p.row or 0)
            )
            raise XLSFormError(ordered)

    def dealias(
        self,
        sheet: str,
        header_aliases: Mapping[str, Any],
        columns: set[str],
        required: set[str] | None = None,
    ) -> tuple[tuple[tuple[str, ...], ...], list[_Row]]:
        headers, data = _normalise_translation_headers(
            self.workbook.get(f"{sheet}_header") or [], self.workbook.get(sheet) or []
        )
        try:
            result = dealias_and_group_headers(
                sheet_name=sheet,
                sheet_data=data,
                sheet_header=headers,
                header_aliases=dict(header_aliases),
                header_columns=columns,
                headers_required=required,
                default_language=constants.DEFAULT_LANGUAGE_VALUE,
            )
        except PyXFormError as error:
            self.problem(sheet, 1, None, str(error))
            return (), []
        rows = [
            _Row(number, dict(data))
            for number, data in enumerate(result.data, start=2)
            if any(not _blank(value) for value in data.values())
        ]
        return result.headers, rows

    def register_languages(self, headers: Iterable[tuple[str, ...]], sheet: str) -> None:
        """Collect language codes from translated headers, refusing unknown spellings."""
        seen: dict[tuple[str, ...], dict[str, str]] = {}
        for tokens in headers:
            base, spelling = _translation_parts(tokens)
            if base is None:
                continue
            code = language_code(spelling, self.default_language)
            header = "::".join(tokens)
            if code is None:
                self.problem(
                    sheet,
                    1,
                    header,
                    _(
                        "cannot tell which language %(spelling)s is; write it like "
                        "'Kazakh (kk)', 'Russian (ru)', 'English (en)' or a code such as 'kk'",
                        spelling=repr(spelling),
                    ),
                )
                continue
            other = seen.setdefault(base, {}).get(code)
            if other is not None and other != spelling:
                self.problem(
                    sheet,
                    1,
                    header,
                    f"two columns give {base[-1]} in the same language {code!r} "
                    f"({other!r} and {spelling!r})",
                )
            seen[base][code] = spelling
            if code not in self.languages:
                self.languages.append(code)

    def texts(self, value: Any, sheet: str, row: int, column: str) -> dict[str, str]:
        """A translated cell group as {code: text}; plain text goes to the default language.
        HTML tags and markdown that ODK and Kobo render are removed (with a note): the web
        pages show texts as plain text, so respondents read them as written."""
        result = self.raw_texts(value, sheet, row, column)
        if column == "label" and result:
            self.label_languages.append((sheet, row, frozenset(result)))
        plain = {code: _plain_text(text) for code, text in result.items()}
        if plain != result:
            note = _(
                "%(sheet)s row %(row)s: formatting in %(column)s (HTML tags such as <span>, "
                "markdown such as **bold**) was removed; respondents see plain text",
                sheet=sheet,
                row=row,
                column=column,
            )
            if note not in self.notes:
                self.notes.append(note)
        return plain

    def raw_texts(self, value: Any, sheet: str, row: int, column: str) -> dict[str, str]:
        if _blank(value):
            return {}
        if isinstance(value, str):
            return {self.default_language: value}
        result: dict[str, str] = {}
        plain = None
        for spelling, text in value.items():
            if _blank(text):
                continue
            if not isinstance(text, str):
                self.problem(sheet, row, column, "unexpected nested column header")
                continue
            code = language_code(spelling, self.default_language)
            if code is None:
                continue  # already reported once for the header
            if spelling == constants.DEFAULT_LANGUAGE_VALUE:
                plain = text
            else:
                result[code] = text
        if plain is not None:
            if self.default_language in result and result[self.default_language] != plain:
                self.notes.append(
                    f"{sheet} row {row}: the plain '{column}' column was ignored because a "
                    f"'{column}' column for {self.default_language!r} is also filled in"
                )
            result.setdefault(self.default_language, plain)
        return result

    # ----------------------------------------------------------------- main flow

    def run(self) -> XLSFormImport:
        sheet_names = self.workbook.get("sheet_names", [])
        for sheet_name in sheet_names if len(sheet_names) > 1 else []:
            # pyxform reads a sheet only by its exact name (in any case): 'settings ' (a space
            # typed after the name) would be skipped without a word, and its form_id, title
            # and default language lost; 'survey ' gave "no 'survey' sheet". (A workbook of
            # one sheet is read as the survey whatever its name.)
            wanted = sheet_name.strip().lower()
            if wanted != sheet_name.lower() and wanted in constants.SUPPORTED_SHEET_NAMES:
                self.problem(
                    None,
                    None,
                    None,
                    _(
                        "the sheet %(name)s has a space before or after its name, so it is "
                        "not read as the %(sheet)s sheet; rename it %(sheet)s",
                        name=repr(sheet_name),
                        sheet=repr(wanted),
                    ),
                )
        self.fail_if_problems()
        if "survey" not in self.workbook:
            names = ", ".join(repr(n) for n in self.workbook.get("sheet_names", [])) or "none"
            self.problem(
                None,
                None,
                None,
                _("the workbook has no 'survey' sheet (sheets: %(names)s)", names=names),
            )
            self.fail_if_problems()
        settings = self.read_settings()
        survey_headers, survey_rows = self.dealias(
            "survey", aliases.survey_header, _SURVEY_COLUMNS, required={"type"}
        )
        choice_headers, choice_rows = self.dealias(
            "choices", aliases.list_header, _CHOICE_COLUMNS | {"list_name"}
        )
        self.fail_if_problems()
        # Reported with the survey's own problems, so that the author sees them all at once.
        self.problems.extend(self.late_problems)
        self.refuse_unsupported_sheets()
        if not survey_rows:
            self.problem("survey", None, None, _("the survey sheet has no questions"))
        if len(survey_rows) > MAX_SURVEY_ROWS:
            self.problem(
                "survey",
                None,
                None,
                _(
                    "too many rows (%(rows)s; limit %(limit)s)",
                    rows=len(survey_rows),
                    limit=MAX_SURVEY_ROWS,
                ),
            )
            self.fail_if_problems()
        self.register_languages(survey_headers, "survey")
        self.register_languages(choice_headers, "choices")
        self.register_languages(self.settings_headers, "settings")
        self.check_columns(survey_headers, "survey", _KNOWN_SURVEY_KEYS)
        allow_duplicates = settings.get(constants.ALLOW_CHOICE_DUPLICATES, "").lower() in _YES
        choice_lists = self.read_choices(choice_rows, allow_duplicates)
        pages = self.read_survey(survey_rows, choice_lists)
        self.fail_if_problems()
        self.note_undrawn_appearances()
        if self.default_language not in self.languages:
            if (
                self.languages
                and not self.default_language_given
                and not _has_text_in(self.default_language, pages, choice_lists, settings)
            ):
                # No column is in the fallback language (only label::Portuguese (pt-BR)...):
                # the form's own language is its default, as if default_language said so.
                # Before, English was added with no text and the form passed for English.
                self.default_language = next(
                    (code for code in self.languages if code in LANGUAGE_HEADERS),
                    self.languages[0],
                )
            else:
                self.languages.append(self.default_language)
        self.note_untranslated_labels()
        title = settings.pop("__title__")
        form_id = settings.pop("__form_id__")
        definition = SurveyDefinition(
            form_id=form_id,
            title=title or {self.default_language: form_id},
            languages=list(self.languages),
            default_language=self.default_language,
            pages=pages,
            choice_lists=choice_lists,
            settings=settings,
            calculations=self.label_calculations,
        )
        remaining = validate_definition(definition)
        if remaining:
            raise XLSFormError([self.locate(text) for text in remaining])
        # The phone metadata a Kobo or ODK form carries by habit (start, end, deviceid...)
        # and Kobo's bookkeeping columns are noted last: the upload page shows the first
        # notes only, and these matter least.
        notes = self.notes + self.metadata_notes + self.bookkeeping_notes
        return XLSFormImport(definition, notes)

    def locate(self, message: str) -> XLSFormProblem:
        """Attach the survey row to a definition-level problem about one question.

        The definition names the question (or setting) of each problem beside its text,
        which is in the analyst's language; a plain English text is read as before."""
        question = getattr(message, "question", None)
        if question is None:
            match = re.match(r"^question '([^']+)'", message)
            question = match.group(1) if match else None
        if question in self.question_row_numbers:
            column = getattr(message, "column", None)
            return XLSFormProblem(
                "survey", self.question_row_numbers[question], column, str(message)
            )
        setting = getattr(message, "setting", None)
        if setting is None and message.startswith("settings."):
            setting = message.split()[0].split(".", 1)[1]
        if setting is not None:
            return XLSFormProblem("settings", 2, setting, str(message))
        return XLSFormProblem(None, None, None, str(message))

    def read_settings(self) -> dict[str, Any]:
        headers, rows = self.dealias("settings", aliases.settings_header, _SETTINGS_COLUMNS)
        row = rows[0].data if rows else {}
        raw_default = row.pop(constants.DEFAULT_LANGUAGE_KEY, None)
        if isinstance(raw_default, str) and raw_default.strip():
            code = language_code(raw_default, FALLBACK_LANGUAGE)
            if code is None:
                self.problem(
                    "settings",
                    2,
                    "default_language",
                    _(
                        "cannot tell which language %(spelling)s is; write e.g. 'kk' or "
                        "'Kazakh (kk)'",
                        spelling=repr(raw_default),
                    ),
                )
            else:
                self.default_language = code
                self.default_language_given = True
        self.settings_headers = headers
        title_value = row.pop(constants.TITLE, None)
        title = self.texts(title_value, "settings", 2, "form_title")
        form_id = row.pop(constants.ID_STRING, None) or row.pop("form_id", None)
        if not isinstance(form_id, str) or not form_id.strip():
            stem = os.path.splitext(os.path.basename(self.filename or ""))[0]
            form_id = _FILE_STEM.sub("_", stem).strip("_.-") or "survey"
            if not form_id[0].isalpha():
                form_id = f"form_{form_id}"
        elif not _NAME_PATTERN.match(form_id.strip()):
            # Said here, on its cell; the definition's own check cannot tell where it was.
            # Reported with the survey's problems (it does not stop the sheets being read).
            self.late_problems.append(
                XLSFormProblem("settings", 2, "form_id", _name_rule(form_id.strip(), form_id=True))
            )
        settings: dict[str, Any] = {"__title__": title, "__form_id__": form_id.strip()}
        for key, value in row.items():
            if _blank(value):
                continue
            if not isinstance(value, str):
                self.problem("settings", 2, key, _("translated settings other than form_title"))
                continue
            settings[key.strip().lower()] = value.strip()
        for key, where in (
            ("public_key", _l("responses are not encrypted with this key")),
            ("submission_url", _l("responses are sent to this platform only")),
        ):
            if key in settings:
                self.notes.append(
                    _(
                        "settings: %(setting)s was ignored; %(reason)s",
                        setting=key,
                        reason=where,
                    )
                )
        region = settings.get("region")
        if region is not None:
            settings["region"] = region.upper()
        return settings

    def refuse_unsupported_sheets(self) -> None:
        for sheet, reason in (
            ("external_choices", _("external choices are not supported; list them in 'choices'")),
            ("entities", _("entities are not supported")),
            ("osm", _("OpenStreetMap questions are not supported")),
        ):
            if any(
                any(not _blank(v) for v in row.values()) for row in self.workbook.get(sheet) or []
            ):
                self.problem(sheet, None, None, reason)

    def check_columns(
        self, headers: Iterable[tuple[str, ...]], sheet: str, known: set[str]
    ) -> None:
        for tokens in headers:
            head = tokens[0]
            if sheet == "survey" and len(tokens) == 2 and head in _READ_SUB_COLUMNS:
                # bind::jr:preload, body::accuracyThreshold...: read only where named below.
                if tokens[1] in _READ_SUB_COLUMNS[head]:
                    continue
                self.notes.append(
                    _(
                        "%(sheet)s sheet: column '%(column)s' was ignored",
                        sheet=sheet,
                        column=f"{'body' if head == 'control' else head}::{tokens[1]}",
                    )
                )
                continue
            if head in known or head.lower() in known:
                continue
            # KoboToolbox's bookkeeping ($kuid, $autoname, kobo--score-choices) is no form
            # content: noted last. Any other column may be a misspelt one: noted in order.
            kobo = head.startswith(("$", "kobo--"))
            (self.bookkeeping_notes if kobo else self.notes).append(
                _(
                    "%(sheet)s sheet: column '%(column)s' was ignored",
                    sheet=sheet,
                    column="::".join(tokens),
                )
            )

    # ----------------------------------------------------------------- choices

    def read_choices(
        self, rows: list[_Row], allow_duplicates: bool = False
    ) -> dict[str, list[Choice]]:
        """The choice lists by name. Names must be unique in a list even where the settings
        say ``allow_choice_duplicates: yes``: answers are stored, counted and labelled by
        choice name, so two choices of one name would be one answer in the results."""
        lists: dict[str, list[Choice]] = {}
        seen: dict[tuple[str, str], int] = {}
        bookkeeping: set[str] = set()
        bad_lists: set[str] = set()
        for row in rows:
            data = row.data
            list_name = data.pop("list_name", None) or data.pop(constants.LIST_NAME_S, None)
            name = data.pop("name", None)
            if _blank(list_name):
                self.problem("choices", row.number, "list_name", _("the choice has no list_name"))
                continue
            if _blank(name):
                self.problem(
                    "choices",
                    row.number,
                    "name",
                    _("a choice in list %(list)s has no name", list=repr(list_name)),
                )
                continue
            list_name, name = str(list_name).strip(), str(name).strip()
            if not _NAME_PATTERN.match(list_name) and list_name not in bad_lists:
                bad_lists.add(list_name)
                self.problem(
                    "choices",
                    row.number,
                    "list_name",
                    _name_rule(list_name),
                )
            if (list_name, name) in seen:
                if allow_duplicates:
                    message = _(
                        "the choice %(name)s appears twice in list %(list)s (first on row "
                        "%(first)s). The setting allow_choice_duplicates cannot be honoured "
                        "here: answers are stored and counted by choice name, so the results "
                        "could not tell the two choices apart. Give each choice its own name "
                        "(e.g. %(other)s)",
                        name=repr(name),
                        list=repr(list_name),
                        first=seen[list_name, name],
                        other=repr(f"{name}_2"),
                    )
                else:
                    message = _(
                        "the choice %(name)s appears twice in list %(list)s "
                        "(first on row %(first)s)",
                        name=repr(name),
                        list=repr(list_name),
                        first=seen[list_name, name],
                    )
                self.problem("choices", row.number, "name", message)
                continue
            seen[list_name, name] = row.number
            if any(ch.isspace() for ch in name):
                self.problem(
                    "choices",
                    row.number,
                    "name",
                    _(
                        "the choice name %(name)s contains a space; use a code like 'a_b'",
                        name=repr(name),
                    ),
                )
            label = self.texts(data.pop("label", None), "choices", row.number, "label")
            for piped in sorted({n for text in label.values() for n in _PIPED.findall(text)}):
                self.problem(
                    "choices",
                    row.number,
                    "label",
                    _(
                        "${%(name)s} in a choice label is not supported: answers are not "
                        "inserted into choices, so respondents would read '${%(name)s}'; "
                        "write the choice's own text",
                        name=piped,
                    ),
                )
            self.check_media("choices", row.number, data.pop("media", None))
            filters: dict[str, str] = {}
            for column, value in data.items():
                if column.startswith("$"):
                    # KoboToolbox's own bookkeeping ($kuid, $autovalue): not form content.
                    bookkeeping.add(column)
                    continue
                if _blank(value):
                    continue
                if not isinstance(value, str):
                    self.notes.append(
                        _(
                            "choices row %(row)s: column '%(column)s' was ignored",
                            row=row.number,
                            column=column,
                        )
                    )
                    continue
                filters[column] = value
            lists.setdefault(list_name, []).append(Choice(name=name, label=label, filters=filters))
        for column in sorted(bookkeeping):
            self.bookkeeping_notes.append(
                _(
                    "%(sheet)s sheet: column '%(column)s' was ignored",
                    sheet="choices",
                    column=column,
                )
            )
        return lists

    # ----------------------------------------------------------------- survey

    def read_survey(
        self,
        rows: list[_Row],
        choice_lists: dict[str, list[Choice]],
    ) -> list[Page]:
        pages: list[Page] = []
        # Each open group: (name, row number, relevant); the first one is the page.
        stack: list[tuple[str, int, str | None]] = []
        current_page: dict[str, Any] | None = None
        loose_count = 0
        used_names: dict[str, int] = {}
        #: The first name of each spelling up to case: 'Age' for 'age'.
        folded_names: dict[str, str] = {}
        question_rows: list[tuple[Question, _Row]] = []

        def claim(name: str, row: _Row, column: str = "name") -> None:
            if name in used_names:
                self.problem(
                    "survey",
                    row.number,
                    column,
                    _(
                        "the name %(name)s is used twice (first on row %(first)s)",
                        name=repr(name),
                        first=used_names[name],
                    ),
                )
                return
            used_names[name] = row.number
            other = folded_names.setdefault(name.casefold(), name)
            if other != name:
                # Allowed, as in pyxform (a warning there): names are case-sensitive, and
                # answers are stored by name, so 'Age' and 'age' are kept apart.
                self.notes.append(
                    _(
                        "survey row %(row)s: the name %(name)s differs from %(other)s (row "
                        "%(first)s) only in case; their answers are kept apart, but some "
                        "analysis tools (SPSS, Excel lookups) treat such names as one, so "
                        "consider renaming one of them",
                        row=row.number,
                        name=repr(name),
                        other=repr(other),
                        first=used_names[other],
                    )
                )

        def close_page() -> None:
            nonlocal current_page
            if current_page is not None:
                if not current_page["questions"]:
                    self.problem(
                        "survey",
                        current_page["row"],
                        "type",
                        _(
                            "group %(name)s contains no questions",
                            name=repr(current_page["name"]),
                        ),
                    )
                self.page_rows[current_page["name"]] = current_page["row"]
                pages.append(
                    Page(
                        name=current_page["name"],
                        label=current_page["label"],
                        relevant=current_page["relevant"],
                        questions=current_page["questions"],
                    )
                )
            current_page = None

        for row in rows:
            data = row.data
            disabled = data.pop("disabled", None)
            if not _blank(disabled) and str(disabled).strip().lower() in _YES:
                # pyxform leaves such rows out of the form (a deprecated column, still used).
                self.notes.append(
                    _(
                        "survey row %(row)s: the row is disabled (column 'disabled') and was "
                        "left out of the form",
                        row=row.number,
                    )
                )
                continue
            raw_type = data.get("type")
            if _blank(raw_type):
                if _blank(data.get("name")):
                    continue
                self.problem("survey", row.number, "type", _("the row has a name but no type"))
                continue
            type_text = " ".join(str(raw_type).split())
            lowered = type_text.lower()
            begin = RE_BEGIN_CONTROL.match(lowered)
            end = RE_END_CONTROL.match(lowered)
            if begin or end:
                control = aliases.control[(begin or end).group("type")]
                if control != constants.GROUP:
                    if begin:
                        self.problem(
                            "survey",
                            row.number,
                            "type",
                            _(
                                "'%(type)s': repeats and loops are not supported; "
                                "a survey is answered once per respondent",
                                type=type_text,
                            ),
                        )
                    continue
                if begin:
                    name = self.row_name(row, "group")
                    relevant = self.expression(
                        row, data.get("bind", {}).get("relevant"), "relevant"
                    )
                    if name:
                        claim(name, row)
                    if not stack:
                        close_page()
                        current_page = {
                            "name": name or f"group_row_{row.number}",
                            "label": self.texts(data.get("label"), "survey", row.number, "label"),
                            "relevant": relevant,
                            "questions": [],
                            "row": row.number,
                        }
                    elif not _blank(data.get("label")):
                        self.notes.append(
                            _(
                                "survey row %(row)s: the nested group %(name)s is merged "
                                "into its page; its label is not shown",
                                row=row.number,
                                name=repr(name),
                            )
                        )
                    stack.append((name or "", row.number, relevant))
                else:
                    if not stack:
                        self.problem(
                            "survey",
                            row.number,
                            "type",
                            _("'%(type)s' without a matching begin", type=type_text),
                        )
                        continue
                    stack.pop()
                    if not stack:
                        close_page()
                continue

            if lowered in _CALCULATE_TYPES:
                name = self.read_calculation(row, [relevant for _name, _row, relevant in stack])
                if name:
                    claim(name, row)
                continue
            self.follow_up = None
            read = self.read_question(row, type_text, choice_lists)
            if read is None:
                continue
            nested = [relevant for _name, _row, relevant in stack[1:] if relevant]
            for question in (read, self.follow_up):
                if question is None:
                    continue
                claim(question.name, row)
                if nested:
                    question = _with_relevant(question, [*nested, question.relevant])
                if current_page is None:
                    loose_count += 1
                    current_page = {
                        "name": "",
                        "label": {},
                        "relevant": None,
                        "questions": [],
                        "row": row.number,
                        "loose": loose_count,
                    }
                current_page["questions"].append(question)
                question_rows.append((question, row))
                self.question_row_numbers.setdefault(question.name, row.number)
        for name, number, _relevant in stack:
            self.problem(
                "survey",
                number,
                "type",
                _("group %(name)s is never closed (end group)", name=repr(name)),
            )
        close_page()

        pages = self.name_loose_pages(pages, set(used_names))
        pages, question_rows = self.inline_calculations(pages, question_rows)
        pages, question_rows = self.choice_label_lookups(pages, question_rows)
        self.note_unknown_piping(pages, question_rows)
        self.check_references(pages, question_rows, choice_lists)
        return pages

    # ----------------------------------------------------------------- calculations

    def read_calculation(self, row: _Row, conditions: list[str | None]) -> str | None:
        """Record a calculate row; its formula is written where the form refers to it.

        The formula is checked only when something refers to it: an unused calculation
        (an instance id, a start time...) is never evaluated, so it is ignored with a note.
        """
        name = self.row_name(row, "calculation")
        bind = row.data.get("bind") or {}
        if not isinstance(bind, dict):
            bind = {}
        formula = "" if _blank(bind.get("calculate")) else str(bind.get("calculate")).strip()
        formula = self.without_regex(formula, row.number)
        relevant = "" if _blank(bind.get("relevant")) else str(bind.get("relevant")).strip()
        if name:
            self.calculations[name] = _Calculation(
                name, formula, [c for c in [*conditions, relevant] if c], row.number
            )
        return name

    def calculation_problem(self, calculation: _Calculation) -> str | None:
        """Why a calculation cannot be written into an expression, or None."""
        if not calculation.formula:
            return _("the calculate row has no formula (calculation column)")
        for part in [calculation.formula, *calculation.conditions]:
            try:
                expression = parse(part)
            except ExpressionError as error:
                return _path_problem(part) or _(
                    "%(problem)s in %(text)s", problem=str(error), text=repr(part)
                )
            if expression.uses_current:
                return _("'.' cannot be used in a calculation (%(text)s)", text=repr(part))
            if expression.columns:
                return _(
                    "unknown name(s) %(names)s in %(text)s; refer to questions as ${name}",
                    names=sorted(expression.columns),
                    text=repr(part),
                )
        return None

    def calculation_resolver(self, names: set[str]) -> Any:
        """A function giving each calculation (or 'today' metadata) as one expression.

        Calculations are resolved only when referred to; a broken one is reported once,
        on its own row, and resolves to None.
        """
        resolved: dict[str, str | None] = {
            name: _METADATA_VALUES[kind]
            for name, (kind, _row) in self.metadata.items()
            if kind in _METADATA_VALUES
        }
        resolving: list[str] = []

        def resolve(name: str) -> str | None:
            if name in resolved:
                return resolved[name]
            calculation = self.calculations[name]
            if name in resolving:
                cycle = " -> ".join([*resolving[resolving.index(name) :], name])
                self.problem(
                    "survey",
                    calculation.row,
                    "calculation",
                    _(
                        "the calculation %(name)s depends on itself (%(cycle)s)",
                        name=repr(name),
                        cycle=cycle,
                    ),
                )
                resolved[name] = None
                return None
            problem = self.calculation_problem(calculation)
            if problem is not None:
                self.problem("survey", calculation.row, "calculation", problem)
                resolved[name] = None
                return None
            resolving.append(name)
            inner: dict[str, str] = {}
            broken = False
            for part in [calculation.formula, *calculation.conditions]:
                for reference in sorted(parse(part).references):
                    if reference in self.calculations or reference in resolved:
                        self.calculation_uses.setdefault(reference, []).append(calculation.row)
                        value = resolve(reference)
                        if value is None:
                            broken = True
                        else:
                            inner[reference] = value
                    elif reference not in names:
                        broken = True
                        self.problem(
                            "survey",
                            calculation.row,
                            "calculation",
                            self.unknown_reference(reference),
                        )
            resolving.pop()
            if broken:
                resolved.setdefault(name, None)
                return resolved[name]
            formula = substitute_references(calculation.formula, inner)
            conditions = [substitute_references(c, inner) for c in calculation.conditions]
            if conditions:
                condition = " and ".join(f"({c})" for c in conditions)
                resolved[name] = f"if({condition}, ({formula}), '')"
            else:
                resolved[name] = f"({formula})"
            return resolved[name]

        return resolve

    def unknown_reference(self, reference: str) -> str:
        if reference in self.metadata:
            kind, row = self.metadata[reference]
            return _(
                "refers to ${%(name)s}, the '%(kind)s' metadata field on row %(row)s, which "
                "is not collected on the web",
                name=reference,
                kind=kind,
                row=row,
            )
        return _("refers to unknown question ${%(name)s}", name=reference)

    def inline_calculations(
        self, pages: list[Page], question_rows: list[tuple[Question, _Row]]
    ) -> tuple[list[Page], list[tuple[Question, _Row]]]:
        """Write each calculate's formula where ${name} appears (calculates are not stored)."""
        if not self.calculations and not self.metadata:
            return pages, question_rows
        names = {question.name for question, _row in question_rows}
        resolve = self.calculation_resolver(names)
        replaceable = set(self.calculations) | {
            name for name, (kind, _row) in self.metadata.items() if kind in _METADATA_VALUES
        }
        used = self.calculation_uses

        def rewrite(text: str | None, row: int | None, column: str) -> str | None:
            if not text:
                return text
            try:
                references = parse(text).references
            except ExpressionError:
                return text  # already reported
            wanted: dict[str, str] = {}
            for name in sorted(references & replaceable):
                used.setdefault(name, []).append(row or 0)
                value = resolve(name)
                if value is None:
                    return text  # the calculation's own row says why
                wanted[name] = value
            if not wanted:
                return text
            rewritten = substitute_references(text, wanted)
            try:
                parse(rewritten)
            except ExpressionError as error:
                listed = ", ".join(f"${{{name}}}" for name in wanted)
                self.problem(
                    "survey",
                    row,
                    column,
                    _(
                        "with %(names)s written in, the expression cannot be used: %(problem)s",
                        names=listed,
                        problem=str(error),
                    ),
                )
                return text
            return rewritten

        new_rows: list[tuple[Question, _Row]] = []
        rewritten_questions: dict[str, Question] = {}
        for question, row in question_rows:
            new = replace(
                question,
                relevant=rewrite(question.relevant, row.number, "relevant"),
                constraint=rewrite(question.constraint, row.number, "constraint"),
                choice_filter=rewrite(question.choice_filter, row.number, "choice_filter"),
            )
            rewritten_questions[question.name] = new
            new_rows.append((new, row))
        new_pages = [
            replace(
                page,
                relevant=rewrite(page.relevant, self.page_rows.get(page.name), "relevant"),
                questions=[rewritten_questions[q.name] for q in page.questions],
            )
            for page in pages
        ]
        new_pages, new_rows = self.choice_name_aliases(new_pages, new_rows, used)
        for (name, row), _value in self.shown_references(new_pages, new_rows).items():
            if name not in replaceable:
                continue
            before = len(self.problems)
            value = resolve(name)
            if value is not None:
                used.setdefault(name, []).append(row)
                self.label_calculations[name] = _unwrapped(value)
                continue
            # A calculation only shown in a label does not block the form: the label shows
            # ${name} as written, and a note says why.
            for problem in self.problems[before:]:
                self.notes.append(
                    _(
                        "survey row %(row)s: ${%(name)s} in the label is shown as written: "
                        "row %(calculation_row)s %(problem)s",
                        row=row,
                        name=name,
                        calculation_row=problem.row,
                        problem=problem.message,
                    )
                )
            del self.problems[before:]
        for name, calculation in self.calculations.items():
            rows = sorted(set(used.get(name, [])))
            if rows:
                self.notes.append(
                    _(
                        "survey row %(row)s: calculate '%(name)s' is not stored with "
                        "responses; its formula is used where ${%(name)s} appears (rows "
                        "%(rows)s)",
                        row=calculation.row,
                        name=name,
                        rows=", ".join(str(r) for r in rows),
                    )
                )
            else:
                self.notes.append(
                    _(
                        "survey row %(row)s: calculate '%(name)s' is not used by any "
                        "relevant, constraint or choice_filter and was ignored (calculated "
                        "values are not stored)",
                        row=calculation.row,
                        name=name,
                    )
                )
        return new_pages, new_rows

    def choice_name_aliases(
        self,
        pages: list[Page],
        question_rows: list[tuple[Question, _Row]],
        used: dict[str, list[int]],
    ) -> tuple[list[Page], list[tuple[Question, _Row]]]:
        """``calculate x = jr:choice-name(${q}, '${q}')`` shown in a label as ``${x}`` (Kobo's
        way to show a choice's label) becomes ``${q}`` there: a select's answer is shown as
        its choice label in the respondent's language already."""
        selects = {question.name for question, _row in question_rows if question.is_select}
        aliases: dict[str, str] = {}
        for name, calculation in self.calculations.items():
            match = _CHOICE_NAME_OF_ANSWER.fullmatch(calculation.formula)
            if match and match.group(1) == match.group(2) and match.group(1) in selects:
                aliases[name] = match.group(1)
        if not aliases:
            return pages, question_rows

        def swap(texts: Mapping[str, str], row: int) -> dict[str, str]:
            result = {}
            for code, text in texts.items():
                for name in set(_PIPED.findall(text)) & set(aliases):
                    used.setdefault(name, []).append(row)
                    text = text.replace(f"${{{name}}}", f"${{{aliases[name]}}}")
                result[code] = text
            return result

        swapped = {
            question.name: replace(
                question,
                label=swap(question.label, row.number),
                hint=swap(question.hint, row.number),
            )
            for question, row in question_rows
        }
        new_pages = [
            replace(
                page,
                label=swap(page.label, self.page_rows.get(page.name, 0)),
                questions=[swapped[q.name] for q in page.questions],
            )
            for page in pages
        ]
        return new_pages, [(swapped[question.name], row) for question, row in question_rows]

    def choice_label_lookups(
        self, pages: list[Page], question_rows: list[tuple[Question, _Row]]
    ) -> tuple[list[Page], list[tuple[Question, _Row]]]:
        """``instance('list')/root/item[name = ${q}]/label`` in a label (pyxform's way to show
        the label of the choice picked in ``q``) becomes ``${q}``: a select's answer is shown
        as its choice label in the respondent's language. Any other ``instance()`` lookup
        in a label is refused on its row (it would be shown as written)."""
        texts = [page.label for page in pages] + [
            texts for question, _row in question_rows for texts in (question.label, question.hint)
        ]
        if not any("instance(" in text for by_language in texts for text in by_language.values()):
            return pages, question_rows
        lists = {
            question.name: question.choice_list
            for question, _row in question_rows
            if question.is_select
        }

        def swap(texts: Mapping[str, str], row: int, column: str) -> dict[str, str]:
            result = {}
            for code, text in texts.items():
                if "instance(" not in text:
                    result[code] = text
                    continue

                def replace_lookup(match: re.Match[str]) -> str:
                    if lists.get(match.group("question")) == match.group("list"):
                        return f"${{{match.group('question')}}}"
                    return match.group(0)

                text = _CHOICE_LABEL_LOOKUP.sub(replace_lookup, text)
                for lookup in _INSTANCE_CALL.findall(text):
                    self.problem(
                        "survey",
                        row,
                        column,
                        _(
                            "%(lookup)s...: lookups in choice lists are not supported in labels "
                            "and would be shown as written; to show the choice picked in a "
                            "question, write ${name} of that question",
                            lookup=lookup,
                        ),
                    )
                result[code] = text
            return result

        # By object, not name: a name used twice is reported elsewhere, both rows kept.
        swapped = {
            id(question): replace(
                question,
                label=swap(question.label, row.number, "label"),
                hint=swap(question.hint, row.number, "hint"),
            )
            for question, row in question_rows
        }
        new_pages = [
            replace(
                page,
                label=swap(page.label, self.page_rows.get(page.name, 0), "label"),
                questions=[swapped.get(id(q), q) for q in page.questions],
            )
            for page in pages
        ]
        return new_pages, [(swapped[id(question)], row) for question, row in question_rows]

    def shown_references(
        self, pages: list[Page], question_rows: list[tuple[Question, _Row]]
    ) -> dict[tuple[str, int], None]:
        """``${name}`` written in labels and hints (shown with the answer or calculation),
        with the row of each, in order."""
        found: dict[tuple[str, int], None] = {}
        texts: list[tuple[Mapping[str, str], int]] = [
            (page.label, self.page_rows.get(page.name, 0)) for page in pages
        ]
        for question, row in question_rows:
            texts.extend([(question.label, row.number), (question.hint, row.number)])
        for by_language, row_number in texts:
            for text in by_language.values():
                for name in _PIPED.findall(text):
                    found[name, row_number] = None
        return found

    def note_unknown_piping(
        self, pages: list[Page], question_rows: list[tuple[Question, _Row]]
    ) -> None:
        """A ``${name}`` in a label that is no question or calculation is shown as written."""
        known = {question.name for question, _row in question_rows} | set(self.calculations)
        for name, row in self.shown_references(pages, question_rows):
            if name not in known:
                self.notes.append(
                    _(
                        "survey row %(row)s: ${%(name)s} in the label is not a question or "
                        "calculation of the form and is shown as written",
                        row=row,
                        name=name,
                    )
                )

    def name_loose_pages(self, pages: list[Page], taken: set[str]) -> list[Page]:
        """Questions outside groups become pages named page_1, page_2... (avoiding clashes)."""
        named = []
        counter = 0
        for page in pages:
            if page.name:
                named.append(page)
                continue
            counter += 1
            name = f"page_{counter}"
            while name in taken:
                name = f"{name}_"
            taken.add(name)
            named.append(Page(name=name, label={}, relevant=None, questions=page.questions))
        return named

    def row_name(self, row: _Row, what: str) -> str | None:
        name = row.data.get("name")
        if _blank(name):
            missing = {
                "group": _("the group has no name"),
                "question": _("the question has no name"),
                "calculation": _("the calculation has no name"),
            }
            self.problem("survey", row.number, "name", missing[what])
            return None
        name = str(name).strip()
        if not _NAME_PATTERN.match(name):
            self.problem(
                "survey",
                row.number,
                "name",
                _name_rule(name),
            )
            return None
        return name

    def without_regex(self, text: str, row: int) -> str:
        """``text`` with each regex() we can say without a regular expression rewritten,
        noted with what it became (other regex() calls stay, to be refused by name)."""
        rewritten = _rewrite_regex(text)
        if rewritten != text:
            self.notes.append(
                _(
                    "survey row %(row)s: %(text)s is checked as %(rewritten)s (regular "
                    "expressions are not run on the server)",
                    row=row,
                    text=repr(text),
                    rewritten=repr(rewritten),
                )
            )
        return rewritten

    def expression(
        self, row: _Row, text: Any, column: str, allow_current: bool = False
    ) -> str | None:
        """Parse an expression cell; problems name the row and column."""
        if _blank(text):
            return None
        text = self.without_regex(str(text).strip(), row.number)
        try:
            expression = parse(text)
        except ExpressionError as error:
            self.problem(
                "survey",
                row.number,
                column,
                _path_problem(text)
                or _("%(problem)s in %(text)s", problem=str(error), text=repr(text)),
            )
            return text
        if expression.uses_current and not allow_current:
            self.problem("survey", row.number, column, _("'.' may only be used in a constraint"))
        if expression.columns and column != "choice_filter":
            self.problem(
                "survey",
                row.number,
                column,
                _(
                    "unknown name(s) %(names)s; refer to questions as ${name}",
                    names=sorted(expression.columns),
                ),
            )
        return text

    def read_question(
        self, row: _Row, type_text: str, choice_lists: Mapping[str, list[Choice]]
    ) -> Question | None:
        data = row.data
        number = row.number
        lowered = type_text.lower()
        # Match the command case-insensitively but keep the list name as written.
        select = RE_SELECT.match(lowered)
        list_name = None
        if select and len(lowered) == len(type_text):
            list_name = type_text[select.start("list_name") : select.end("list_name")]
        elif select:
            list_name = select.group("list_name")
        choice_list = None
        preset_constraint = None
        specify_other = False
        if lowered in _METADATA_TYPES:
            raw_name = data.get("name")
            meta_name = lowered if _blank(raw_name) else str(raw_name).strip()
            self.metadata[meta_name] = (lowered, number)
            if lowered in _METADATA_VALUES and _NAME_PATTERN.match(meta_name):
                note = _(
                    "survey row %(row)s: metadata field '%(type)s' is not collected on the web "
                    "and was ignored; ${%(name)s} in expressions reads today's date",
                    row=number,
                    type=type_text,
                    name=meta_name,
                )
            else:
                note = _(
                    "survey row %(row)s: metadata field '%(type)s' is not collected on the web "
                    "and was ignored",
                    row=number,
                    type=type_text,
                )
            self.metadata_notes.append(note)
            return None
        if select:
            command = select.group("select_command").lower()
            if command in aliases.select_from_file:
                self.problem(
                    "survey",
                    number,
                    "type",
                    _(
                        "'%(type)s': choices from external files are not supported; "
                        "list the choices in the 'choices' sheet",
                        type=type_text,
                    ),
                )
                return None
            kind = aliases.select[command]
            if list_name and list_name.startswith("${"):
                # pyxform's choices from previous answers: the answers to a repeat's question.
                self.problem(
                    "survey",
                    number,
                    "type",
                    _(
                        "'%(type)s': choices taken from the answers to %(reference)s are not "
                        "supported; list the choices in the 'choices' sheet",
                        type=type_text,
                        reference=list_name,
                    ),
                )
                return None
            if kind == constants.SELECT_ONE_EXTERNAL:
                self.problem("survey", number, "type", _("select_one_external is not supported"))
                return None
            if kind == constants.RANK:
                self.problem("survey", number, "type", _("rank questions are not supported"))
                return None
            question_type = "select_one" if kind == constants.SELECT_ONE else "select_multiple"
            choice_list = list_name
            if select.group("specify_other"):
                specify_other = True
                if _has_value(data.get("choice_filter")):
                    self.problem(
                        "survey",
                        number,
                        "choice_filter",
                        _("a choice_filter cannot be used with 'or_other'"),
                    )
        elif lowered in _SUPPORTED_TYPES:
            question_type = _SUPPORTED_TYPES[lowered]
        elif lowered in _PRESET_TYPES:
            question_type, preset_constraint = _PRESET_TYPES[lowered]
        elif reason := (
            _REFUSED_TYPES.get(lowered)
            or _REFUSED_TYPES.get(type_text)
            or _REFUSED_TYPES.get(lowered.split()[0])  # 'osm LIST' names its tag list
        ):
            self.problem("survey", number, "type", f"'{type_text}': {reason}")
            return None
        elif lowered.split()[0] in ("rank", "select_one_from_file", "select_multiple_from_file"):
            self.problem("survey", number, "type", _("'%(type)s' is not supported", type=type_text))
            return None
        elif spelled := _SELECT_MULTIPLE_SPELLING.match(type_text):
            # 'select multiple fruits' reads like 'select one fruits' but is no XLSForm type.
            self.problem(
                "survey",
                number,
                "type",
                _(
                    "unsupported question type '%(type)s'; write 'select_multiple %(list)s' "
                    "or 'select all that apply from %(list)s'",
                    type=type_text,
                    list=spelled.group("list"),
                ),
            )
            return None
        elif aliases.select.get(" ".join(lowered.split())) in (
            constants.SELECT_ONE,
            constants.SELECT_ALL_THAT_APPLY,
        ):
            # 'select_one' alone, its list in a column of its own (a list_name column).
            listed = data.get("list_name")
            self.problem(
                "survey",
                number,
                "type",
                _(
                    "'%(type)s' needs the name of its choice list after it: write "
                    "'%(type)s %(list)s'",
                    type=type_text,
                    list=str(listed).strip() if _has_value(listed) else "LIST",
                ),
            )
            return None
        else:
            self.problem(
                "survey",
                number,
                "type",
                _(
                    "unsupported question type '%(type)s'; supported: text, integer, decimal, "
                    "select_one, select_multiple, date, note, acknowledge, range",
                    type=type_text,
                ),
            )
            return None

        name = self.row_name(row, "question")
        bind = data.get("bind") or {}
        control = data.get("control") or {}
        if not isinstance(bind, dict):
            bind = {}
        if not isinstance(control, dict):
            control = {}
        self.refuse_unsupported_columns(row, bind, control)
        if _has_value(data.get("guidance_hint")):
            self.notes.append(
                _(
                    "survey row %(row)s: guidance_hint is not shown to respondents on the web",
                    row=number,
                )
            )

        required = self.flag(row, bind.get("required"), "required")
        region = self.flag(row, data.get("region"), "region") or self.flag(
            row, bind.get("ls:region"), "bind::ls:region"
        )
        if question_type == "select_one" and choice_list in REGION_LIST_NAMES:
            region = True
        if region and question_type != "select_one":
            self.problem(
                "survey",
                number,
                "region",
                _("only a select_one question can be the region question"),
            )
        if choice_list is not None and choice_list not in choice_lists and not region:
            self.problem(
                "survey",
                number,
                "type",
                _(
                    "the choice list %(list)s does not exist or has no choices in the "
                    "'choices' sheet",
                    list=repr(choice_list),
                ),
            )
        appearance = self.appearance(row, control.get("appearance"))
        undrawn = [
            word
            for word in (appearance or "").split()
            if not _drawn_as_asked(
                word, question_type, len(choice_lists.get(choice_list or "", []))
            )
        ]
        if undrawn:
            self.undrawn_appearances[number] = undrawn
        parameters = self.parameters(row, data.get("parameters"), question_type)
        default = data.get("default")
        if not _blank(default) and "${" in str(default):
            self.problem("survey", number, "default", _("dynamic defaults are not supported"))
        elif not _blank(default) and _FUNCTION_CALL.match(str(default)):
            self.problem(
                "survey",
                number,
                "default",
                _(
                    "dynamic defaults such as %(default)s are not supported; "
                    "leave the default empty or write a fixed value",
                    default=repr(str(default).strip()),
                ),
            )
        elif question_type == "date" and _EXCEL_MIDNIGHT.match(str(default or "")):
            # Excel turns a typed 2024-01-05 into a date cell, read back with a time.
            default = str(default).strip()[:10]
        if name is None:
            return None
        label = self.texts(data.get("label"), "survey", number, "label")
        hint = self.texts(data.get("hint"), "survey", number, "hint")
        if not label and not hint:
            self.notes.append(
                _(
                    "survey row %(row)s: the question %(name)s has no label or hint; "
                    "respondents see an answer field with no text",
                    row=number,
                    name=repr(name),
                )
            )
        question = Question(
            name=name,
            type=question_type,
            label=label,
            hint=hint,
            required=required,
            required_message=self.texts(
                bind.get("jr:requiredMsg"), "survey", number, "required_message"
            ),
            relevant=self.expression(row, bind.get("relevant"), "relevant"),
            constraint=_joined(
                preset_constraint,
                self.expression(row, bind.get("constraint"), "constraint", allow_current=True),
            ),
            constraint_message=self.texts(
                bind.get("jr:constraintMsg"), "survey", number, "constraint_message"
            ),
            default=None if _blank(default) else str(default).strip(),
            choice_list=choice_list,
            choice_filter=self.constant_filter_dropped(
                row, self.expression(row, data.get("choice_filter"), "choice_filter")
            ),
            parameters=parameters,
            appearance=appearance,
            region=region,
        )
        if specify_other and choice_list in choice_lists:
            self.add_other(question, choice_lists[choice_list], number)
        return question

    def constant_filter_dropped(self, row: _Row, choice_filter: str | None) -> str | None:
        """A choice_filter that keeps every choice whatever the answers (``true()``, which
        pyxform's own tests use to ask for a dynamic list) is left out, with a note."""
        if choice_filter is None:
            return None
        try:
            expression = parse(choice_filter)
            if (
                expression.columns
                or expression.references
                or expression.uses_current
                or "today" in choice_filter  # changes from day to day
            ):
                return choice_filter
            keeps_all = expression.evaluate_bool({})
        except ExpressionError:
            return choice_filter
        if not keeps_all:
            return choice_filter  # refused by the definition's own check, naming the row
        self.notes.append(
            _(
                "survey row %(row)s: choice_filter %(filter)s keeps every choice and was left out",
                row=row.number,
                filter=repr(choice_filter),
            )
        )
        return None

    def note_untranslated_labels(self) -> None:
        """One note per sheet and respondent language naming the rows whose label is written
        in other languages but not in that one: respondents answering in it read those in
        another language (ODK Collect would show '-'), which an author wants to know."""
        for sheet in ("survey", "choices"):
            for code in self.languages:
                if code not in LANGUAGE_HEADERS:
                    continue  # not offered to respondents; noted elsewhere
                rows = [
                    row
                    for label_sheet, row, codes in self.label_languages
                    if label_sheet == sheet and code not in codes
                ]
                if not rows:
                    continue
                shown = ", ".join(str(row) for row in rows[:_MOST_ROWS_NAMED])
                if len(rows) > _MOST_ROWS_NAMED:
                    shown += ", …"
                self.notes.append(
                    _(
                        "%(sheet)s rows %(rows)s: no label in %(language)s; respondents "
                        "answering in %(language)s read these in another of the form's languages",
                        sheet=sheet,
                        rows=shown,
                        language=code,
                    )
                )

    def add_other(self, question: Question, choices: list[Choice], row: int) -> None:
        """'select_one list or_other', as pyxform reads it: the list gains an 'other'
        choice (unless it has one) and a text question NAME_other follows the select,
        shown when 'other' is selected."""
        languages = sorted({code for choice in choices for code in choice.label}) or [
            self.default_language
        ]
        if not any(choice.name == "other" for choice in choices):
            choices.append(Choice(name="other", label=_in_languages(_l("Other"), languages)))
        name = f"{question.name}_other"
        self.follow_up = Question(
            name=name,
            type="text",
            label=_in_languages(_l("Specify other."), languages),
            relevant=f"selected(${{{question.name}}}, 'other')",
        )
        self.notes.append(
            _(
                "survey row %(row)s: 'or_other' adds the choice 'other' to list %(list)s and "
                "the text question %(name)s, shown when 'other' is selected",
                row=row,
                list=repr(question.choice_list),
                name=repr(name),
            )
        )

    def refuse_unsupported_columns(self, row: _Row, bind: dict, control: dict) -> None:
        data = row.data
        self.check_media("survey", row.number, data.get("media"))
        if not _blank(bind.get("calculate")):
            self.problem("survey", row.number, "calculation", _("calculations are not supported"))
        if not _blank(data.get("trigger")):
            self.problem("survey", row.number, "trigger", _("triggers are not supported"))
        if not _blank(bind.get("readonly")) and bind.get("readonly").strip().lower() in _YES:
            self.problem(
                "survey", row.number, "read_only", _("read-only questions are not supported")
            )
        if not _blank(control.get("jr:count")):
            self.problem("survey", row.number, "repeat_count", _("repeats are not supported"))

    def check_media(self, sheet: str, row: int, value: Any) -> None:
        """Refuse media files (``media::image``, ``image``, ``audio``...), naming each
        column as written: respondents here would not see or hear them. A plain ``media``
        column names no media type, so pyxform drops it and ODK shows nothing: it is
        ignored with a note, as nothing the author wrote is lost."""
        if _blank(value):
            return
        if isinstance(value, str):
            self.notes.append(
                _(
                    "%(sheet)s row %(row)s: column 'media' was ignored: without a media type "
                    "(media::image, media::audio, media::video) it is not an XLSForm media "
                    "column, so ODK does not show %(file)s either; this platform does not "
                    "support media",
                    sheet=sheet,
                    row=row,
                    file=repr(value.strip()),
                )
            )
            return
        for kind, cells in value.items():
            by_language = cells if isinstance(cells, dict) else {None: cells}
            for language, text in by_language.items():
                if _blank(text):
                    continue
                column = self.media_header(sheet, kind, language)
                if kind.lower() in constants.SUPPORTED_MEDIA_TYPES:
                    message = _(
                        "media file %(file)s: images, audio and video are not supported, so "
                        "respondents would not see or hear it; remove it from this column",
                        file=repr(str(text).strip()),
                    )
                else:
                    message = _(
                        "%(column)s is not an XLSForm media column (those are media::image, "
                        "media::big-image, media::audio, media::video), and media are not "
                        "supported here",
                        column=repr(column),
                    )
                self.problem(sheet, row, column, message)

    def media_header(self, sheet: str, kind: str, language: str | None) -> str:
        """The header of a media column as the author wrote it (``image``,
        ``media::image::English (en)``), found among the sheet's headers."""
        for header in (self.workbook.get(f"{sheet}_header") or [{}])[0]:
            parts = [part.strip() for part in re.split(r"::?", str(header))]
            if parts and parts[0].lower() == "media":
                parts = parts[1:]
            if (
                parts
                and parts[0].lower() == kind.lower()
                and (language is None or parts[1:] == [language])
                and (language is not None or len(parts) == 1)
            ):
                return str(header).strip()
        return "::".join(["media", kind, *([language] if language else [])])

    def flag(self, row: _Row, value: Any, column: str) -> bool:
        if _blank(value):
            return False
        text = str(value).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        self.problem(
            "survey",
            row.number,
            column,
            _(
                "%(value)s is not yes/no; conditional %(column)s expressions are not supported",
                value=repr(value),
                column=column,
            ),
        )
        return False

    def note_undrawn_appearances(self) -> None:
        """One note for the appearance words kept that change nothing on the web."""
        from webapp.surveys.services.responding import MAX_RADIO_CHOICES

        if not self.undrawn_appearances:
            return
        words = sorted({word for found in self.undrawn_appearances.values() for word in found})
        self.notes.append(
            _(
                "survey rows %(rows)s: appearance %(words)s is kept for the XLSForm export, but "
                "the web page does not draw these questions that way: it shows a single choice "
                "of 5 to 11 options as a scale and one of more than %(most)s as a drop-down "
                "list, whatever the appearance, and only 'multiline' changes a text question",
                rows=", ".join(str(number) for number in sorted(self.undrawn_appearances)),
                words=", ".join(f"'{word}'" for word in words),
                most=MAX_RADIO_CHOICES,
            )
        )

    def appearance(self, row: _Row, value: Any) -> str | None:
        if _blank(value):
            return None
        words = str(value).split()
        if any(word.startswith("search(") or "search(" in word for word in words):
            self.problem(
                "survey",
                row.number,
                "appearance",
                _("search() appearances (choices from external files) are not supported"),
            )
            return None
        kept = [word for word in words if word.lower() in MEANINGFUL_APPEARANCES]
        dropped = [word for word in words if word.lower() not in MEANINGFUL_APPEARANCES]
        if dropped:
            self.notes.append(
                _(
                    "survey row %(row)s: appearance %(words)s was ignored",
                    row=row.number,
                    words=dropped,
                )
            )
        return " ".join(word.lower() for word in kept) or None

    def parameters(self, row: _Row, value: Any, question_type: str) -> dict[str, str]:
        if question_type != "range":
            if not _blank(value):
                given = " ".join(str(value).split())
                if re.search(r"randomize\s*=\s*(true|yes|1)", given, re.IGNORECASE):
                    note = _(
                        "survey row %(row)s: parameters %(parameters)s were ignored; choices "
                        "are not shuffled but shown in the order of the choices sheet",
                        row=row.number,
                        parameters=repr(given),
                    )
                else:
                    note = _(
                        "survey row %(row)s: parameters %(parameters)s were ignored",
                        row=row.number,
                        parameters=repr(given),
                    )
                self.notes.append(note)
            return {}
        parsed: dict[str, str] = {}
        text = "" if _blank(value) else str(value)
        # 'start = 1 , end = 10': pyxform allows spaces around '=' as well as between pairs.
        text = re.sub(r"\s*=\s*", "=", text)
        for item in re.split(r"[\s;,]+", text.strip()):
            if not item:
                continue
            key, sep, raw = item.partition("=")
            key = key.strip().lower()
            if sep and key in _RANGE_DISPLAY_PARAMETERS:
                # How ODK Collect draws the slider; the web shows buttons or a number field.
                self.notes.append(
                    _(
                        "survey row %(row)s: range parameter %(item)s was ignored; it only "
                        "changes how the phone app draws the slider",
                        row=row.number,
                        item=repr(item),
                    )
                )
                continue
            if not sep or key not in RANGE_DEFAULTS:
                self.problem(
                    "survey",
                    row.number,
                    "parameters",
                    _(
                        "%(item)s is not a range parameter; write e.g. 'start=1 end=5 step=1'",
                        item=repr(item),
                    ),
                )
                continue
            parsed[key] = raw.strip()
        merged = {**RANGE_DEFAULTS, **parsed}
        try:
            parse_range_parameters(merged)
        except ValueError as error:
            self.problem("survey", row.number, "parameters", str(error))
        return merged

    # ----------------------------------------------------------------- cross checks

    def check_references(
        self,
        pages: list[Page],
        question_rows: list[tuple[Question, _Row]],
        choice_lists: dict[str, list[Choice]],
    ) -> None:
        # A broken calculation is reported on its own row, not again where it is used.
        names = {question.name for question, _row in question_rows} | set(self.calculations)
        for question, row in question_rows:
            for column in ("relevant", "constraint"):
                text = getattr(question, column)
                if text is None:
                    continue
                try:
                    references = parse(text).references
                except ExpressionError:
                    continue  # already reported
                for reference in sorted(references - names):
                    self.problem("survey", row.number, column, self.unknown_reference(reference))
                if column == "relevant" and question.name in references:
                    # Hidden until answered, never answered while hidden (ODK calls it a cycle).
                    self.problem(
                        "survey",
                        row.number,
                        column,
                        _(
                            "the question is shown only when its own answer ${%(name)s} says "
                            "so, so it can never be shown",
                            name=question.name,
                        ),
                    )
            if question.choice_filter is not None:
                stub = SurveyDefinition(
                    form_id="x",
                    title={},
                    languages=[],
                    default_language="",
                    pages=[],
                    choice_lists=choice_lists,
                )
                try:
                    parse(question.choice_filter)
                except ExpressionError:
                    continue
                for message in choice_filter_problems(stub, question, names, ""):
                    self.problem("survey", row.number, "choice_filter", message.strip())
        for page in pages:
            if page.relevant is None:
                continue
            try:
                references = parse(page.relevant).references
            except ExpressionError:
                continue
            for reference in sorted(references - names):
                self.problem(
                    "survey",
                    self.page_rows.get(page.name),
                    "relevant",
                    f"group {page.name!r} {self.unknown_reference(reference)}",
                )
        used_lists = {question.choice_list for question, _row in question_rows}
        for list_name in sorted(set(choice_lists) - used_lists):
            self.notes.append(
                _("choices: list %(list)s is not used by any question", list=repr(list_name))
            )


_SHEET_ORDER = {"": 0, "settings": 1, "survey": 2, "choices": 3}
_TRANSLATABLE_BASES = {
    "label",
    "hint",
    "guidance_hint",
    "constraint_message",
    "required_message",
    "form_title",
    "title",
    "image",
    "audio",
    "video",
    "big-image",
}


def _normalise_translation_headers(
    header_rows: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Let 'label:Russian' and 'label::ru' be mixed in one sheet.

    pyxform splits headers on '::' when any header uses it, else on ':'; a sheet that
    mixes both would silently lose its single-colon columns. We rewrite the single-colon
    spelling of translatable columns to '::' so both spellings work together.
    """
    if not header_rows:
        return header_rows, rows
    renames: dict[str, str] = {}
    for header in header_rows[0]:
        if "::" in header or ":" not in header:
            continue
        base, _, rest = header.partition(":")
        if "_".join(base.split()).lower() in _TRANSLATABLE_BASES and rest.strip():
            renames[header] = f"{base.strip()}::{rest.strip()}"
    if not renames:
        return header_rows, rows
    new_headers = [{renames.get(key, key): value for key, value in header_rows[0].items()}]
    new_rows = [{renames.get(key, key): value for key, value in row.items()} for row in rows]
    return new_headers, new_rows


def _in_languages(message: Any, languages: Iterable[str]) -> dict[str, str]:
    """A lazy message in each of the form's languages (English where we have none)."""
    texts = {}
    for code in languages:
        try:
            with force_locale(code.replace("-", "_")):
                texts[code] = str(message)
        except (ValueError, LookupError):  # a code Babel cannot parse: the English text
            texts[code] = message._args[0] if hasattr(message, "_args") else str(message)
    return texts


#: regex(value, 'pattern') as forms write it, with the value '.' or one reference.
_REGEX_CALL = re.compile(
    r"""regex\(\s*(\.|\$\{[A-Za-z_][\w.\-]*\})\s*,\s*(?:'([^']*)'|"([^"]*)")\s*\)"""
)
_REGEX_ESCAPES = {"d": "0123456789", "s": " ", ".": ".", "-": "-", "+": "+", "(": "(", ")": ")"}
_MOST_CLASS_CHARACTERS = 200
#: Rows named in one note; the rest are summed up as '…'.
_MOST_ROWS_NAMED = 12


def _regex_class(pattern: str, index: int) -> tuple[str, int] | None:
    """The characters of ``[...]`` or ``\\d`` at ``index`` and the index after it."""
    if pattern.startswith("\\", index):
        chars = _REGEX_ESCAPES.get(pattern[index + 1 : index + 2])
        return (chars, index + 2) if chars == "0123456789" else None
    if not pattern.startswith("[", index) or pattern.startswith("[^", index):
        return None
    chars: list[str] = []
    position = index + 1
    while position < len(pattern) and pattern[position] != "]":
        char = pattern[position]
        if char == "\\":
            escaped = _REGEX_ESCAPES.get(pattern[position + 1 : position + 2])
            if escaped is None:
                return None
            chars.extend(escaped)
            position += 2
            continue
        if pattern[position + 1 : position + 2] == "-" and pattern[
            position + 2 : position + 3
        ] not in (
            "]",
            "",
        ):
            last = pattern[position + 2]
            if ord(last) < ord(char) or ord(last) - ord(char) > _MOST_CLASS_CHARACTERS:
                return None
            chars.extend(chr(code) for code in range(ord(char), ord(last) + 1))
            position += 3
            continue
        chars.append(char)
        position += 1
    if position >= len(pattern) or not chars:
        return None
    return "".join(dict.fromkeys(chars)), position + 1


def _regex_as_expression(value: str, pattern: str) -> str | None:
    """An anchored pattern of a fixed prefix and one character class with a count
    (``^[0-9]{10}$``, ``^7\\d{10}$``, ``^[A-Z]{2}[0-9]*$`` is not one) as an expression of
    starts-with(), string-length() and translate(); None for any other pattern."""
    if not (pattern.startswith("^") and pattern.endswith("$")) or pattern.endswith("\\$"):
        return None
    body = pattern[1:-1]
    prefix = ""
    index = 0
    while index < len(body):
        if body[index] == "\\" and body[index + 1 : index + 2] in ("+", ".", "-", "(", ")"):
            prefix += body[index + 1]  # an escaped sign written as itself: ^\+7
            index += 2
        elif (body[index].isalnum() and body[index].isascii()) or body[index] in " _:/@-":
            prefix += body[index]
            index += 1
        else:
            break
    found = _regex_class(body, index)
    if found is None:
        return None
    chars, index = found
    rest = body[index:]
    counts = re.fullmatch(r"\{(\d{1,4})(?:(,)(\d{1,4})?)?\}|([+*?]?)", rest)
    if counts is None:
        return None
    if counts.group(1) is not None:
        low = int(counts.group(1))
        high = int(counts.group(3)) if counts.group(3) else (None if counts.group(2) else low)
    else:
        low, high = {"": (1, 1), "+": (1, None), "*": (0, None), "?": (0, 1)}[counts.group(4)]
    if high is not None and high < low:
        return None
    quote = "'" if "'" not in chars + prefix else '"'
    if quote in chars + prefix:
        return None
    start = len(prefix)
    parts = [f"starts-with({value}, {quote}{prefix}{quote})"] if prefix else []
    if high == low:
        parts.append(f"string-length({value}) = {start + low}")
    else:
        if start + low:
            parts.append(f"string-length({value}) >= {start + low}")
        if high is not None:
            parts.append(f"string-length({value}) <= {start + high}")
    rest_of_value = f"substr({value}, {start})" if start else value
    parts.append(f"translate({rest_of_value}, {quote}{chars}{quote}, '') = ''")
    return "(" + " and ".join(parts) + ")"


def _rewrite_regex(text: str) -> str:
    """Each regex() call the grammar can say without a regular expression, rewritten."""

    def rewrite(match: re.Match[str]) -> str:
        pattern = match.group(2) if match.group(2) is not None else match.group(3)
        return _regex_as_expression(match.group(1), pattern) or match.group(0)

    return _REGEX_CALL.sub(rewrite, text)


#: An XPath path to a question (/data/group/name, ../name) as older forms write them.
_XPATH_PATH = re.compile(r"(?:\.\.|\.)?(?:/[A-Za-z_][\w.\-]*)+")


def _name_rule(name: str, form_id: bool = False) -> str:
    """Why ``name`` is no valid name. Names (pyxform's XML names) are kept to Latin letters
    here; one written in another alphabet ('блок1') is told so, since its letters are
    letters all the same."""
    if any(character.isalpha() and not character.isascii() for character in name):
        if form_id:
            return _(
                "form_id %(value)s has letters outside A-Z: write it in Latin letters, digits, "
                "'_', '-' and '.' (labels and the form title may use any alphabet)",
                value=repr(name),
            )
        return _(
            "the name %(name)s has letters outside A-Z: write names in Latin letters, digits, "
            "'_', '-' and '.' (labels may use any alphabet)",
            name=repr(name),
        )
    if form_id:
        return _(
            "form_id %(value)s must start with a letter and use only letters, digits, "
            "'_', '-' and '.'",
            value=repr(name),
        )
    return _(
        "the name %(name)s must start with a letter and use only letters, digits, '_', '-' or '.'",
        name=repr(name),
    )


def _path_problem(text: str) -> str | None:
    """Why an expression with an XPath path is refused, naming the ${...} to write."""
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", lambda m: " " * len(m.group(0)), text)
    match = _XPATH_PATH.search(unquoted)
    if match is None:
        return None
    path = text[match.start() : match.end()]
    return _(
        "XPath paths such as %(path)s are not supported; refer to the question as ${%(name)s}",
        path=repr(path),
        name=path.rsplit("/", 1)[-1],
    )


_CHOICE_NAME_OF_ANSWER = re.compile(
    r"""\s*jr:choice-name\(\s*\$\{([A-Za-z_][\w.\-]*)\}\s*,\s*['"]\s*\$\{([A-Za-z_][\w.\-]*)\}\s*['"]\s*\)\s*"""
)
_PIPED = re.compile(r"\$\{([A-Za-z_][\w.\-]*)\}")
#: pyxform's way to show the label of the choice picked in a select, written in a label.
_CHOICE_LABEL_LOOKUP = re.compile(
    r"instance\(\s*(['\"])(?P<list>[^'\"]+)\1\s*\)\s*/\s*root\s*/\s*item\s*"
    r"\[\s*name\s*=\s*\$\{(?P<question>[A-Za-z_][\w.\-]*)\}\s*\]\s*/\s*label"
)
_INSTANCE_CALL = re.compile(r"instance\(\s*['\"][^'\"]*['\"]\s*\)")


def _unwrapped(text: str) -> str:
    """``(formula)`` without the parentheses that enclose it whole (kept otherwise)."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    quote = None
    for index, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and index != len(text) - 1:
                return text
    return text[1:-1]


def _joined(first: str | None, second: str | None) -> str | None:
    """Two conditions that must both hold (either may be missing)."""
    if first and second:
        return f"({first}) and ({second})"
    return first or second


def _with_relevant(question: Question, conditions: list[str | None]) -> Question:
    """Fold the relevance of nested groups into the question (groups are flattened)."""
    parts = [condition for condition in conditions if condition]
    combined = parts[0] if len(parts) == 1 else " and ".join(f"({part})" for part in parts)
    data = question.to_dict()
    data["relevant"] = combined
    return Question(**data)


def _translation_parts(tokens: tuple[str, ...]) -> tuple[tuple[str, ...] | None, str]:
    """For a header like ('bind', 'jr:constraintMsg', 'ru') return (base, language)."""
    if tokens[0] in ("label", "hint", "title") and len(tokens) == 2:
        return tokens[:1], tokens[1]
    if (
        tokens[0] == "bind"
        and len(tokens) == 3
        and tokens[1]
        in (
            "jr:constraintMsg",
            "jr:requiredMsg",
        )
    ):
        return tokens[:2], tokens[2]
    return None, ""


#: Formatting that ODK Collect and Kobo render in labels; the web pages show plain text.
_HTML_TAG = re.compile(
    r"</?(?:span|font|b|i|u|s|strong|em|mark|small|big|center|p|div|h[1-6])(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_MARKDOWN_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.S)
_MARKDOWN_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
#: _emphasis_ as ODK Collect renders it; never inside a name (snake_case, _private_var).
_MARKDOWN_ITALIC_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")
_MARKDOWN_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://[^()\s]+)\)")


def _plain_text(text: str) -> str:
    """``text`` without the HTML tags and markdown a phone app would render."""
    if not any(mark in text for mark in "<*_#["):
        return text
    plain = _HTML_BREAK.sub("\n", text)
    plain = _HTML_TAG.sub("", plain)
    plain = _MARKDOWN_LINK.sub(r"\1 (\2)", plain)
    plain = _MARKDOWN_BOLD.sub(r"\2", plain)
    plain = _MARKDOWN_ITALIC.sub(r"\1", plain)
    plain = _MARKDOWN_ITALIC_UNDERSCORE.sub(r"\1", plain)
    plain = _MARKDOWN_HEADING.sub("", plain)
    return plain.strip() if plain != text else text


def _has_text_in(
    code: str, pages: list[Page], choice_lists: Mapping[str, list[Choice]], settings: Mapping
) -> bool:
    """Whether any text of the form (a plain column included) is in language ``code``."""
    texts: list[Mapping[str, str]] = [settings.get("__title__") or {}]
    for page in pages:
        texts.append(page.label)
        for question in page.questions:
            texts += [
                question.label,
                question.hint,
                question.required_message,
                question.constraint_message,
            ]
    texts += [choice.label for choices in choice_lists.values() for choice in choices]
    return any(text.get(code) for text in texts)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, dict):
        return all(_blank(item) for item in value.values())
    return False


def _has_value(value: Any) -> bool:
    return not _blank(value)


# --------------------------------------------------------------------------- export

_SURVEY_TRANSLATED = ("label", "hint", "required_message", "constraint_message")


def _language_header(code: str) -> str:
    """``Kazakh (kk)``, ``Arabic (ar)``: the name authors read, the code the importer reads."""
    if code in LANGUAGE_HEADERS:
        return LANGUAGE_HEADERS[code]
    name = Locale("en").languages.get(code.replace("-", "_")) or Locale("en").languages.get(
        code.split("-")[0]
    )
    return f"{name} ({code})" if name and "(" not in name and ")" not in name else code


def export_xlsform(definition: SurveyDefinition) -> bytes:
    """Write the definition as an .xlsx XLSForm that :func:`import_xlsform` reads back equal."""
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    languages = list(definition.languages)
    header = ["type", "name"]
    for column in _SURVEY_TRANSLATED:
        header.extend(f"{column}::{_language_header(code)}" for code in languages)
    header.extend(
        [
            "required",
            "relevant",
            "constraint",
            "default",
            "choice_filter",
            "appearance",
            "parameters",
            "region",
        ]
    )
    if definition.calculations:
        header.append("calculation")
    survey.append(header)
    # Calculations first, outside any group (a group's condition would be added to them).
    for name, formula in definition.calculations.items():
        _append(survey, ["calculate", name, *([None] * (len(header) - 3)), formula])

    def translated(texts: Mapping[str, str]) -> list[str | None]:
        return [texts.get(code) for code in languages]

    for page in definition.pages:
        group_row = ["begin_group", page.name, *translated(page.label)]
        group_row.extend([None] * (len(languages) * 3))
        group_row.extend([None, page.relevant])
        _append(survey, group_row)
        for question in page.questions:
            if question.is_select:
                type_text = f"{question.type} {question.choice_list}"
            else:
                type_text = question.type
            row: list[Any] = [type_text, question.name]
            for column in _SURVEY_TRANSLATED:
                row.extend(translated(getattr(question, column)))
            parameters = None
            if question.type == "range":
                merged = {**RANGE_DEFAULTS, **question.parameters}
                parameters = " ".join(f"{key}={merged[key]}" for key in ("start", "end", "step"))
            row.extend(
                [
                    "yes" if question.required else None,
                    question.relevant,
                    question.constraint,
                    question.default,
                    question.choice_filter,
                    question.appearance,
                    parameters,
                    "yes" if question.region else None,
                ]
            )
            _append(survey, row)
        _append(survey, ["end_group"])

    choices = workbook.create_sheet("choices")
    filter_columns: list[str] = []
    for items in definition.choice_lists.values():
        for choice in items:
            for column in choice.filters:
                if column not in filter_columns:
                    filter_columns.append(column)
    choices.append(
        [
            "list_name",
            "name",
            *(f"label::{_language_header(c)}" for c in languages),
            *filter_columns,
        ]
    )
    for list_name, items in definition.choice_lists.items():
        for choice in items:
            _append(
                choices,
                [
                    list_name,
                    choice.name,
                    *translated(choice.label),
                    *(choice.filters.get(column) for column in filter_columns),
                ],
            )

    settings = workbook.create_sheet("settings")
    title_codes = [code for code in languages if code in definition.title]
    extra = sorted(definition.settings)
    settings.append(
        [
            "form_id",
            *(f"form_title::{_language_header(code)}" for code in title_codes),
            "default_language",
            *extra,
        ]
    )
    _append(
        settings,
        [
            definition.form_id,
            *(definition.title[code] for code in title_codes),
            definition.default_language,
            *(definition.settings[key] for key in extra),
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _append(sheet: Any, values: list[Any]) -> None:
    """Append a row, storing text that starts with '=' as text rather than a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"
