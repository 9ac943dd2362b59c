"""Writing raw responses as CSV or XLSX, one row per response and one column per question.

Layout (also described in the codebook that travels with every export):

* metadata first: ``response_id``, ``submitted_at`` (ISO 8601, UTC), ``language``,
  ``region_code``, ``survey_version``;
* then one column per question in the order of the current version, followed by questions
  only older versions asked; notes (display-only) have no column;
* a multiple-choice question gets its raw answer (codes separated by spaces, as XLSForm
  tools write them) plus one 0/1 column per option, named ``question/option``; the 0/1
  columns are empty when the question was not answered.

Text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return, per OWASP's CSV-injection advice) is prefixed with an apostrophe; numbers
stay numbers. Writers take an iterator of rows and never hold more than one chunk, so memory
stays flat whatever the number of responses. Pure: no Flask, no database.

Two kinds of row come in: ``ResponseRow`` (answers parsed, a datetime) and ``StoredRow`` (as
``export_query`` reads them: the time already formatted by the database, the answers still
JSON text). The CSV endpoint writes stored rows through ``stored_csv_chunks``, which keeps
per-cell Python work off the common case (see ``_stored_cells``) and gives byte for byte the
CSV that ``csv_chunks`` gives for the same responses.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from webapp.surveys.definition import Choice, Question, SurveyDefinition
from webapp.surveys.results.tally import choice_values

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
METADATA_COLUMNS = ("response_id", "submitted_at", "language", "region_code", "survey_version")
#: Rows of CSV text gathered before a chunk (about 64 KB) is handed to the response.
CSV_ROWS_PER_CHUNK = 500

#: One response as read from the database:
#: (id, submitted_at, language, region_code, version number, answers). ``submitted_at`` may
#: also be the text of ``format_moment``, as the database writes it for a ``StoredRow``.
ResponseRow = tuple[int, datetime | str, str, str | None, int, dict[str, Any]]
#: One response as ``export_query.stored_rows`` reads it: (id, submitted_at as
#: ``YYYY-MM-DDTHH:MM:SSZ``, language, region_code, version number, answers as JSON text).
StoredRow = tuple[int, str, str, str | None, int, str | None]


def neutralise(value: Any) -> Any:
    """Make text inert in a spreadsheet; leave numbers and empty cells alone."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """One exported column: ``question`` is None for metadata; ``option`` for 0/1 columns."""

    name: str
    question: Question | None = None
    option: str | None = None


def export_columns(definitions: Sequence[SurveyDefinition]) -> list[Column]:
    """Columns for a survey; ``definitions`` are its versions, the current one first."""
    columns = [Column(name) for name in METADATA_COLUMNS]
    seen: set[str] = set()
    options: dict[str, list[str]] = {}
    questions: list[Question] = []
    for definition in definitions:
        for question in definition.questions():
            if not question.takes_answer:
                continue
            if question.type == "select_multiple":
                known = options.setdefault(question.name, [])
                known += [c.name for c in definition.choices_for(question) if c.name not in known]
            if question.name not in seen:
                seen.add(question.name)
                questions.append(question)
    for question in questions:
        columns.append(Column(question.name, question))
        for option in options.get(question.name, []):
            columns.append(Column(f"{question.name}/{option}", question, option))
    return columns


def _answer_text(value: Any) -> Any:
    if value is None:
        return ""
    if type(value) is str:  # the common case first
        return "'" + value if value[:1] in _TRIGGER_SET and value else value
    if isinstance(value, list | tuple):
        # Codes are checked on submission, but a stored list may hold anything.
        return neutralise(" ".join(str(item) for item in value))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)

#: A plan step: a question's name and, for a multiple choice, the options with 0/1 columns.
Step = tuple[str, tuple[str, ...] | None]


def _plan(columns: Sequence[Column]) -> list[Step]:
    """Per question: its name and, for a multiple choice, the options with 0/1 columns."""
    steps: list[Step] = []
    for column in columns[len(METADATA_COLUMNS) :]:
        if column.option is None:
            steps.append((column.name, None))
        else:
            name, options = steps[-1]
            steps[-1] = (name, (*(options or ()), column.option))
    return steps


def format_moment(moment: datetime) -> str:
    """``submitted_at`` as exported: UTC to the second, ``Z`` (a naive time is taken as UTC)."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def _answer_cells(answers: dict[str, Any], plan: Sequence[Step]) -> list[Any]:
    """The question cells of one response, one value at a time (the reference for every path)."""
    cells: list[Any] = []
    for name, options in plan:
        value = answers.get(name)
        cells.append(_answer_text(value))
        if options is not None:
            if value is None or value == "" or value == []:
                cells.extend([""] * len(options))
            else:
                chosen = set(choice_values(value))
                cells.extend([1 if option in chosen else 0 for option in options])
    return cells


def export_row(
    columns: Sequence[Column],
    row: ResponseRow,
    plan: list[Step] | None = None,
) -> list[Any]:
    """The cells of one response, in column order (pass ``_plan(columns)`` when writing many)."""
    response_id, submitted_at, language, region_code, version, answers = row
    moment = submitted_at if type(submitted_at) is str else format_moment(submitted_at)
    cells: list[Any] = [response_id, moment, language, region_code or "", version]
    cells += _answer_cells(answers or {}, plan if plan is not None else _plan(columns))
    return cells


def load_answers(text: str | None) -> dict[str, Any]:
    """Stored answers JSON as a dict, read as the reference path reads it (the standard
    library: integers of any size stay exact, NaN is accepted)."""
    return (json.loads(text) if text else None) or {}


def parsed_rows(rows: Iterable[StoredRow]) -> Iterator[ResponseRow]:
    """Stored rows with their answers parsed, for ``export_row`` and ``write_xlsx``."""
    for response_id, moment, language, region_code, version, text in rows:
        yield response_id, moment, language, region_code, version, load_answers(text)


#: Where stored answers JSON may hold text that starts with a formula trigger: a string opening
#: with ``= + - @``, or with a tab or carriage return, escaped or as ``\u`` escapes. A closing
#: quote is followed by ``: , ] }`` or a space, so the few false alarms come from escaped quotes
#: inside text; they only send the row down the careful path.
_MAY_NEED_NEUTRALISING = re.compile(r'"(?:[=+\-@\t\r]|\\[tr]|\\u00(?:0[9dD]|2[bBdD]|3[dD]|40))')
#: Multiple-choice answers remembered per question with their cells (an export has few
#: distinct combinations); past this many, new ones are worked out each time.
_REMEMBERED_CHOICES = 4_096
#: Types ``csv.writer`` writes as ``_answer_text`` has them written.
_PLAIN_TYPES = frozenset((str, int, bool, type(None)))
_PLAIN_OR_FLOAT = _PLAIN_TYPES | {float}
#: orjson reads an integer past 64 bits as a float; the reference keeps it exact, so a float
#: this large sends its row down the careful path.
_LARGE_FLOAT = 2.0**63


class _Unusual(Exception):
    """A stored answer the fast path does not write the way ``_answer_cells`` would."""


def _choice_cells(value: Any, options: tuple[str, ...]) -> list[Any]:
    """A multiple-choice answer's raw cell and 0/1 cells, as ``_answer_cells`` writes them
    (text already known to need no neutralising)."""
    if value is None or value == "" or value == []:
        return ["", *([""] * len(options))]
    if type(value) is list:
        try:
            joined = " ".join(value)
        except TypeError:  # codes that are not text
            raise _Unusual from None
        chosen = set(value)
    elif type(value) is str:
        joined, chosen = value, set(value.split())
    else:
        raise _Unusual
    return [joined, *[1 if option in chosen else 0 for option in options]]


def _stored_cells(plan: Sequence[Step], xlsx: bool = False) -> Callable[[StoredRow], list[Any]]:
    """A function from a stored row to its CSV cells, equal once written to ``export_row``'s.

    Speed comes from orjson, and from leaving to ``csv.writer`` what it already does as the
    reference path wants: ``None`` is written empty, numbers and booleans as ``str`` gives
    them, so runs of single-answer questions are copied with one ``map`` and no per-cell
    Python, and the cells of a multiple-choice answer are remembered per distinct answer.
    Anything else sends the whole row to ``_answer_cells`` with the answers read by
    ``load_answers``: text that may need neutralising (seen in the JSON text before
    parsing), a list or an object where a single answer belongs, a very large number, JSON
    orjson refuses (NaN, lone surrogates) and answers that are not an object.

    With ``xlsx`` the cells are the same as ``export_row``'s once written to a worksheet: a
    boolean answer takes the careful path too (``export_row`` gives its text, which
    ``csv.writer`` writes by itself).
    """
    # Runs of single-answer questions, each followed by at most one multiple choice.
    segments: list[tuple[tuple[str, ...], str | None, tuple[str, ...], dict[Any, list[Any]]]]
    segments = []
    singles: list[str] = []
    for name, options in plan:
        if options is None:
            singles.append(name)
        else:
            segments.append((tuple(singles), name, options, {}))
            singles = []
    if singles:
        segments.append((tuple(singles), None, (), {}))
    steps = list(plan)
    risky = _MAY_NEED_NEUTRALISING.search
    loads = orjson.loads
    plain, plain_or_float, large = _PLAIN_TYPES, _PLAIN_OR_FLOAT, _LARGE_FLOAT
    if xlsx:
        plain, plain_or_float = plain - {bool}, plain_or_float - {bool}

    def cells(row: StoredRow) -> list[Any]:
        response_id, moment, language, region_code, version, text = row
        row_cells: list[Any] = [response_id, moment, language, region_code, version]
        if not text:
            return row_cells + _answer_cells({}, steps)
        try:
            answers = loads(text) or {}
            if risky(text):
                raise _Unusual
            get = answers.get
            for names, multiple, options, remembered in segments:
                if names:
                    values = list(map(get, names))
                    if not plain.issuperset(map(type, values)) and (
                        not plain_or_float.issuperset(map(type, values))
                        or not all(
                            -large < value < large for value in values if type(value) is float
                        )
                    ):
                        raise _Unusual
                    row_cells += values
                if multiple is not None:
                    value = get(multiple)
                    key = tuple(value) if type(value) is list else value
                    try:
                        found = remembered.get(key)
                    except TypeError:  # a dict, or a list holding one: never a usual answer
                        raise _Unusual from None
                    if found is None:
                        found = _choice_cells(value, options)
                        if len(remembered) < _REMEMBERED_CHOICES:
                            remembered[key] = found
                    row_cells += found
        except (_Unusual, orjson.JSONDecodeError, AttributeError):
            del row_cells[len(METADATA_COLUMNS) :]
            row_cells += _answer_cells(load_answers(text), steps)
        return row_cells

    return cells


def _csv_text(columns: Sequence[Column], cell_rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text in chunks of ``CSV_ROWS_PER_CHUNK`` rows: a UTF-8 byte-order mark (so
    spreadsheets read Cyrillic), the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([column.name for column in columns])
    rows = iter(cell_rows)
    while True:
        written = buffer.tell()
        writer.writerows(itertools.islice(rows, CSV_ROWS_PER_CHUNK))
        if buffer.tell() == written:
            break
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def csv_chunks(columns: Sequence[Column], rows: Iterable[ResponseRow]) -> Iterator[str]:
    """The CSV text of parsed responses, in chunks (see ``_csv_text``)."""
    plan = _plan(columns)
    return _csv_text(columns, (export_row(columns, row, plan) for row in rows))


def stored_csv_chunks(columns: Sequence[Column], rows: Iterable[StoredRow]) -> Iterator[str]:
    """The CSV text of stored responses, in chunks: the same text as ``csv_chunks`` would
    give for the same responses parsed, several times faster."""
    return _csv_text(columns, map(_stored_cells(_plan(columns)), rows))


#: The codebook's description of each metadata column, in each label column's language
#: (this module is pure, so the texts live here rather than in the gettext catalogues).
METADATA_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "response_id": {
        "kk": "Жауап нөмірі (осы орнатуда бірегей)",
        "ru": "Номер ответа (уникален в этой установке)",
        "en": "Response number (unique in this installation)",
    },
    "submitted_at": {
        "kk": "Жауап жіберілген уақыт (ISO 8601, UTC)",
        "ru": "Когда ответ был отправлен (ISO 8601, UTC)",
        "en": "When the response was submitted (ISO 8601, UTC)",
    },
    "language": {
        "kk": "Респондент жауап берген тіл (kk, ru, en)",
        "ru": "Язык, на котором ответил респондент (kk, ru, en)",
        "en": "Language the respondent answered in (kk, ru, en)",
    },
    "region_code": {
        "kk": "Жауаптың өңірі (өңірлер тізіліміндегі ISO 3166-2 коды)",
        "ru": "Регион ответа (код ISO 3166-2 из реестра регионов)",
        "en": "Region of the response (ISO 3166-2 code of the region registry)",
    },
    "survey_version": {
        "kk": "Респондент көрген сауалнама нұсқасы",
        "ru": "Версия анкеты, которую видел респондент",
        "en": "Version of the questionnaire the respondent saw",
    },
}


def codebook_rows(
    definitions: Sequence[SurveyDefinition], languages: Sequence[str] = ("kk", "ru", "en")
) -> Iterator[list[str]]:
    """The codebook: one row per column, and one per answer code of each choice question."""
    yield [
        "column",
        "question",
        "type",
        "code",
        *(f"label_{language}" for language in languages),
    ]
    for name in METADATA_COLUMNS:
        texts = METADATA_DESCRIPTIONS[name]
        yield [name, "", "metadata", "", *(texts.get(code, texts["en"]) for code in languages)]
    choices: dict[str, dict[str, Choice]] = {}
    for definition in definitions:  # the current version's labels win
        for question in definition.questions():
            known = choices.setdefault(question.name, {})
            for choice in definition.choices_for(question):
                known.setdefault(choice.name, choice)
    for column in export_columns(definitions)[len(METADATA_COLUMNS) :]:
        question = column.question
        if question is None:
            continue
        if column.option is not None:
            choice = choices[question.name].get(column.option)
            labels = [choice.label.get(language, "") if choice else "" for language in languages]
            yield [column.name, question.name, "0/1", "1 = chosen", *labels]
            continue
        yield [
            column.name,
            question.name,
            question.type,
            "",
            *(question.label.get(language, "") for language in languages),
        ]
        if question.type == "select_one":
            for choice in choices[question.name].values():
                yield [
                    column.name,
                    question.name,
                    "code",
                    choice.name,
                    *(choice.label.get(language, "") for language in languages),
                ]


def codebook_csv(definitions: Sequence[SurveyDefinition]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in codebook_rows(definitions):
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


#: Rows an Excel worksheet holds (the header is one of them): Excel does not load rows past
#: it, so ``write_xlsx`` stops there (the endpoint refuses such a survey before writing).
XLSX_MAX_ROWS = 1_048_576
#: Text a cell holds at most, in UTF-16 units; Excel refuses a file with longer text, so it is
#: cut there, as XlsxWriter cuts it.
XLSX_MAX_TEXT = 32_767
#: Deflate level of the responses sheet: level 3 writes it as fast as level 1 for a file a
#: quarter smaller, and twice as fast as zipfile's default 6 for one 1.4 times as large
#: (200,000 rows of the demo survey: 11 MB; 14 MB at level 1, 8 MB at level 6).
XLSX_COMPRESSION = 3
#: XlsxWriter's workbook options: every value is written by its Python type, never guessed from
#: text (so ``'=1+1``, ``007`` and ``http://x`` stay text).
XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
#: Responses sheet rows gathered before they are written (about 0.5 MB of XML).
XLSX_ROWS_PER_CHUNK = 500
#: Bytes of the responses sheet's XML compressed at a time.
XLSX_COPY_BUFFER = 1 << 20


def _xlsx_row(sheet: Worksheet, row_number: int, cells: Iterable[Any]) -> None:
    """Write one row of a small sheet (the codebook, the header) with XlsxWriter: text as text
    (never a formula), numbers as numbers, empty text, ``None``, NaN and infinities as empty
    cells; a carriage return becomes a line feed, as ``_text_cell`` writes it."""
    write_string, write_number = sheet.write_string, sheet.write_number
    for column_number, value in enumerate(cells):
        kind = type(value)
        if kind is str:
            if "\r" in value:
                value = value.replace("\r\n", "\n").replace("\r", "\n")
            if value:
                write_string(row_number, column_number, value)
        elif kind is int:
            write_number(row_number, column_number, value)
        elif kind is float:
            if value - value == 0:  # false for NaN and both infinities
                write_number(row_number, column_number, value)
        elif value is not None:
            raise TypeError(f"an export cell holds {kind.__name__}")


#: Characters that need more than copying into a cell's XML text: markup, control characters
#: (not allowed in XML 1.0), the two non-characters, and text that reads as Excel's own
#: ``_xHHHH_`` escape (which must then be escaped itself).
_NEEDS_ESCAPING = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_EMPTY_CELL = "<c/>"


def _utf16_cut(text: str) -> str:
    """Text cut to ``XLSX_MAX_TEXT`` UTF-16 units, never inside a character."""
    if len(text.encode("utf-16-le")) <= 2 * XLSX_MAX_TEXT:
        return text
    return text.encode("utf-16-le")[: 2 * XLSX_MAX_TEXT].decode("utf-16-le", "ignore")


def _text_cell(text: str) -> str:
    """An inline-text cell, escaped as Excel (and XlsxWriter) escape it: ``_xHHHH_`` for
    control characters, ``_x005F`` before text that looks like such an escape; a carriage
    return becomes a line feed (XML parsers read a raw one as a line feed anyway)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text:
        return _EMPTY_CELL
    if len(text) > XLSX_MAX_TEXT // 2:
        text = _utf16_cut(text)
    if _NEEDS_ESCAPING.search(text) is not None:
        text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[0].isspace() or text[-1].isspace():
        return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def _cell_xml(value: Any) -> str:
    """One cell of the responses sheet as XML, by the value's type, as ``_xlsx_row`` writes
    it (cells hold no boolean: see ``_rows_xml``)."""
    kind = type(value)
    if kind is str:
        return _text_cell(value)
    if kind is int:
        return f"<c><v>{value:.16G}</v></c>"
    if kind is float:
        return f"<c><v>{value:.16G}</v></c>" if value - value == 0 else _EMPTY_CELL
    if value is None:
        return _EMPTY_CELL
    raise TypeError(f"an export cell holds {kind.__name__}")


#: Distinct values remembered with their XML: answer codes, 0/1 columns, languages and regions
#: repeat, so most cells are one dictionary look-up; unique values (ids, times, comments) fill
#: the rest, and once it is full new values are worked out each time.
_REMEMBERED_CELLS = 50_000


def _rows_xml(cell_rows: Iterable[list[Any]], first_row: int) -> Iterator[tuple[int, bytes]]:
    """The ``<row>`` elements of the responses sheet, numbered from ``first_row`` (1-based),
    in chunks of ``XLSX_ROWS_PER_CHUNK``: (rows in the chunk, UTF-8 XML).

    Cells carry no ``r`` reference (``r="B7"``): it is optional in the format, a cell
    without one following the cell before it, and Excel, LibreOffice, Google Sheets,
    openpyxl (so pandas) and calamine read such cells, as Microsoft's own exporters write
    them. Every cell is written, an empty one as ``<c/>``, and the XML of a value does not
    depend on where it stands: it is remembered (``_REMEMBERED_CELLS``) and a row is mostly
    one ``map`` of look-ups. With references in every cell (tried: the row number joined
    between remembered pieces) the export took a third longer and its file was twice as
    large, the row numbers breaking deflate's repeats. Cells never hold a boolean
    (``True == 1`` would find the XML of ``1``): ``_answer_text`` and
    ``_stored_cells(..., xlsx=True)`` write them as text.
    """
    cache: dict[Any, str] = {}
    get = cache.get
    limit = _REMEMBERED_CELLS
    number = first_row
    rows = iter(cell_rows)
    while True:
        parts: list[str] = []
        start = number
        for cells in itertools.islice(rows, XLSX_ROWS_PER_CHUNK):
            response_id, moment = cells[0], cells[1]
            if type(response_id) is int and type(moment) is str and len(moment) == 20:
                # A row's own id and time (``YYYY-MM-DDTHH:MM:SSZ``) are never remembered.
                head = f'<c><v>{response_id}</v></c><c t="inlineStr"><is><t>{moment}</t></is></c>'
                cells = cells[2:]
            else:
                head = ""
            xmls = list(map(get, cells))
            if not all(xmls):  # a value not remembered (the XML of a cell is never empty)
                for index, xml in enumerate(xmls):
                    if xml is None:
                        value = cells[index]
                        xmls[index] = xml = _cell_xml(value)
                        if len(cache) < limit:
                            cache[value] = xml
            parts.append(f'<row r="{number}">{head}{"".join(xmls)}</row>')
            number += 1
        if number == start:
            return
        yield number - start, "".join(parts).encode()


_DIMENSION = re.compile(r"<dimension [^>]*/>")
_SHEET_DATA_END = "</sheetData>"


def _write_xlsx_cells(
    path: Path, definitions: Sequence[SurveyDefinition], cell_rows: Iterable[list[Any]]
) -> int:
    """The workbook with ``cell_rows`` on the responses sheet; returns the rows written.

    XlsxWriter writes the workbook in memory with the header alone on the responses sheet,
    and the codebook: every part of the file but the responses. The responses sheet's XML
    is then written to a temporary file, its rows between the header and the end of the
    sheet's data, a chunk of rows at a time, and the file is copied part by part into a new
    ZIP archive, the sheet from that temporary file (as XlsxWriter's constant-memory mode
    does: the sheet's size is then known, so ZIP64 is used only when it is needed). Only a
    chunk is ever held, so memory stays flat; writing the row XML here rather than cell by
    cell through XlsxWriter (about 35 Python calls per row) makes the export about ten
    times faster (``bench/survey_export.py``, ``bench/survey_export_writers.py``).

    The sheet's ``<dimension>`` (its used range, optional in the format) is left out: it
    comes before the rows, whose number is known only at the end.
    """
    columns = export_columns(definitions)
    skeleton = io.BytesIO()
    with xlsxwriter.Workbook(skeleton, {**XLSX_OPTIONS, "in_memory": True}) as workbook:
        sheet = workbook.add_worksheet("responses")
        _xlsx_row(sheet, 0, [column.name for column in columns])
        codebook = workbook.add_worksheet("codebook")
        for row_number, line in enumerate(codebook_rows(definitions)):
            _xlsx_row(codebook, row_number, [neutralise(cell) for cell in line])
        responses_part = f"xl/worksheets/sheet{sheet.index + 1}.xml"
    count = 0
    with (
        zipfile.ZipFile(skeleton) as parts,
        tempfile.TemporaryFile(prefix="xlsx-rows-") as sheet_xml,
    ):
        xml = _DIMENSION.sub("", parts.read(responses_part).decode(), count=1)
        head, tail = xml.split(_SHEET_DATA_END, 1)
        sheet_xml.write(head.encode())
        for rows, chunk in _rows_xml(itertools.islice(cell_rows, XLSX_MAX_ROWS - 1), 2):
            sheet_xml.write(chunk)
            count += rows
        sheet_xml.write((_SHEET_DATA_END + tail).encode())
        size = sheet_xml.tell()
        sheet_xml.seek(0)
        with zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED, compresslevel=XLSX_COMPRESSION
        ) as archive:
            for info in parts.infolist():
                if info.filename != responses_part:
                    archive.writestr(info, parts.read(info))
                    continue
                # ZIP64 only for a sheet that needs it, as zipfile decides for a file of a
                # known size (Excel refuses some ZIP64 headers that other readers accept).
                large = size * 1.05 > zipfile.ZIP64_LIMIT
                with archive.open(info.filename, "w", force_zip64=large) as stream:
                    shutil.copyfileobj(sheet_xml, stream, XLSX_COPY_BUFFER)
    return count


def write_xlsx(
    path: Path,
    definitions: Sequence[SurveyDefinition],
    rows: Iterable[ResponseRow],
) -> int:
    """Write parsed responses (first sheet) and the codebook (second sheet); returns the
    number of responses written.

    A worksheet holds ``XLSX_MAX_ROWS`` rows, header included: responses past that are left
    out (Excel does not load rows past its limit); the endpoint refuses a survey with more
    responses before writing anything, and the CSV export has no such limit.
    """
    columns = export_columns(definitions)
    plan = _plan(columns)
    return _write_xlsx_cells(path, definitions, (export_row(columns, row, plan) for row in rows))


def write_stored_xlsx(
    path: Path,
    definitions: Sequence[SurveyDefinition],
    rows: Iterable[StoredRow],
) -> int:
    """``write_xlsx`` for stored rows (as ``export_query.stored_rows`` reads them): the same
    workbook as ``write_xlsx`` gives for the same responses parsed, with the answers read
    by the fast path of the CSV export (``_stored_cells``)."""
    cells = _stored_cells(_plan(export_columns(definitions)), xlsx=True)
    return _write_xlsx_cells(path, definitions, map(cells, rows))
