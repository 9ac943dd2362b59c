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
stay numbers. Writers take an iterator of rows and never hold more than a few chunks, so
memory stays flat whatever the number of responses. Pure: no Flask, no database (the XLSX
writer compresses its sheet in a thread of its own, see ``_SheetDeflater``).

Two kinds of row come in: ``ResponseRow`` (answers parsed, a datetime) and ``StoredRow`` (as
``export_query`` reads them: the time already formatted by the database, the answers still
JSON text). The CSV endpoint writes stored rows through ``stored_csv_chunks``, which keeps
per-cell Python work off the common case (see ``_stored_cells``) and gives byte for byte the
CSV that ``csv_chunks`` gives for the same responses; the XLSX endpoint writes them through
``write_stored_xlsx``, which makes the sheet's XML from them directly (``_stored_rows_xml``)
and gives the same workbook as ``write_xlsx``.
"""

from __future__ import annotations

import collections
import csv
import io
import itertools
import json
import queue
import re
import shutil
import struct
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from webapp.spreadsheets import FORMULA_TRIGGERS, neutralise
from webapp.surveys.definition import Choice, Question, SurveyDefinition
from webapp.surveys.results.tally import choice_values

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
    """A multiple-choice answer's raw cell and 0/1 cells, as ``_answer_cells`` writes them,
    the raw cell not neutralised (the caller knows it need not be, or does it)."""
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


#: A run of single-answer questions, then at most one multiple choice (its name, its options
#: with 0/1 columns, and its cells remembered per distinct answer).
Segment = tuple[tuple[str, ...], str | None, tuple[str, ...], dict[Any, Any]]


def _segments(plan: Sequence[Step]) -> list[Segment]:
    """The plan as runs of single-answer questions, each followed by at most one multiple
    choice, with an empty memory of multiple-choice answers each."""
    segments: list[Segment] = []
    singles: list[str] = []
    for name, options in plan:
        if options is None:
            singles.append(name)
        else:
            segments.append((tuple(singles), name, options, {}))
            singles = []
    if singles:
        segments.append((tuple(singles), None, (), {}))
    return segments


def _stored_cells(plan: Sequence[Step]) -> Callable[[StoredRow], list[Any]]:
    """A function from a stored row to its CSV cells, equal once written to ``export_row``'s.

    Speed comes from orjson, and from leaving to ``csv.writer`` what it already does as the
    reference path wants: ``None`` is written empty, numbers and booleans as ``str`` gives
    them, so runs of single-answer questions are copied with one ``map`` and no per-cell
    Python, and the cells of a multiple-choice answer are remembered per distinct answer.
    Anything else sends the whole row to ``_answer_cells`` with the answers read by
    ``load_answers``: text that may need neutralising (seen in the JSON text before
    parsing), a list or an object where a single answer belongs, a very large number, JSON
    orjson refuses (NaN, lone surrogates) and answers that are not an object. (The XLSX
    export has its own fast path, ``_stored_rows_xml``.)
    """
    segments = _segments(plan)
    steps = list(plan)
    risky = _MAY_NEED_NEUTRALISING.search
    loads = orjson.loads
    plain, plain_or_float, large = _PLAIN_TYPES, _PLAIN_OR_FLOAT, _LARGE_FLOAT

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
#: Chunks of the responses sheet's XML waiting for the thread that compresses them: enough
#: for either side to keep working while the other is busy, few enough to keep memory flat.
XLSX_CHUNKS_QUEUED = 4
#: Bytes of the compressed responses sheet copied into the archive at a time.
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
    it (cells hold no boolean: see ``_cell_cache``)."""
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


#: Distinct cell values remembered with their XML (see ``_cell_cache``).
_REMEMBERED_CELLS = 50_000


def _cell_cache(
    text_of: Callable[[Any], Any] | None = None,
) -> tuple[Callable[[Sequence[Any]], list[bytes]], Callable[[Any], bytes | None]]:
    """A function from cell values to their XML, and the bare look-up of a value's XML
    (None when not remembered); with ``text_of`` (``_answer_text``), the XML is that of
    what ``text_of`` makes of the value. Each value's XML is remembered (as UTF-8) up to
    ``_REMEMBERED_CELLS`` values: answer codes, 0/1 columns, languages and regions repeat,
    so most cells are one dictionary look-up; unique values (comments) fill the rest, and
    once it is full new values are worked out each time. Cells never hold a boolean
    (``True == 1`` would find the XML of ``1``): ``_answer_text`` writes them as text."""
    cache: dict[Any, bytes] = {}
    get = cache.get
    limit = _REMEMBERED_CELLS

    def cells_xml(values: Sequence[Any]) -> list[bytes]:
        xmls = list(map(get, values))
        if not all(xmls):  # a value not remembered (the XML of a cell is never empty)
            for index, xml in enumerate(xmls):
                if xml is None:
                    value = values[index]
                    cell = value if text_of is None else text_of(value)
                    xmls[index] = xml = _cell_xml(cell).encode()
                    if len(cache) < limit:
                        cache[value] = xml
        return xmls

    return cells_xml, get


def _row_head(number: int, response_id: Any, moment: Any) -> bytes | None:
    """A row's start with its own id and time (``YYYY-MM-DDTHH:MM:SSZ``), which are never
    remembered; None when they are not of that form."""
    if type(response_id) is int and type(moment) is str and len(moment) == 20:
        return (
            f'<row r="{number}"><c><v>{response_id}</v></c>'
            f'<c t="inlineStr"><is><t>{moment}</t></is></c>'.encode()
        )
    return None


def _rows_xml(cell_rows: Iterable[list[Any]], first_row: int) -> Iterator[tuple[int, bytes]]:
    """The ``<row>`` elements of the responses sheet, numbered from ``first_row`` (1-based),
    in chunks of ``XLSX_ROWS_PER_CHUNK``: (rows in the chunk, UTF-8 XML).

    Cells carry no ``r`` reference (``r="B7"``): it is optional in the format, a cell
    without one following the cell before it, and Excel, LibreOffice, Google Sheets,
    openpyxl (so pandas) and calamine read such cells, as Microsoft's own exporters write
    them. Every cell is written, an empty one as ``<c/>``, and the XML of a value does not
    depend on where it stands: it is remembered (``_cell_cache``), a row is mostly one
    ``map`` of look-ups and a chunk one ``bytes.join`` (joining text and encoding it took
    a fifth of the writer's time: a chunk's text is not ASCII once one answer is Cyrillic).
    With references in every cell (tried: the row number joined between remembered pieces)
    the export took a third longer and its file was twice as large, the row numbers
    breaking deflate's repeats.
    """
    cells_xml, _ = _cell_cache()
    number = first_row
    rows = iter(cell_rows)
    while True:
        parts: list[bytes] = []
        append, extend = parts.append, parts.extend
        start = number
        for cells in itertools.islice(rows, XLSX_ROWS_PER_CHUNK):
            head = _row_head(number, cells[0], cells[1])
            if head is None:
                append(f'<row r="{number}">'.encode())
                extend(cells_xml(cells))
            else:
                append(head)
                extend(cells_xml(cells[2:]))
            append(b"</row>")
            number += 1
        if number == start:
            return
        yield number - start, b"".join(parts)


#: Types of a single answer whose cell the fast path of ``_stored_rows_xml`` writes itself.
_CELL_TYPES = frozenset((str, int, float, type(None)))


def _stored_rows_xml(
    plan: Sequence[Step], rows: Iterable[StoredRow], first_row: int
) -> Iterator[tuple[int, bytes]]:
    """``_rows_xml`` of stored rows: the same XML as ``_rows_xml`` gives for
    ``export_row``'s cells, without making the cells first.

    orjson reads the answers; then each run of single-answer questions is one ``map`` of
    the answers through the remembered XML of each answer as ``_answer_text`` writes it
    (neutralised), and each multiple-choice answer one look-up of its cells' XML. A JSON
    ``true`` or ``false`` in the text sends the row down the careful path
    (``_answer_cells``), as does a list or an object where a single answer belongs (it
    cannot be looked up), so a boolean never finds the XML of ``1``. Numbers need no care:
    a cell writes a float and an integer of the same value the same way (the integers past
    64 bits orjson reads as floats included). Metadata and the careful path's cells are
    remembered apart, as they are (not neutralised again).
    """
    segments = _segments(plan)
    steps = list(plan)
    cells_xml, _ = _cell_cache()
    answers_xml, remembered_xml = _cell_cache(_answer_text)
    loads = orjson.loads
    cell_types = _CELL_TYPES
    number = first_row
    rows = iter(rows)
    while True:
        parts: list[bytes] = []
        append, extend = parts.append, parts.extend
        start = number
        for row in itertools.islice(rows, XLSX_ROWS_PER_CHUNK):
            response_id, moment, language, region_code, version, text = row
            head = _row_head(number, response_id, moment)
            if head is None:
                append(f'<row r="{number}">'.encode())
                extend(cells_xml((response_id, moment, language, region_code, version)))
            else:
                append(head)
                extend(cells_xml((language, region_code, version)))
            mark = len(parts)
            try:
                if not text or "true" in text or "false" in text:
                    raise _Unusual
                get = loads(text).get
                for names, multiple, options, remembered in segments:
                    if names:
                        values = list(map(get, names))
                        xmls = list(map(remembered_xml, values))  # TypeError: a list, a dict
                        if not all(xmls):
                            if not cell_types.issuperset(map(type, values)):
                                raise _Unusual
                            xmls = answers_xml(values)
                        extend(xmls)
                    if multiple is not None:
                        value = get(multiple)
                        key = tuple(value) if type(value) is list else value
                        found = remembered.get(key)  # TypeError: a dict, or a list holding one
                        if found is None:
                            found = b"".join(answers_xml(_choice_cells(value, options)))
                            if len(remembered) < _REMEMBERED_CHOICES:
                                remembered[key] = found
                        append(found)
            except (_Unusual, orjson.JSONDecodeError, AttributeError, TypeError):
                del parts[mark:]
                extend(cells_xml(_answer_cells(load_answers(text), steps)))
            append(b"</row>")
            number += 1
        if number == start:
            return
        yield number - start, b"".join(parts)


_DIMENSION = re.compile(r"<dimension [^>]*/>")
_SHEET_DATA_END = "</sheetData>"


class _SheetDeflater:
    """Compresses the responses sheet's XML in a thread of its own, into a temporary file.

    zlib lets other threads run while it compresses and while it sums the CRC, and so does
    writing a file, so on a machine with two cores the sheet is compressed while the next
    rows are read and made into XML (compressing was about a fifth of an export's time).
    The queue holds ``XLSX_CHUNKS_QUEUED`` chunks: the rows waiting are bounded whatever
    the number of responses. Only the compressed sheet is stored, in ``file`` (a million
    responses: 50 MB rather than a gigabyte of XML), as ``_DeflatedZip`` takes it.
    """

    def __init__(self, file: IO[bytes], level: int) -> None:
        self.file = file
        self.crc = self.size = 0
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._chunks: queue.Queue[bytes | None] = queue.Queue(XLSX_CHUNKS_QUEUED)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-deflate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        compressor, write = self._compressor, self.file.write
        try:
            while (chunk := self._chunks.get()) is not None:
                self.crc = zlib.crc32(chunk, self.crc)
                self.size += len(chunk)
                write(compressor.compress(chunk))
            write(compressor.flush())
        except BaseException as error:  # a full disk: the writer raises it on its next chunk
            self._failure = error
            # Take what the writer still puts until its end mark, so it never blocks on a
            # full queue; it raises the failure on its next write.
            collections.deque(iter(self._chunks.get, None), maxlen=0)

    def write(self, chunk: bytes) -> None:
        if self._failure is not None:
            raise self._failure
        self._chunks.put(chunk)

    def finish(self) -> None:
        """Wait for the last chunk; the compressed sheet is then ``file``, from its start."""
        self._chunks.put(None)
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        self.file.seek(0)

    def close(self) -> None:
        """Stop the thread if the rows failed before ``finish`` (before the file goes)."""
        if self._thread.is_alive():
            self._chunks.put(None)
            self._thread.join()


class _DeflatedZip:
    """A ZIP archive written from parts deflated beforehand (APPNOTE 4.3, as ``zipfile``
    writes it), which ``zipfile`` cannot take: it compresses what it is given.

    ZIP64 fields are written only where a size or an offset is past ``zipfile``'s limit:
    Excel refuses some ZIP64 headers that other readers accept, and the sizes are known
    before each part's header, so an ordinary export has none.
    """

    _LOCAL = struct.Struct("<4s5H3L2H")
    _CENTRAL = struct.Struct("<4s6H3L5H2L")
    _END = struct.Struct("<4s4H2LH")
    _END64 = struct.Struct("<4sQ2H2L4Q")
    _LOCATOR = struct.Struct("<4sLQL")
    _FULL = 0xFFFFFFFF

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.directory: list[bytes] = []

    def add(
        self, info: zipfile.ZipInfo, data: bytes | IO[bytes], crc: int, size: int, packed: int
    ) -> None:
        """One part: ``data`` is its deflated bytes (``packed`` of them, a file read from
        where it stands or bytes), ``size`` and ``crc`` those of the part itself."""
        limit, full = zipfile.ZIP64_LIMIT, self._FULL
        offset = self.stream.tell()
        name = info.filename.encode()
        flags = 0 if name.isascii() else 0x800  # UTF-8 name
        year, month, day, hour, minute, second = info.date_time
        date = (year - 1980) << 9 | month << 5 | day
        time = hour << 11 | minute << 5 | second // 2
        large = size > limit or packed > limit
        version = 45 if large else 20
        sizes = (full, full) if large else (packed, size)
        extra = struct.pack("<2H2Q", 1, 16, size, packed) if large else b""
        local = (b"PK\x03\x04", version, flags, 8, time, date, crc, *sizes, len(name), len(extra))
        self.stream.write(self._LOCAL.pack(*local) + name + extra)
        if isinstance(data, bytes):
            self.stream.write(data)
        else:
            shutil.copyfileobj(data, self.stream, XLSX_COPY_BUFFER)
        fields = [size, packed] if large else []
        if offset > limit:
            fields.append(offset)
        extra = struct.pack(f"<2H{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
        version = 45 if fields else 20
        self.directory.append(
            self._CENTRAL.pack(
                b"PK\x01\x02",
                info.create_system << 8 | version,
                version,
                flags,
                8,
                time,
                date,
                crc,
                *sizes,
                len(name),
                len(extra),
                0,
                0,
                0,
                info.external_attr,
                offset if offset <= limit else full,
            )
            + name
            + extra
        )

    def close(self) -> None:
        """The central directory and the end records (ZIP64 ones only when needed)."""
        limit = zipfile.ZIP64_LIMIT
        start = self.stream.tell()
        for record in self.directory:
            self.stream.write(record)
        size, count = self.stream.tell() - start, len(self.directory)
        if start > limit or size > limit or count > 0xFFFF:
            end64 = self.stream.tell()
            self.stream.write(
                self._END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, start)
            )
            self.stream.write(self._LOCATOR.pack(b"PK\x06\x07", 0, end64, 1))
            count, size, start = min(count, 0xFFFF), min(size, self._FULL), min(start, self._FULL)
        self.stream.write(self._END.pack(b"PK\x05\x06", 0, 0, count, count, size, start, 0))


def _deflated(data: bytes) -> tuple[bytes, int]:
    """A small part deflated as the responses sheet is, and its CRC."""
    compressor = zlib.compressobj(XLSX_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data)


def _write_xlsx_cells(
    path: Path, definitions: Sequence[SurveyDefinition], cell_rows: Iterable[list[Any]]
) -> int:
    """The workbook with ``cell_rows`` on the responses sheet; returns the rows written."""
    rows = itertools.islice(cell_rows, XLSX_MAX_ROWS - 1)
    return _write_xlsx_sheet(path, definitions, _rows_xml(rows, 2))


def _write_xlsx_sheet(
    path: Path, definitions: Sequence[SurveyDefinition], chunks: Iterable[tuple[int, bytes]]
) -> int:
    """The workbook with ``chunks`` of row XML (``_rows_xml``, ``_stored_rows_xml``, rows
    from the second on) on the responses sheet; returns the rows written.

    XlsxWriter writes the workbook in memory with the header alone on the responses sheet,
    and the codebook: every part of the file but the responses. The responses sheet's XML
    is then made a chunk of rows at a time, its rows between the header and the end of the
    sheet's data, and compressed by ``_SheetDeflater`` as it comes; the archive is written
    last, part by part, the sheet from the compressed file (its sizes then known, so ZIP64
    is used only when it is needed). Only a few chunks are ever held, so memory stays
    flat; writing the row XML here rather than cell by cell through XlsxWriter (about 35
    Python calls per row) makes the export about ten times faster
    (``bench/survey_export.py``, ``bench/survey_export_writers.py``).

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
        tempfile.TemporaryFile(prefix="xlsx-sheet-") as compressed,
    ):
        xml = _DIMENSION.sub("", parts.read(responses_part).decode(), count=1)
        head, tail = xml.split(_SHEET_DATA_END, 1)
        deflater = _SheetDeflater(compressed, XLSX_COMPRESSION)
        try:
            deflater.write(head.encode())
            for rows, chunk in chunks:
                deflater.write(chunk)
                count += rows
            deflater.write((_SHEET_DATA_END + tail).encode())
            deflater.finish()
            with path.open("wb") as stream:
                archive = _DeflatedZip(stream)
                for info in parts.infolist():
                    if info.filename == responses_part:
                        packed = deflater.file.seek(0, io.SEEK_END)
                        deflater.file.seek(0)
                        archive.add(info, deflater.file, deflater.crc, deflater.size, packed)
                    else:
                        data = parts.read(info)
                        deflated, crc = _deflated(data)
                        archive.add(info, deflated, crc, len(data), len(deflated))
                archive.close()
        finally:
            deflater.close()
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
    straight into the sheet's XML (``_stored_rows_xml``)."""
    plan = _plan(export_columns(definitions))
    rows = itertools.islice(rows, XLSX_MAX_ROWS - 1)
    return _write_xlsx_sheet(path, definitions, _stored_rows_xml(plan, rows, 2))
