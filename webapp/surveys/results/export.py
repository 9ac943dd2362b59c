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
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from webapp.surveys.definition import Choice, Question, SurveyDefinition
from webapp.surveys.results.tally import choice_values

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
METADATA_COLUMNS = ("response_id", "submitted_at", "language", "region_code", "survey_version")
#: Rows of CSV text gathered before a chunk is handed to the response.
CSV_ROWS_PER_CHUNK = 500

#: One response as read from the database:
#: (id, submitted_at, language, region_code, version number, answers).
ResponseRow = tuple[int, datetime, str, str | None, int, dict[str, Any]]


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
        return " ".join(str(item) for item in value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)


def _plan(columns: Sequence[Column]) -> list[tuple[str, tuple[str, ...] | None]]:
    """Per question: its name and, for a multiple choice, the options with 0/1 columns."""
    steps: list[tuple[str, tuple[str, ...] | None]] = []
    for column in columns[len(METADATA_COLUMNS) :]:
        if column.option is None:
            steps.append((column.name, None))
        else:
            name, options = steps[-1]
            steps[-1] = (name, (*(options or ()), column.option))
    return steps


def export_row(
    columns: Sequence[Column],
    row: ResponseRow,
    plan: list[tuple[str, tuple[str, ...] | None]] | None = None,
) -> list[Any]:
    """The cells of one response, in column order (pass ``_plan(columns)`` when writing many)."""
    response_id, submitted_at, language, region_code, version, answers = row
    moment = submitted_at.astimezone(UTC) if submitted_at.tzinfo else submitted_at
    cells: list[Any] = [
        response_id,
        moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z",
        language,
        region_code or "",
        version,
    ]
    answers = answers or {}
    for name, options in plan if plan is not None else _plan(columns):
        value = answers.get(name)
        cells.append(_answer_text(value))
        if options is not None:
            if value is None or value == "" or value == []:
                cells.extend([""] * len(options))
            else:
                chosen = set(choice_values(value))
                cells.extend([1 if option in chosen else 0 for option in options])
    return cells


def csv_chunks(columns: Sequence[Column], rows: Iterable[ResponseRow]) -> Iterator[str]:
    """The CSV text in chunks: a UTF-8 byte-order mark (so spreadsheets read Cyrillic), the
    header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([column.name for column in columns])
    pending = 0
    plan = _plan(columns)
    for row in rows:
        writer.writerow(export_row(columns, row, plan))
        pending += 1
        if pending >= CSV_ROWS_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


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
    descriptions = {
        "response_id": "Response number (unique in this installation)",
        "submitted_at": "When the response was submitted (ISO 8601, UTC)",
        "language": "Language the respondent answered in (kk, ru, en)",
        "region_code": "Region of the response (ISO 3166-2 code of the region registry)",
        "survey_version": "Version of the questionnaire the respondent saw",
    }
    for name in METADATA_COLUMNS:
        yield [name, "", "metadata", "", *([descriptions[name]] * len(languages))]
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


def write_xlsx(
    path: Path,
    definitions: Sequence[SurveyDefinition],
    rows: Iterable[ResponseRow],
) -> int:
    """Write responses (first sheet) and the codebook (second sheet) in openpyxl's
    write-only mode, which streams rows to disk; returns the number of responses."""
    columns = export_columns(definitions)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append([column.name for column in columns])
    count = 0
    plan = _plan(columns)
    for row in rows:
        sheet.append(export_row(columns, row, plan))
        count += 1
    codebook = workbook.create_sheet("codebook")
    for line in codebook_rows(definitions):
        codebook.append([neutralise(cell) for cell in line])
    workbook.save(path)
    return count
