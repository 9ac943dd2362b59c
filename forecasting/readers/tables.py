"""Turning a file (CSV, XLSX, XLS) or a DataFrame into a plain table of cells.

Whatever arrives (a path, an upload's byte stream, a frame), the rest of the reader sees the
same thing: a header row, data rows with the row numbers a spreadsheet user sees, and
whether numbers use a decimal comma. A file that cannot be opened becomes a report error
here, never an exception: uploads come from people, and people send PDFs, empty files,
password-protected workbooks and truncated downloads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import IO

import pandas as pd

from forecasting.periods import PeriodError, is_likely_year, parse_period
from forecasting.readers.report import ValidationReport

#: Wider tables than this are refused: no statistics table has that many columns, and a
#: runaway sheet would otherwise produce thousands of issues.
MAX_COLUMNS = 1000
#: Longer tables than this are refused while they are read: 20 regions x 30 years of months
#: x 34 indicators fit; a runaway export would otherwise hold a web worker for a minute and
#: some gigabytes (300,000 rows took 30 s and 275 MB before any check).
MAX_ROWS = 250_000
#: Rows searched for the header above the data (titles and notes often come first).
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass
class Table:
    """A header and the data rows under it, with spreadsheet row numbers."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list[object]]]
    decimal_comma: bool
    sheet: str | None = None
    #: (row, column index) of cells holding a formula whose value was never saved.
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    #: Each column's group label when a header row under group labels was folded into the
    #: header ("Уровень безработицы, %" over "2022", "2023"); empty otherwise.
    groups: list[str] = field(default_factory=list)

    def column_label(self, index: int) -> str:
        """The header text, or the spreadsheet letter when the header cell is empty."""
        text = self.header[index] if index < len(self.header) else ""
        return text or f"column {column_letter(index)}"


def column_letter(index: int) -> str:
    """Spreadsheet column letter for a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def cell_text(value: object) -> str:
    """A cell as text: integers without ".0", dates as ISO dates, blanks as ""."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | pd.Timestamp):
        if value.hour == value.minute == value.second == 0:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def load_table(
    source: str | PathLike[str] | IO | pd.DataFrame,
    *,
    filename: str | None,
    sheet: str | int | None,
    report: ValidationReport,
    is_header: Callable[[list[str]], bool] | None = None,
) -> Table | None:
    """Open ``source`` and find its header; report and return ``None`` when that fails.

    ``is_header`` tells whether a row reads as a header (see ``_find_header``).
    """
    if isinstance(source, pd.DataFrame):
        return _table_from_frame(source)
    data = _read_bytes(source, report)
    if data is None:
        return None
    if not data.strip():
        report.error("the file is empty", code="file.empty")
        return None
    name = (filename or (str(source) if isinstance(source, str | PathLike) else "")).lower()
    if data.startswith(_ZIP_MAGIC):
        grid = _read_xlsx(data, sheet, report)
        decimal_comma = True
    elif data.startswith(_OLE_MAGIC):
        grid = _read_xls(data, sheet, report)
        decimal_comma = True
    elif name.endswith(EXCEL_SUFFIXES):
        report.error(
            "the file is named like an Excel workbook but is not one "
            "(damaged, truncated or another format renamed)",
            code="file.not_excel",
        )
        return None
    else:
        text = _decode(data, report)
        if text is None:
            return None
        grid, delimiter = _read_csv(text)
        if len(grid) > MAX_ROWS:
            _too_many_rows(report)
            return None
        decimal_comma = delimiter != "," or _writes_decimal_commas(grid)
        _note_lost_letters(grid, report)
        grid = _sdmx_codes(_split_dimension_column(grid))
    if grid is None:
        return None
    return _find_header(grid, decimal_comma, report, is_header)


#: "?" where a letter was: "??ір", "А?мола облысы" (a question mark ends a word, never
#: opens one).
_LOST_LETTER = re.compile(r"\?(?=[\u0400-\u04ff])")


def _note_lost_letters(grid: list[list[object]], report: ValidationReport) -> None:
    """Warn when Kazakh letters were replaced by "?" before the file reached us.

    Excel's "CSV (разделители — запятые)" in a Russian locale saves Windows-1251, which has
    no ә, ғ, қ, ң, ө, ұ, ү, һ: "Қазақстан" becomes "?аза?стан" in the file itself, and then
    names do not resolve and headers are not recognised, for a reason no other message says.
    """
    cells = [
        cell for row in grid for cell in row if isinstance(cell, str) and _LOST_LETTER.search(cell)
    ]
    if not cells:
        return
    examples = ", ".join(repr(cell.strip()) for cell in list(dict.fromkeys(cells))[:3])
    report.warning(
        f"{len(cells)} cell(s) hold '?' where a letter was ({examples}): the file was saved "
        "in an encoding without Kazakh letters (Windows-1251, Excel's \"CSV (comma "
        'delimited)" in a Russian locale), which replaced them; save it as "CSV UTF-8" '
        "or as .xlsx and read it again",
        code="file.lost_letters",
        params={"count": len(cells), "examples": examples},
    )


#: A number whose comma can only be a decimal one: "4,9", "5,25", "0,1234", "1234,5",
#: "1 234,5" (not one comma before exactly three digits, which may be thousands).
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+),\d+%?$")
_NOT_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3},\d{3}%?$")
#: A number only the English convention writes: "1,234,567", "1,234.5".
_ENGLISH_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+%?$|^[+-]?\d{1,3}(?:,\d{3}){2,}%?$")


def _writes_decimal_commas(grid: list[list[object]]) -> bool:
    """Whether a comma-delimited CSV writes decimal commas in its (quoted) numbers.

    Google Sheets and LibreOffice in a Russian or Kazakh locale save "4,9" quoted in a
    comma-delimited file. A number such as "4,9" or "5,25" says so, and then "4,125" in the
    same file is 4.125, not 4125; a number only the English convention writes ("1,234.5",
    "1,234,567") keeps the file English.
    """
    decimal = False
    for row in grid:
        for cell in row:
            text = str(cell).strip() if isinstance(cell, str) else ""
            if "," not in text:
                continue
            if _ENGLISH_THOUSANDS.match(text):
                return False
            if _DECIMAL_COMMA.match(text) and not _NOT_DECIMAL_COMMA.match(text):
                decimal = True
    return decimal


def _read_bytes(source: str | PathLike[str] | IO, report: ValidationReport) -> bytes | None:
    try:
        if hasattr(source, "read"):
            content = source.read()  # type: ignore[union-attr]
            return content.encode("utf-8") if isinstance(content, str) else bytes(content)
        return Path(source).read_bytes()  # type: ignore[arg-type]
    except FileNotFoundError:
        report.error(f"no such file: {source}")
    except IsADirectoryError:
        report.error(f"{source} is a folder, not a file")
    except OSError as error:
        report.error(f"cannot read the file: {error.strerror or error}")
    return None


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1251 as saved by Excel;
    ``None`` for bytes that are none of them. The unit file (``geography.load_units``) is
    read by the same rule as statistics files."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "cp1251")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    return None


def has_lost_letters(text: str) -> bool:
    """Whether ``text`` holds "?" where a Cyrillic letter was (see ``_note_lost_letters``)."""
    return _LOST_LETTER.search(text) is not None


def _decode(data: bytes, report: ValidationReport) -> str | None:
    """``decode_text``, reporting bytes it cannot read."""
    text = decode_text(data)
    if text is not None:
        return text
    report.error(
        "the file is neither a spreadsheet (XLSX, XLS) nor readable text (CSV in UTF-8 or "
        "Windows-1251)",
        code="file.unreadable",
    )
    return None


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number of fields (> 1)."""
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        counts = [len(fields) for fields in csv.reader(lines, delimiter=delimiter)]
        counts = [count for count in counts if count > 1]
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        score = hits / len(lines) + mode / 1000  # consistency first, then more fields
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(text: str) -> tuple[list[list[object]], str]:
    """The rows (at most ``MAX_ROWS + 1``: one more tells that the file is too long)."""
    lines = [line for line in text.splitlines()[: HEADER_SEARCH_ROWS + 50] if line.strip()][:50]
    delimiter = sniff_delimiter(lines)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [list(row) for row in itertools.islice(rows, MAX_ROWS + 1)], delimiter


def _too_many_rows(report: ValidationReport, name: str = "") -> None:
    where = f"sheet {name!r}" if name else "the file"
    report.error(
        f"{where} has more than {MAX_ROWS:,} rows; a table of regional statistics has far "
        "fewer: split it (by indicator or by years) and import the parts one by one",
        code="file.too_many_rows",
        params={"limit": MAX_ROWS},
    )


def _read_xlsx(data: bytes, sheet: str | int | None, report: ValidationReport) -> list | None:
    import openpyxl

    try:
        values_book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # A second pass finds formulas whose result was never saved; most files have none.
        formulas_book = (
            openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            if _has_formulas(data)
            else None
        )
    except (zipfile.BadZipFile, EOFError):
        report.error("the Excel file is damaged or truncated", code="file.damaged")
        return None
    except Exception:  # openpyxl raises many kinds for a ZIP that is not a workbook
        report.error(
            "the file is a ZIP archive but not an Excel workbook: save it as .xlsx or .csv",
            code="file.zip_not_workbook",
        )
        return None
    try:
        names = [name for name in values_book.sheetnames if hasattr(values_book[name], "iter_rows")]
        if sheet is None:
            names = _visible(names, lambda name: values_book[name].sheet_state == "visible")
        order = _sheet_order(names, sheet, report)
        if not order:
            return None
        for name in order:
            worksheet = values_book[name]
            grid = _sheet_rows(_shown_values(worksheet.iter_rows()), name, report)
            if grid is None:
                return None
            if sheet is not None or _has_data(grid):
                if sheet is None:
                    later = names[names.index(name) + 1 :]
                    _note_other_sheets(
                        name, [n for n in later if _xlsx_table(values_book[n])], report
                    )
                _fill_merged(grid, _xlsx_merged_ranges(data, worksheet))
                if formulas_book is None:
                    return grid
                formulas = _sheet_rows(formulas_book[name].iter_rows(values_only=True), name, None)
                return _mark_formulas(grid, formulas or [])
        report.error("no sheet of the workbook holds data", code="file.no_sheet_data")
        return None
    except Exception as error:  # a corrupt sheet part surfaces only while reading rows
        report.error(
            f"the Excel file is damaged ({type(error).__name__}: {error})", code="file.damaged"
        )
        return None
    finally:
        values_book.close()
        if formulas_book is not None:
            formulas_book.close()


_MERGE_TAG = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _xlsx_merged_ranges(data: bytes, worksheet: object) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a sheet, read from its XML (the streaming reader does not expose them).

    Returns (first column, first row, last column, last row), 1-based.
    """
    from openpyxl.utils.cell import range_boundaries

    path = getattr(worksheet, "_worksheet_path", None)
    if not path:
        return []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            xml = archive.read(path)
        except KeyError:
            return []
    return [range_boundaries(ref.decode()) for ref in _MERGE_TAG.findall(xml)]  # type: ignore[misc]


def _fill_merged(grid: list[list[object]], ranges: Iterable[tuple[int, int, int, int]]) -> None:
    """Give every cell of a merged range the value it shows: the top-left cell's."""
    for first_column, first_row, last_column, last_row in ranges:
        if first_row > len(grid) or last_column > MAX_COLUMNS:
            continue
        top_left = grid[first_row - 1]
        value = top_left[first_column - 1] if first_column - 1 < len(top_left) else None
        if is_blank(value):
            continue
        for row_index in range(first_row - 1, min(last_row, len(grid))):
            row = grid[row_index]
            if len(row) < last_column:
                row.extend([None] * (last_column - len(row)))
            for column_index in range(first_column - 1, last_column):
                if is_blank(row[column_index]):
                    row[column_index] = value


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of the workbook holds a formula (``<f>`` element)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if is_sheet and _FORMULA_TAG.search(archive.read(name)):
                return True
    return False


class _Formula(str):
    """A formula cell whose result was never saved (files written by scripts, not Excel)."""


class PercentCell(float):
    """A number Excel shows as a percentage (0.049 formatted ``0.0%`` shows "4.9%"), held
    as the percentage shown (4.9), as a table typed "4,9%" is read; the reader says so."""


#: Quoted text and escaped characters of a number format: a ``%`` in them is shown as it
#: is, without multiplying (``0.0" %"``, ``0.0\%``).
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.')


def _is_percent_format(number_format: object) -> bool:
    return isinstance(number_format, str) and "%" in _FORMAT_LITERALS.sub("", number_format)


def _shown_values(rows: Iterable[Iterable[object]]) -> Iterable[list[object]]:
    """Cell values of worksheet rows, percentages as Excel shows them (see ``PercentCell``)."""
    for row in rows:
        values = []
        for cell in row:
            value = getattr(cell, "value", None)
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
                and _is_percent_format(getattr(cell, "number_format", None))
            ):
                # Through the decimal text, so 0.049 is 4.9 and not 4.9000000000000004.
                value = PercentCell(float(Decimal(repr(value)) * 100))
            values.append(value)
        yield values


def _mark_formulas(values: list[list[object]], formulas: list[list[object]]) -> list[list[object]]:
    for row_index, formula_row in enumerate(formulas[: len(values)]):
        row = values[row_index]
        for column_index, formula in enumerate(formula_row):
            if not (isinstance(formula, str) and formula.startswith("=")):
                continue
            if column_index >= len(row):
                row.extend([None] * (column_index + 1 - len(row)))
            if row[column_index] is None:
                row[column_index] = _Formula(formula)
    return values


def _read_xls(data: bytes, sheet: str | int | None, report: ValidationReport) -> list | None:
    import xlrd

    if _ENCRYPTED_PACKAGE in data:
        report.error(
            "the workbook is password-protected: save a copy without a password",
            code="file.password",
        )
        return None
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, formatting_info=True)
    except xlrd.biffh.XLRDError as error:
        if "encrypt" in str(error).lower():
            report.error(
                "the workbook is password-protected: save a copy without a password",
                code="file.password",
            )
        else:
            report.error(
                f"the file is not a readable Excel workbook ({error})", code="file.damaged"
            )
        return None
    except Exception as error:  # xlrd raises assorted errors for damaged files
        report.error(
            f"the Excel file is damaged or truncated ({type(error).__name__})",
            code="file.damaged",
        )
        return None
    try:
        names = book.sheet_names()
        if sheet is None:
            names = _visible(names, lambda name: book.sheet_by_name(name).visibility == 0)
        order = _sheet_order(names, sheet, report)
        if not order:
            return None
        for name in order:
            worksheet = book.sheet_by_name(name)
            rows = (
                [_xls_cell(cell, book.datemode) for cell in worksheet.row(index)]
                for index in range(worksheet.nrows)
            )
            grid = _sheet_rows(rows, name, report)
            if grid is None:
                return None
            if sheet is not None or _has_data(grid):
                if sheet is None:
                    later = order[order.index(name) + 1 :]
                    tables = [
                        other
                        for other in later
                        if min(book.sheet_by_name(other).nrows, book.sheet_by_name(other).ncols)
                        >= 2
                    ]
                    _note_other_sheets(name, tables, report)
                _fill_merged(
                    grid,
                    [
                        (first_column + 1, first_row + 1, last_column, last_row)
                        for first_row, last_row, first_column, last_column in worksheet.merged_cells
                    ],
                )
                return grid
        report.error("no sheet of the workbook holds data", code="file.no_sheet_data")
        return None
    except Exception as error:
        report.error(
            f"the Excel file is damaged ({type(error).__name__}: {error})", code="file.damaged"
        )
        return None
    finally:
        book.release_resources()


def _xls_cell(cell: object, datemode: int) -> object:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:  # type: ignore[attr-defined]
        return xlrd.xldate.xldate_as_datetime(cell.value, datemode)  # type: ignore[attr-defined]
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):  # type: ignore[attr-defined]
        return None
    if cell.ctype == xlrd.XL_CELL_ERROR:  # type: ignore[attr-defined]
        return "#ERROR"
    return cell.value  # type: ignore[attr-defined]


def _xlsx_table(worksheet: object) -> bool:
    """Whether a sheet's recorded size is at least two rows by two columns (cheap: the
    sheet's dimension, not its cells)."""
    rows = getattr(worksheet, "max_row", None) or 0
    columns = getattr(worksheet, "max_column", None) or 0
    return rows >= 2 and columns >= 2


def _note_other_sheets(name: str, others: list[str], report: ValidationReport) -> None:
    """Say which sheet was read when no sheet was named and later sheets hold tables too."""
    if not others:
        return
    listed = ", ".join(repr(other) for other in others)
    report.warning(
        f"read sheet {name!r}, the first with a table; the workbook has other sheets with "
        f"data: {listed} (read one with --sheet NAME)",
        code="file.other_sheets",
        params={"sheet": name, "others": listed},
    )


def _visible(names: list[str], visible: Callable[[str], bool]) -> list[str]:
    """The sheets a person sees in the workbook (all of them when every one is hidden).

    Bureau workbooks hide helper sheets (lookups, earlier versions, a chart's data) before
    the published table: reading the first sheet with data must not pick one of those.
    A hidden sheet is still read when ``sheet`` names it.
    """
    shown = [name for name in names if visible(name)]
    return shown or names


#: Eurostat's TSV header of its first column: the dimensions joined by commas, the last one
#: before a backslash and the name of the dimension across ("freq,unit,geo\\TIME_PERIOD").
_DIMENSION_HEADER = re.compile(r"^\s*([^,\\]+(?:,[^,\\]+)*)\\\s*[^,\\]+$")


def _split_dimension_column(grid: list[list[object]]) -> list[list[object]]:
    """Eurostat's TSV: a first column "freq,unit,geo\\TIME_PERIOD" over "A,PC,KG-B" becomes
    one column per dimension (``freq``, ``unit``, ``geo``), so the region column is found
    like any other. Left as is unless every data row splits into as many parts."""
    first = next((index for index, row in enumerate(grid) if row and str(row[0]).strip()), None)
    if first is None:
        return grid
    match = _DIMENSION_HEADER.match(str(grid[first][0]))
    if match is None:
        return grid
    names = [name.strip() for name in match[1].split(",")]
    if len(names) < 2:
        return grid
    rows = grid[first + 1 :]
    parts = [str(row[0]).split(",") if row and not is_blank(row[0]) else None for row in rows]
    if not any(parts) or any(part is not None and len(part) != len(names) for part in parts):
        return grid
    split = [grid_row for grid_row in grid[:first]]
    split.append([*names, *grid[first][1:]])
    for row, part in zip(rows, parts, strict=True):
        split.append([*(part if part is not None else [""] * len(names)), *row[1:]])
    return split


#: SDMX-CSV written with labels: "REF_AREA: Reference area" over "KG-B: Batken".
_SDMX_HEADER = re.compile(r"^([A-Z][A-Z0-9_]*): \S.*$")
_SDMX_CELL = re.compile(r"^([^:\s][^:]*?): \S.*$")


def _sdmx_codes(grid: list[list[object]]) -> list[list[object]]:
    """SDMX-CSV "with labels" (``labels=both``) writes each component as "ID: Name" and each
    value as "code: name": keep the ID and the codes, which name units and indicators the
    way the codes-only file does. Applied only when the header has two such components."""
    first = next((index for index, row in enumerate(grid) if any(map(_filled, row))), None)
    if first is None:
        return grid
    header = [cell_text(cell) for cell in grid[first]]
    labelled = [index for index, text in enumerate(header) if _SDMX_HEADER.match(text)]
    if len(labelled) < 2:
        return grid
    result = [list(row) for row in grid]
    for index in labelled:
        result[first][index] = header[index].split(":", 1)[0]
        for row in result[first + 1 :]:
            if index < len(row) and isinstance(row[index], str):
                match = _SDMX_CELL.match(row[index].strip())
                if match is not None:
                    row[index] = match[1].strip()
    return result


def _sheet_order(names: list[str], sheet: str | int | None, report: ValidationReport) -> list[str]:
    """The requested sheet, or all sheets in order.

    An ``int`` is a 0-based position, as in pandas; text is a sheet name or, failing that,
    a 1-based number as people count sheets ("2" is the second sheet).
    """
    if sheet is None:
        if not names:
            report.error("the workbook has no worksheets", code="file.no_sheet_data")
        return names
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return [names[sheet]]
        report.error(
            f"the workbook has {len(names)} sheet(s), no sheet number {sheet + 1}: "
            + (", ".join(names) or "no sheets"),
            code="file.no_such_sheet",
            params={"sheet": str(sheet + 1), "sheets": ", ".join(names)},
        )
        return []
    text = str(sheet).strip()
    if text in names:
        return [text]
    if text.isdigit() and 1 <= int(text) <= len(names):
        return [names[int(text) - 1]]
    report.error(
        f"no sheet {text!r}; the workbook has: {', '.join(names) or 'no sheets'}",
        code="file.no_such_sheet",
        params={"sheet": text, "sheets": ", ".join(names)},
    )
    return []


def _sheet_rows(
    rows: Iterable[Iterable[object]], name: str, report: ValidationReport | None
) -> list[list[object]] | None:
    grid = []
    for row in rows:
        cells = list(row)
        while cells and is_blank(cells[-1]):
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            if report is not None:
                report.error(
                    f"sheet {name!r} has data in more than {MAX_COLUMNS} columns; "
                    "a table of statistics has far fewer: is this the right file?",
                    code="file.too_many_columns",
                    params={"limit": MAX_COLUMNS},
                )
            return None
        grid.append(cells)
        if len(grid) > MAX_ROWS:
            if report is not None:
                _too_many_rows(report, name)
            return None
    return grid


def _has_data(grid: list[list[object]]) -> bool:
    """Whether a sheet holds a table: two rows with two or more filled cells each.

    A contents or notes sheet (one column of titles, however many rows) is passed over when
    no sheet is named, as bureau workbooks put one before their tables.
    """
    filled = (sum(1 for cell in row if not is_blank(cell)) for row in grid)
    return sum(1 for count in filled if count >= 2) >= 2


def _find_header(
    grid: list[list[object]],
    decimal_comma: bool,
    report: ValidationReport,
    is_header: Callable[[list[str]], bool] | None = None,
) -> Table | None:
    """Find the header: the first row with two or more different values.

    Titles above a table have one value (or one merged value repeated). A title row with two
    texts ("Таблица 3.1" ... "в процентах") is skipped too when a row below it, at least as
    full and holding no values (numbers other than years), reads as a header (``is_header``:
    a column name the reader knows, or period headers). A second
    header row under group labels ("Годы" over "2019", "2020") is folded into the header; a
    year over quarters or months ("2023" merged over "I кв.", "II кв." or "январь"...), above
    or as the header, makes each column one period ("I кв. 2023").
    """
    if len(grid) and max((len(row) for row in grid), default=0) > MAX_COLUMNS:
        report.error(
            f"the file has more than {MAX_COLUMNS} columns: is this the right file?",
            code="file.too_many_columns",
            params={"limit": MAX_COLUMNS},
        )
        return None
    filled = [(index, row) for index, row in enumerate(grid) if any(map(_filled, row))]
    if not filled:
        report.error("the file is empty", code="file.empty")
        return None
    candidates = [
        number
        for number, (_, row) in enumerate(filled[:HEADER_SEARCH_ROWS])
        if len({cell_text(cell) for cell in row if _filled(cell)}) >= 2
    ]
    position = candidates[0] if candidates else 0
    if _unnamed_index_header(filled):
        position, candidates = 0, []
    if is_header is not None and candidates:
        for number in candidates:
            row = filled[number][1]
            if is_header([cell_text(cell) for cell in row]) and not any(map(_is_value, row)):
                width = sum(map(_filled, row))
                skipped = [filled[other][1] for other in candidates if other < number]
                if all(sum(map(_filled, title)) <= width for title in skipped):
                    position = number
                break
    header_index = filled[position][0]
    header = [cell_text(cell) for cell in grid[header_index]]
    if header_index > 0 and any(map(_filled, grid[header_index - 1])):
        above = [cell_text(cell) for cell in grid[header_index - 1]]
        if _period_groups(above, header) >= 2:
            header = _fold_header(above, header)
    last_header_index = header_index
    groups: list[str] = []
    if position + 1 < len(filled) and filled[position + 1][0] == header_index + 1:
        below = [cell_text(cell) for cell in filled[position + 1][1]]
        if _continues_header(header, below):
            groups = _group_labels(header, max(len(header), len(below)))
            header = _fold_header(header, below)
            last_header_index = header_index + 1
    rows = [(index + 1, row) for index, row in filled if index > last_header_index]
    if rows and _numbers_the_columns(rows[0][1]):
        report.warning(
            f"row {rows[0][0]} numbers the columns ({_cell_list(rows[0][1])}), as official "
            "forms do under the header: not data, skipped",
            row=rows[0][0],
            code="row.column_numbers",
            params={"row": rows[0][0], "cells": _cell_list(rows[0][1])},
        )
        rows = rows[1:]
    rows = _first_table(rows, [cell_text(cell) for cell in grid[header_index]], report)
    formula_cells = {
        (index + 1, column)
        for index, row in enumerate(grid)
        for column, cell in enumerate(row)
        if isinstance(cell, _Formula)
    }
    return Table(
        header=header,
        header_row=header_index + 1,
        rows=rows,
        decimal_comma=decimal_comma,
        formula_cells=formula_cells,
        groups=groups,
    )


#: A column letter of an official form's numbering row: "А", "Б", "В", "A", "B".
_COLUMN_LETTER = re.compile(r"^[А-ГA-D]$")


def _numbers_the_columns(row: list[object]) -> bool:
    """Whether a row under the header numbers the columns ("А", "1", "2", "3", or "1" ...
    "5"): a letter or two for the text columns, then the numbers 1, 2, 3... in order."""
    cells = [cell_text(cell).strip() for cell in row if not is_blank(cell)]
    letters = 0
    while letters < len(cells) and _COLUMN_LETTER.match(cells[letters]):
        letters += 1
    numbers = cells[letters:]
    if len(numbers) < 2 or letters > 2:
        return False
    expected = [str(number) for number in range(1, len(numbers) + 1)]
    return [re.sub(r"\.0$", "", number) for number in numbers] == expected


def _cell_list(row: list[object]) -> str:
    return ", ".join(cell_text(cell).strip() for cell in row if not is_blank(cell))


def _first_table(
    rows: list[tuple[int, list[object]]], header: list[str], report: ValidationReport
) -> list[tuple[int, list[object]]]:
    """The rows above a second table on the same sheet (a row that repeats the header, and
    the title rows just above it), with a warning naming where the second table starts."""
    wanted = [text for text in header if text]
    if len(wanted) < 2:
        return rows
    for position, (number, row) in enumerate(rows):
        if [text for text in map(cell_text, row) if text] != wanted:
            continue
        start = position
        while start > 0 and sum(map(_filled, rows[start - 1][1])) == 1:
            start -= 1  # the second table's title
        first = rows[start][0]
        report.warning(
            f"row {number} repeats the header: a second table starts on row {first}; only "
            f"the table above it is read ({len(rows) - start} row(s) from row {first} on are "
            "not): put each table on its own sheet or in its own file",
            row=first,
            code="table.second_table",
            params={"header_row": number, "first_row": first, "count": len(rows) - start},
        )
        return rows[:start]
    return rows


def _unnamed_index_header(filled: list[tuple[int, list[object]]]) -> bool:
    """Whether the first row is the header of one column over an unnamed first column.

    pandas writes a series with its dates as the index so (",unemployment" over
    "2020-01-01,4.1"). A title has its text in the first column; this row has it further
    right, over numbers, with the row just below it filling the first column.
    """
    if len(filled) < 2 or filled[1][0] != filled[0][0] + 1:
        return False
    first, below = filled[0][1], filled[1][1]
    texts = [column for column, cell in enumerate(first) if _filled(cell)]
    if len(texts) != 1 or texts[0] == 0 or _is_value(first[texts[0]]):
        return False
    column = texts[0]
    return bool(below) and _filled(below[0]) and column < len(below) and _is_value(below[column])


def _is_value(cell: object) -> bool:
    """A number that is not a year: headers hold none, data rows do."""
    if is_blank(cell):
        return False
    try:
        number = parse_number(cell, decimal_comma=True)
    except NotANumber:
        return False
    return not is_likely_year(number)


def _group_labels(high: list[str], width: int) -> list[str]:
    """Each column's group label: a label spans the blank cells to its right."""
    labels, current = [], ""
    for index in range(width):
        text = _at(high, index)
        current = text or current
        labels.append(current)
    return labels


def _period_under_group(group: str, low: str) -> str | None:
    """ "I кв." under "2023" is "I кв. 2023"; ``None`` when the two do not make a period."""
    if not group or not low or header_period(low) is not None:
        return None
    if header_period(group) is None:
        return None
    combined = f"{low} {without_footnote_marks(group)}"
    return combined if header_period(combined) is not None else None


def _period_groups(high: list[str], low: list[str]) -> int:
    """How many columns of ``low`` become periods under the group labels of ``high``."""
    groups = _group_labels(high, len(low))
    return sum(
        1 for group, text in zip(groups, low, strict=True) if _period_under_group(group, text)
    )


#: Sub-headers of the total under a period ("2022" over "всего", "мужчины", "женщины"),
#: folded as ``is_total_word`` folds them.
_TOTAL_WORDS = frozenset(
    {
        *("всего", "итого", "все", "оба пола", "всего по республике"),
        *("total", "all", "both sexes", "total population"),
        *("барлығы", "жиыны", "барлык", "екі жыныс"),
    }
)


def is_total_word(text: str) -> bool:
    folded = re.sub(r"[\s.,:;()*]+", " ", text.casefold().replace("ё", "е")).strip()
    return folded in _TOTAL_WORDS


def _fold_header(high: list[str], low: list[str]) -> list[str]:
    """One header from a group row and the sub-header row under it.

    Under a period, the total of a breakdown ("2022" over "всего", "мужчины", "женщины";
    "городская местность", "сельская местность") is that period's column; the other
    sub-headers are named with their period ("2022: мужчины") and left unread (the reader
    names them in its warning of columns not read).
    """
    width = max(len(high), len(low))
    high = high + [""] * (width - len(high))
    low = low + [""] * (width - len(low))
    groups = _group_labels(high, width)
    # A year over quarters or months and their total ("Итого"): the total is no period.
    over_periods = {
        group for group, text in zip(groups, low, strict=True) if _period_under_group(group, text)
    }
    folded = []
    for top, group, text in zip(high, groups, low, strict=True):
        combined = _period_under_group(group, text)
        if combined is not None:
            folded.append(combined)
        elif text and group and text != group and header_period(group) is not None:
            total = is_total_word(text) and group not in over_periods
            folded.append(group if total else f"{group}: {text}")
        else:
            folded.append(text if text and text != top else top)
    return folded


def _continues_header(header: list[str], below: list[str]) -> bool:
    """Whether ``below`` holds sub-headers: each new label sits under a group label.

    A group label spans the columns to its right that are blank (or repeat it, when the
    cells were merged). Data rows fail this: their first cell is a label of their own.
    """
    if not below or (below[0] and below[0] != (header[0] if header else "")):
        # Group labels over periods with the first column's header one row lower
        # (["", "Уровень безработицы, %", "", "Уровень бедности, %", ""] over ["Регион",
        # "2022", "2023", "2022", "2023"]): the row below is the header proper.
        # The first group may be merged over the first column too (a title "Уровень
        # безработицы, %" across A1:C1 over "Регион", "2022", "2023").
        rest = [text for text in below[1:] if text]
        grouped_first = not _at(header, 0) or _at(header, 0) == _at(header, 1)
        if not grouped_first or len(rest) < 2 or any(header_period(t) is None for t in rest):
            return False
    new = [index for index, text in enumerate(below) if text and text != _at(header, index)]
    if len(new) < 2:
        return False
    for index in new:
        here = _at(header, index)
        grouped = not here or here in (_at(header, index - 1), _at(header, index + 1))
        if not grouped and _at(header, index + 1):
            return False
    return True


def _at(cells: list[str], index: int) -> str:
    return cells[index] if 0 <= index < len(cells) else ""


def _filled(cell: object) -> bool:
    return not is_blank(cell)


def without_footnote_marks(header: str) -> str:
    """A header without the footnote marks offices put after it ("2021*", "2022¹"), and a
    year without the World Bank's code for it ("2015 [YR2015]" in DataBank exports,
    "YR2015" in its API's)."""
    text = re.sub(r"[*¹²³⁴⁵⁶⁷⁸⁹⁰⁾)]+$", "", header.strip()).strip()
    return _WORLD_BANK_YEAR.sub(r"\1\2", text)


_WORLD_BANK_YEAR = re.compile(r"^(\d{4})\s*\[YR\1\]$|^YR(\d{4})$", re.IGNORECASE)


def header_period(header: str) -> object | None:
    """The period a header names ("2019", "2020 год", "2021*"), or ``None``.

    A bare number is a period header only in the likely window of years (1800-2200): a
    first data row of values (a population of 1500) must not pass for a header of years.
    """
    text = without_footnote_marks(header)
    if not text or not any(char.isdigit() for char in text):
        return None
    if re.fullmatch(r"\d+(?:\.0+)?", text) and not is_likely_year(float(text)):
        return None
    try:
        return parse_period(text)
    except PeriodError:
        return None


def _table_from_frame(frame: pd.DataFrame) -> Table:
    header = [cell_text(column) for column in frame.columns]
    rows = [(index + 2, list(values)) for index, values in enumerate(frame.itertuples(index=False))]
    return Table(header=header, header_row=1, rows=rows, decimal_comma=False)


# --- Numbers ------------------------------------------------------------------------------

#: Cells statistics offices use for "no data": read as absent, with a warning.
NO_DATA_MARKERS = frozenset(
    {
        *("-", "–", "—", "..", "...", "…", "x", "х", "*", "#n/a", "nan"),
        *("n/a", "na", "n.a.", "not available"),
        *("н/д", "нд", "н.д.", "н.д", "нет данных", "нет сведений", "конф.", "конф"),
        *("мәлімет жоқ", "деректер жоқ"),
    }
)
#: Footnote marks after a number ("4,4*", "5,1¹"): the number is read, the mark reported.
#: So are the flags of Eurostat and SDMX exports after a space ("12.3 p" provisional,
#: "4.1 e" estimated, "7 b" break in series, "5.0 bp"...).
_FOOTNOTE_MARK = re.compile(
    r"^(?P<number>.*\d)(?:\s*(?P<mark>[*¹²³⁴⁵⁶⁷⁸⁹⁰⁾]+)|\s+(?P<flag>[bcdefnprsuz]{1,3}))$"
)
#: Eurostat's "no data" (":"), alone or with its flag (": c" confidential, ": z" not
#: applicable, ": u" unreliable).
_NO_DATA_FLAGGED = re.compile(r"^:\s*[a-z]{0,3}$")
#: A dash before a number is a minus sign ("–3,2" as typed in Word and Excel).
_DASH_MINUS = re.compile(r"^[\u2012\u2013\u2014\u2212](?=[\d.,])")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$")


class NotANumber(ValueError):
    """A cell that should hold a number but does not."""


def split_footnote_mark(value: object) -> tuple[str, str] | None:
    """``("4,4", "*")`` for a text number followed by a footnote mark, else ``None``."""
    if not isinstance(value, str):
        return None
    match = _FOOTNOTE_MARK.match(value.strip())
    return (match["number"], match["mark"] or match["flag"]) if match else None


def is_no_data_marker(value: object) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip().casefold()
    return text in NO_DATA_MARKERS or _NO_DATA_FLAGGED.match(text) is not None


def parse_number(value: object, *, decimal_comma: bool) -> float:
    """A cell as a float: "4,8", "1 234,5", "12,345.6", "5%" and real numbers.

    A single comma is a decimal comma, except in a comma-delimited file where "1,234" is
    read as thousands (English convention). Spaces and apostrophes are thousands
    separators. Raises ``NotANumber``.
    """
    if isinstance(value, bool):
        raise NotANumber(f"{value!r} is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace("\u202f", "")
        text = re.sub(r"[\s']", "", text).rstrip("%").casefold()
        text = _DASH_MINUS.sub("-", text.replace("\u2212", "-"))
        if "," in text and "." in text:
            # The last separator is the decimal one: 1.234,5 or 1,234.5.
            thousands = "." if text.rfind(",") > text.rfind(".") else ","
            text = text.replace(thousands, "").replace(",", ".")
        elif "," in text:
            if not decimal_comma and _THOUSANDS.match(text):
                text = text.replace(",", "")
            elif text.count(",") == 1:
                text = text.replace(",", ".")
        if not _NUMBER.match(text):
            raise NotANumber(f"{str(value).strip()!r} is not a number")
        number = float(text)
    if not math.isfinite(number):
        raise NotANumber(f"{value!r} is not a finite number")
    return number
