"""The XLSX writer that streams the responses sheet's XML: the same cells, read back with
openpyxl, as XlsxWriter wrote cell by cell before; large exports read back whole."""

from __future__ import annotations

import itertools
import re
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import xlsxwriter
from openpyxl import load_workbook

from webapp.surveys.definition import Choice, Page, Question, SurveyDefinition
from webapp.surveys.results import export
from webapp.surveys.results.export import (
    XLSX_OPTIONS,
    ResponseRow,
    _plan,
    _xlsx_row,
    codebook_rows,
    export_columns,
    export_row,
    neutralise,
    write_stored_xlsx,
    write_xlsx,
)


def definition() -> SurveyDefinition:
    questions = [
        Question("age", "integer", {"en": "Age"}),
        Question("score", "decimal", {"en": "Score"}),
        Question("sources", "select_multiple", {"en": "Sources"}, choice_list="sources"),
        Question("trust", "select_one", {"en": "Trust", "ru": "Доверие"}, choice_list="yn"),
        Question("comment", "text", {"en": "Comment"}),
    ]
    return SurveyDefinition(
        form_id="xlsx",
        title={"en": "XLSX"},
        languages=["en", "ru"],
        default_language="en",
        pages=[Page("p", {}, None, questions)],
        choice_lists={
            "sources": [Choice("tv", {"en": "TV"}), Choice("web", {"en": "=Web"})],
            "yn": [Choice("yes", {"en": "Yes"}), Choice("no", {"en": "No"})],
        },
    )


NAN = float("nan")
#: Text and numbers that take every branch of the cell writer.
TRICKY_VALUES: list[Any] = [
    "plain",
    "Жол жөндеу керек",
    "emoji 🙂 and 中文",
    "=1+1",
    "+7 701 000",
    "-2",
    "@SUM(A1)",
    "\tindented",
    "\rcarriage",
    "a\r\nb\rc\nd",
    "  leading",
    "trailing  ",
    "\u00a0no-break space",
    "tab\tinside",
    "a & b < c > d \"quoted\" 'single'",
    "control \x01\x02\x1f characters",
    "_x0041_ looks like an escape",
    "_X00ZZ_ does not",
    "non-characters \ufffe\uffff",
    "]]> <![CDATA[ x",
    "<b>bold</b>",
    "x" * 40_000,
    "я" * 20_000,
    "🙂" * 17_000,
    0,
    1,
    -1,
    34,
    2**31 - 1,
    2**53 + 1,
    10**17,
    -(10**20),
    0.5,
    -0.25,
    1e-300,
    1.7976931348623157e308,
    3.141592653589793,
    NAN,
    float("inf"),
    float("-inf"),
    None,
    "",
    True,
    False,
    ["tv", "=x"],
]


def position(value: Any) -> int:
    """Where a value is in ``TRICKY_VALUES`` (``True == 1``, and NaN equals nothing)."""
    return next(
        index
        for index, candidate in enumerate(TRICKY_VALUES)
        if candidate is value or (type(candidate) is type(value) and candidate == value)
    )


def tricky_rows() -> list[ResponseRow]:
    rows: list[ResponseRow] = []
    moment = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    for number, value in enumerate(TRICKY_VALUES, start=1):
        answers = {"comment": value, "age": value, "score": value, "trust": value}
        if number % 3 == 0:
            answers["sources"] = ["tv", "web"] if number % 2 else "web"
        rows.append((number, moment, "ru", "KZ-75" if number % 2 else None, 1, answers))
    return rows


def xlsxwriter_reference(path: Path, definitions: list[SurveyDefinition], rows: list) -> None:
    """The writer the export used before: each cell through XlsxWriter's ``write_string`` or
    ``write_number`` in constant-memory mode (the codebook the same way)."""
    columns = export_columns(definitions)
    plan = _plan(columns)
    with (
        tempfile.TemporaryDirectory() as folder,
        xlsxwriter.Workbook(
            str(path), {**XLSX_OPTIONS, "constant_memory": True, "tmpdir": folder}
        ) as workbook,
    ):
        sheet = workbook.add_worksheet("responses")
        _xlsx_row(sheet, 0, [column.name for column in columns])
        for number, row in enumerate(rows, start=1):
            _xlsx_row(sheet, number, export_row(columns, row, plan))
        codebook = workbook.add_worksheet("codebook")
        for number, line in enumerate(codebook_rows(definitions)):
            _xlsx_row(codebook, number, [neutralise(cell) for cell in line])


def cells(path: Path, sheet: str) -> list[list[tuple[Any, str]]]:
    """Every cell of a sheet as (value, openpyxl's data type), trailing empty cells dropped."""
    workbook = load_workbook(path)
    rows = []
    for row in workbook[sheet].iter_rows():
        line = [(cell.value, cell.data_type) for cell in row]
        while line and line[-1][0] is None:
            line.pop()
        rows.append(line)
    workbook.close()
    return rows


def test_cells_read_back_as_xlsxwriter_wrote_them(tmp_path):
    """Every value as openpyxl reads it back, type included, equals what XlsxWriter wrote."""
    definitions = [definition()]
    rows = tricky_rows()
    reference, streamed = tmp_path / "reference.xlsx", tmp_path / "streamed.xlsx"
    xlsxwriter_reference(reference, definitions, rows)
    assert write_xlsx(streamed, definitions, iter(rows)) == len(rows)
    for sheet in ("responses", "codebook"):
        expected, found = cells(reference, sheet), cells(streamed, sheet)
        assert len(found) == len(expected) == (len(rows) + 1 if sheet == "responses" else 15)
        for number, (want, got) in enumerate(zip(expected, found, strict=True)):
            assert got == want, (sheet, number)


def test_numbers_are_numbers_and_text_is_text_never_a_formula(tmp_path):
    path = tmp_path / "export.xlsx"
    write_xlsx(path, [definition()], iter(tricky_rows()))
    workbook = load_workbook(path)
    sheet = workbook["responses"]
    header = [cell.value for cell in sheet[1]]
    age, comment = header.index("age") + 1, header.index("comment") + 1
    by_value = {
        index: (sheet.cell(index + 2, age), sheet.cell(index + 2, comment))
        for index in range(len(TRICKY_VALUES))
    }
    number, text = by_value[position(34)]
    assert (number.value, number.data_type) == (34, "n") and type(number.value) is int
    number, _ = by_value[position(0.5)]
    assert (number.value, number.data_type) == (0.5, "n")
    _, text = by_value[position("=1+1")]
    assert (text.value, text.data_type) == ("'=1+1", "s")  # neutralised, and text
    _, text = by_value[position("<b>bold</b>")]
    assert text.value == "<b>bold</b>"
    _, text = by_value[position("a\r\nb\rc\nd")]
    assert text.value == "a\nb\nc\nd"
    # Control characters (not allowed in XML) as Excel's escapes, which Excel reads back as
    # the characters (openpyxl shows the escapes); an escape-like text has its own escaped.
    _, text = by_value[position("control \x01\x02\x1f characters")]
    assert text.value == "control _x0001__x0002__x001F_ characters"
    _, text = by_value[position("_x0041_ looks like an escape")]
    assert text.value == "_x005F_x0041_ looks like an escape"
    _, text = by_value[position("  leading")]
    assert text.value == "  leading"
    _, text = by_value[position("x" * 40_000)]
    assert text.value == "x" * 32_767  # a cell's most, as Excel allows
    _, text = by_value[position("🙂" * 17_000)]
    assert text.value == "🙂" * 16_383  # 32,767 UTF-16 units, no emoji cut in half
    _, text = by_value[position(True)]
    assert (text.value, text.data_type) == ("True", "s")
    number, text = by_value[position(NAN)]
    assert number.value is None and text.value is None
    workbook.close()
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name


def test_rich_text_markup_in_an_answer_stays_text(tmp_path):
    """XlsxWriter copied text shaped like ``<r>...</r>`` into the sheet unescaped, as rich
    text markup: an answer could break the file."""
    rows = [
        (1, datetime(2026, 1, 5, tzinfo=UTC), "en", None, 1, {"comment": "<r>broken"}),
        (2, datetime(2026, 1, 5, tzinfo=UTC), "en", None, 1, {"comment": "<r><t>x</t></r>"}),
    ]
    path = tmp_path / "export.xlsx"
    write_xlsx(path, [definition()], iter(rows))
    workbook = load_workbook(path, read_only=True)
    sheet = list(workbook["responses"].iter_rows(values_only=True))
    comment = sheet[0].index("comment")
    assert [line[comment] for line in sheet[1:]] == ["<r>broken", "<r><t>x</t></r>"]
    workbook.close()


def large_rows(count: int) -> itertools.islice:
    """``count`` responses with unique ids, times and comments, and repeating codes."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    comments = ["Roads need repair", "=1+1", "Жол жөндеу керек", "", "+7 701 000 00 00"]

    def rows():
        for number in itertools.count(1):
            answers: dict[str, Any] = {
                "age": 18 + number % 60,
                "score": number / 8,
                "trust": ("yes", "no")[number % 2],
                "sources": [["tv"], ["web"], ["tv", "web"]][number % 3],
            }
            comment = comments[number % 5]
            if comment:
                answers["comment"] = f"{comment} #{number}" if number % 7 else comment
            yield (
                number,
                start + timedelta(seconds=number * 37),
                ("kk", "ru", "en")[number % 3],
                f"KZ-{10 + number % 20}",
                1 + number % 2,
                answers,
            )

    return itertools.islice(rows(), count)


def test_a_large_export_reads_back_whole(tmp_path, monkeypatch):
    """Many chunks, more distinct values than the writer remembers. The writer's limits are
    lowered so that 6,000 responses cross both, as 60,000 do with the real ones (that took
    18 s of the suite); bench/survey_export.py writes a million with the real limits."""
    monkeypatch.setattr(export, "_REMEMBERED_CELLS", 5_000)
    monkeypatch.setattr(export, "XLSX_ROWS_PER_CHUNK", 50)
    count = 6_000
    assert count > export._REMEMBERED_CELLS and count > 10 * export.XLSX_ROWS_PER_CHUNK
    path = tmp_path / "large.xlsx"
    assert write_xlsx(path, [definition()], large_rows(count)) == count
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["responses", "codebook"]
    sheet = workbook["responses"].iter_rows(values_only=True)
    header = next(sheet)
    columns = [column.name for column in export_columns([definition()])]
    assert list(header) == columns
    index = {name: position for position, name in enumerate(header)}
    for line, row in zip(sheet, large_rows(count), strict=True):  # every row, no more
        number, moment, language, region, version, answers = row
        assert line[index["response_id"]] == number
        assert line[index["submitted_at"]] == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (line[index["language"]], line[index["region_code"]]) == (language, region)
        assert line[index["survey_version"]] == version
        assert line[index["age"]] == answers["age"] and type(line[index["age"]]) is int
        assert line[index["score"]] == answers["score"]
        assert line[index["trust"]] == answers["trust"]
        assert line[index["sources"]] == " ".join(answers["sources"])
        assert line[index["sources/tv"]] == int("tv" in answers["sources"])
        assert line[index["sources/web"]] == int("web" in answers["sources"])
        assert line[index["comment"]] == neutralise(answers.get("comment"))
    codebook = list(workbook["codebook"].iter_rows(values_only=True))
    assert codebook[0][:4] == ("column", "question", "type", "code")
    web = next(line for line in codebook if line[0] == "sources/web")
    assert web[6] == "'=Web"  # a label is neutralised too
    assert any(line[0] == "trust" and line[3] == "yes" for line in codebook)
    workbook.close()


def test_the_sheet_has_no_stale_dimension_and_is_well_formed(tmp_path):
    path = tmp_path / "export.xlsx"
    write_xlsx(path, [definition()], large_rows(1_200))
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
        names = archive.namelist()
    assert "<dimension" not in xml  # optional; the header-only one would be wrong
    assert xml.count("<row ") == 1_201
    assert re.findall(r'<row r="(\d+)"', xml)[-1] == "1201"
    assert xml.rstrip().endswith("</worksheet>")
    assert "xl/worksheets/sheet2.xml" in names and "[Content_Types].xml" in names
    # Rows name their number; cells follow each other (no reference: optional), all written.
    space = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rows = ElementTree.fromstring(xml).find(f"{space}sheetData")
    width = len(export_columns([definition()]))
    for number, row in enumerate(rows, start=1):
        assert row.get("r") == str(number)
        cells = list(row)
        if number > 1:
            assert len(cells) == width and all(cell.get("r") is None for cell in cells), number


def test_stored_rows_give_the_same_workbook_as_parsed_rows(tmp_path):
    """``write_stored_xlsx`` (answers as JSON text, as the endpoint reads them) against
    ``write_xlsx`` (answers parsed), booleans and numbers of every kind included."""
    import json

    rows = tricky_rows() + list(large_rows(2_000))
    stored = [
        (
            number,
            export.format_moment(moment),
            language,
            region,
            version,
            json.dumps(answers, ensure_ascii=False, allow_nan=True),
        )
        for number, moment, language, region, version, answers in rows
    ]
    parsed, fast = tmp_path / "parsed.xlsx", tmp_path / "stored.xlsx"
    assert write_xlsx(parsed, [definition()], iter(rows)) == len(rows)
    assert write_stored_xlsx(fast, [definition()], iter(stored)) == len(rows)
    assert cells(parsed, "responses") == cells(fast, "responses")


@pytest.mark.parametrize("limit", [3, 5])
def test_the_writer_stops_at_a_sheets_rows(tmp_path, monkeypatch, limit):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", limit)  # Excel's is 1,048,576
    path = tmp_path / "export.xlsx"
    assert write_xlsx(path, [definition()], large_rows(10)) == limit - 1
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook["responses"].iter_rows(values_only=True))
    assert [row[0] for row in rows] == ["response_id", *range(1, limit)]
    workbook.close()


def test_no_responses_give_the_header_and_the_codebook(tmp_path):
    path = tmp_path / "export.xlsx"
    assert write_xlsx(path, [definition()], iter([])) == 0
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook["responses"].iter_rows(values_only=True))
    assert rows == [tuple(column.name for column in export_columns([definition()]))]
    assert len(list(workbook["codebook"].iter_rows())) == 15
    workbook.close()


def zip64_fields(path: Path) -> list[str]:
    """Parts whose central directory entry carries a ZIP64 extra field (header id 1)."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            extra, position = info.extra, 0
            while position + 4 <= len(extra):
                header = int.from_bytes(extra[position : position + 2], "little")
                size = int.from_bytes(extra[position + 2 : position + 4], "little")
                if header == 1:
                    found.append(info.filename)
                position += 4 + size
    return found


def test_zip64_only_for_a_sheet_that_needs_it(tmp_path, monkeypatch):
    """Excel is strict about ZIP64 headers, so an ordinary export has none; a sheet past
    zipfile's limit still gets them (the limit lowered here) and reads back."""
    path = tmp_path / "export.xlsx"
    write_xlsx(path, [definition()], large_rows(3_000))
    assert zip64_fields(path) == []
    monkeypatch.setattr(export.zipfile, "ZIP64_LIMIT", 100_000)
    large = tmp_path / "large.xlsx"
    assert write_xlsx(large, [definition()], large_rows(3_000)) == 3_000
    monkeypatch.undo()
    assert "xl/worksheets/sheet1.xml" in zip64_fields(large)
    workbook = load_workbook(large, read_only=True)
    rows = list(workbook["responses"].iter_rows(values_only=True))
    assert len(rows) == 3_001 and rows[-1][0] == 3_000
    workbook.close()


def test_zip64_end_records_when_the_parts_after_the_sheet_start_past_the_limit(
    tmp_path, monkeypatch
):
    """The archive is written by the export itself (the sheet comes compressed from a
    thread): past the limit the parts after the sheet get ZIP64 offsets and the archive its
    ZIP64 end records, and every part reads back with its CRC checked."""
    monkeypatch.setattr(export.zipfile, "ZIP64_LIMIT", 50_000)
    path = tmp_path / "large.xlsx"
    assert write_xlsx(path, [definition()], large_rows(3_000)) == 3_000
    monkeypatch.undo()
    data = path.read_bytes()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # ZIP64 end record and locator
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        sheet = names.index("xl/worksheets/sheet1.xml")
        assert archive.infolist()[sheet].compress_size > 50_000
    assert set(names[sheet:]) <= set(zip64_fields(path))
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook["responses"].iter_rows(values_only=True))
    assert len(rows) == 3_001 and rows[-1][0] == 3_000
    workbook.close()


def test_an_ordinary_archive_is_what_zipfile_would_write(tmp_path):
    """The export writes its archive itself: every entry as ``zipfile`` writes the same parts
    (deflated, no ZIP64, the same header fields, sizes and CRCs)."""
    path = tmp_path / "export.xlsx"
    write_xlsx(path, [definition()], large_rows(500))
    rezipped = tmp_path / "rezipped.xlsx"
    with (
        zipfile.ZipFile(path) as archive,
        zipfile.ZipFile(rezipped, "w", zipfile.ZIP_DEFLATED) as reference,
    ):
        assert archive.testzip() is None
        for info in archive.infolist():
            fresh = zipfile.ZipInfo(info.filename, info.date_time)
            fresh.external_attr = info.external_attr
            reference.writestr(fresh, archive.read(info), zipfile.ZIP_DEFLATED)

    def fields(info: zipfile.ZipInfo) -> tuple[Any, ...]:
        return (
            info.filename,
            info.date_time,
            info.compress_type,
            info.CRC,
            info.file_size,
            info.flag_bits,
            info.extra,
            info.create_system,
            info.create_version,
            info.extract_version,
            info.external_attr,
        )

    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(rezipped) as reference:
        assert [fields(info) for info in archive.infolist()] == [
            fields(info) for info in reference.infolist()
        ]
        assert zip64_fields(path) == []


class FullDisk:
    """A file that takes ``room`` bytes and then fails as a full disk does."""

    def __init__(self, room: int) -> None:
        self.room = room

    def write(self, data: bytes) -> int:
        self.room -= len(data)
        if self.room < 0:
            raise OSError(28, "No space left on device")
        return len(data)


def test_a_failure_while_compressing_reaches_the_writer_and_stops_the_thread():
    deflater = export._SheetDeflater(FullDisk(10_000), export.XLSX_COMPRESSION)
    noise = bytes(range(256)) * 4_000  # compresses badly: the disk fills at once
    with pytest.raises(OSError, match="No space left"):
        for _ in range(100):
            deflater.write(noise)
        deflater.finish()
    deflater.close()
    assert not deflater._thread.is_alive()


def test_rows_failing_midway_leave_no_thread_behind(tmp_path):
    def failing() -> Any:
        yield from large_rows(1_200)
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        write_xlsx(tmp_path / "export.xlsx", [definition()], failing())
    import threading

    assert not [thread for thread in threading.enumerate() if thread.name == "xlsx-deflate"]
