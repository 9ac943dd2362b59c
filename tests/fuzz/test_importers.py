"""Every importer fed generated and broken files: it refuses with its own error, or it reads
something valid. Never another exception, never half a result.

Targets: the XLSForm importer (``webapp.surveys.xlsform.read_xlsform``), the statistics
reader (``forecasting.readers.read_observations``), the region file loader
(``forecasting.geography.load_units``) and backup restore (``webapp.backup.services``).
"""

from __future__ import annotations

import functools
import io
import json
import math
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import support
from tests.fuzz.support import (
    broken_files,
    invalid_rows,
    settings_for,
    survey_xlsx,
    table_counts,
    text_values,
    workbook_bytes,
)

#: Cell values of generated spreadsheets: text, numbers, formulas, empties.
cells = st.one_of(
    st.none(),
    text_values.map(lambda text: text.replace("\x00", "")[:500]),  # XML cannot hold NUL
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["=1/0", "=A1", '=HYPERLINK("http://x")', "=SUM(A1:A3)", "=cmd|' /C calc'!A0"]),
    st.booleans(),
)
rows = st.lists(st.lists(cells, max_size=8), max_size=12)


def cleaned(value: object) -> object:
    """openpyxl refuses control characters in cells; the file could not hold them either."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)
    return value


def sheets_strategy(names: list[str]) -> st.SearchStrategy[dict]:
    return st.dictionaries(
        st.sampled_from(names)
        | st.text(st.characters(categories=("L", "N")), min_size=1, max_size=20),
        rows.map(lambda grid: [[cleaned(cell) for cell in row] for row in grid]),
        min_size=1,
        max_size=4,
    )


XLSFORM_HEADER = ["type", "name", "label::English (en)", "required", "relevant", "constraint"]
XLSFORM_TYPES = ["text", "integer", "decimal", "select_one yesno", "select_multiple yesno",
                 "begin group", "end group", "note", "calculate", "date", "range",
                 "select_one region", "begin repeat", "geopoint", "unknown type", ""]  # fmt: skip


@st.composite
def xlsform_like(draw) -> bytes:
    """Mostly well-formed XLSForms with hostile names, labels, expressions and structure."""
    body = [XLSFORM_HEADER]
    for _ in range(draw(st.integers(0, 8))):
        body.append(
            [
                draw(st.sampled_from(XLSFORM_TYPES)),
                draw(st.sampled_from(["q1", "q2", "q 3", "1q", "", "name"]) | text_values),
                draw(text_values),
                draw(st.sampled_from(["yes", "no", "", "maybe"])),
                draw(st.sampled_from(["", "${q1} = 'yes'", "${nope} > 1", "((((", "1 div 0"])),
                draw(st.sampled_from(["", ". > 0", ". < ", "regex(., '[')", "${q1} +"])),
            ]
        )
    choices = [["list_name", "name", "label::English (en)"]]
    choices += draw(st.lists(st.tuples(st.sampled_from(["yesno", "", "other"]), text_values,
                                       text_values).map(list), max_size=5))  # fmt: skip
    settings_rows = draw(
        st.sampled_from(
            [
                [["form_id", "default_language"], ["fuzz", "English (en)"]],
                [["form_id"], [None]],
                [["form_id", "default_language"], ["x", "Klingon"]],
                [],
            ]
        )
    )
    sheets = {"survey": body, "choices": choices, "settings": settings_rows}
    sheets = {name: [[cleaned(c) for c in row] for row in grid] for name, grid in sheets.items()}
    if draw(st.booleans()):
        sheets.update(draw(sheets_strategy(["survey", "choices", "settings", "external"])))
    return workbook_bytes(sheets)


@functools.cache
def zip_bombish_xlsx() -> bytes:
    """A valid workbook whose sheet XML inflates to ~40 MB from a few tens of kilobytes."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(survey_xlsx())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * 40_000_000, 1)
            target.writestr(item, data)
    return buffer.getvalue()


@functools.cache
def wide_workbook(columns: int = 10_000) -> bytes:
    return workbook_bytes(
        {"survey": [[f"c{n}" for n in range(columns)], ["text"] * columns], "choices": [[]]}
    )


# --------------------------------------------------------------------------- XLSForm


def check_xlsform(data: bytes) -> None:
    from webapp.surveys.definition import validate_definition
    from webapp.surveys.xlsform import XLSFormError, read_xlsform

    try:
        imported = read_xlsform(data, "fuzz.xlsx")
    except XLSFormError as error:
        assert error.problems, "a refusal must say what is wrong"
        for problem in error.problems:
            assert str(problem).strip()
            assert "Traceback" not in str(problem)
        return
    assert validate_definition(imported.definition) == []


@settings_for(40)
@given(data=xlsform_like())
def test_xlsform_importer_refuses_or_reads_a_valid_definition(data: bytes) -> None:
    support.CASES["import XLSForm (generated forms)"] += 1
    check_xlsform(data)


@settings_for(30)
@given(
    data=st.one_of(
        st.sampled_from([content for _, content in broken_files()]),
        st.binary(max_size=2000),
        st.binary(max_size=2000).map(lambda tail: b"PK\x03\x04" + tail),
        st.binary(max_size=2000).map(lambda tail: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + tail),
        st.integers(0, 8000).map(lambda cut: survey_xlsx()[:cut]),
    )
)
def test_xlsform_importer_refuses_broken_files(data: bytes) -> None:
    support.CASES["import XLSForm (broken files)"] += 1
    check_xlsform(data)


@pytest.mark.parametrize("maker", [wide_workbook, zip_bombish_xlsx])
def test_xlsform_importer_survives_extreme_workbooks(maker) -> None:
    support.CASES["import XLSForm (10,000 columns, zip bomb)"] += 1
    check_xlsform(maker())


def test_xlsform_importer_refuses_absurd_widths_before_parsing() -> None:
    """pyxform took seconds per 10,000 columns: an 80 KB upload could tie up a worker, so
    the declared sheet size is checked first (and the refusal names the sheet)."""
    from webapp.surveys.xlsform import MAX_SHEET_COLUMNS, XLSFormError, read_xlsform

    with pytest.raises(XLSFormError) as refused:
        read_xlsform(wide_workbook(MAX_SHEET_COLUMNS + 1), "wide.xlsx")
    assert f"{MAX_SHEET_COLUMNS + 1} columns" in str(refused.value)
    assert refused.value.problems[0].sheet == "survey"


# --------------------------------------------------------------------------- statistics


def check_statistics(data: bytes, filename: str, **options) -> None:
    from forecasting.readers import read_observations

    result = read_observations(io.BytesIO(data), filename=filename, **options)
    report = result.report
    if result.observations is None:
        assert report.errors, "refused without saying why"
        return
    assert not report.errors
    frame = result.observations
    assert frame["value"].map(lambda value: math.isfinite(float(value))).all()
    for column in frame.columns:
        if frame[column].dtype == object:
            assert not frame[column].astype(str).str.contains("\x00").any(), column


statistics_text = st.lists(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "KZ-75",
                    "Almaty",
                    "Алматы",
                    "KZ-71",
                    "region",
                    "period",
                    "value",
                    "2023",
                    "2023-Q1",
                    "2023-13",
                    "1,5",
                    "1.5",
                    "-",
                    "n/a",
                    "1e309",
                ]
            ),
            text_values,
        ),
        min_size=1,
        max_size=6,
    ),
    max_size=10,
)


@settings_for(40)
@given(
    grid=statistics_text,
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]),
    layout=st.sampled_from(["auto", "long", "wide-region", "wide-period", "wide-indicator"]),
)
def test_statistics_reader_reports_or_reads_valid_csv(grid, delimiter, encoding, layout) -> None:
    support.CASES["read statistics (CSV)"] += 1
    text = "\n".join(delimiter.join(cell.replace("\x00", "") for cell in row) for row in grid)
    data = text.encode(encoding, errors="replace")
    check_statistics(data, "fuzz.csv", layout=layout, indicator=None)


@settings_for(20)
@given(sheets=sheets_strategy(["data", "Sheet1"]), sheet=st.sampled_from([None, 0, 5, "data"]))
def test_statistics_reader_reports_or_reads_valid_xlsx(sheets, sheet) -> None:
    support.CASES["read statistics (XLSX)"] += 1
    check_statistics(workbook_bytes(sheets), "fuzz.xlsx", sheet=sheet)


@settings_for(20)
@given(
    named=st.sampled_from(broken_files()),
    filename=st.sampled_from(["x.csv", "x.xlsx", "x.xls", "x", "x.txt"]),
)
def test_statistics_reader_reports_broken_files(named, filename) -> None:
    support.CASES["read statistics (broken files)"] += 1
    check_statistics(named[1], filename)


@pytest.mark.parametrize("maker", [wide_workbook, zip_bombish_xlsx])
def test_statistics_reader_survives_extreme_workbooks(maker) -> None:
    support.CASES["read statistics (10,000 columns, zip bomb)"] += 1
    check_statistics(maker(), "extreme.xlsx")


# --------------------------------------------------------------------------- region files


@settings_for(40)
@given(
    rows=st.lists(st.lists(text_values, min_size=0, max_size=14), max_size=6),
    keep_header=st.booleans(),
    real_rows=st.integers(0, 3),
)
def test_region_file_loader_refuses_or_loads_consistent_units(rows, keep_header, real_rows):
    import csv

    from forecasting.geography import DEFAULT_UNITS_PATH, UnitFileError, load_units

    support.CASES["load region file"] += 1
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    real = Path(DEFAULT_UNITS_PATH).read_text(encoding="utf-8").splitlines()
    if keep_header:
        buffer.write(real[0] + "\n")
        for line in real[1 : 1 + real_rows]:
            buffer.write(line + "\n")
    for row in rows:
        writer.writerow(row)
    data = buffer.getvalue().encode("utf-8", "surrogatepass")
    try:
        units = load_units(io.BytesIO(data))
    except UnitFileError as error:
        assert str(error).strip()
        return
    codes = [unit.code for unit in units]
    assert len(codes) == len(set(codes))
    assert all(code.strip() and "\x00" not in code for code in codes)


# --------------------------------------------------------------------------- backup restore


@pytest.fixture(scope="module")
def backup_apps(world, tmp_path_factory):
    """A backup of the fuzz world and an empty app of the same schema to restore it into."""
    from tests.fuzz.conftest import build_app
    from webapp.backup.services import create_backup
    from webapp.extensions import db

    directory = tmp_path_factory.mktemp("restore")
    archive = directory / "world.zip"
    with world.app.app_context():
        create_backup(archive)
        db.session.remove()
    empty = build_app(directory / "empty")
    return archive, empty


def mutated_archive(original: Path, target: Path, mutation: dict) -> Path:
    """Copy the archive, changing the manifest or one table's lines as ``mutation`` says."""
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "manifest.json" and "manifest" in mutation:
                data = mutation["manifest"](json.loads(data))
            if name == mutation.get("table"):
                lines = data.splitlines()
                position = mutation["position"] % max(1, len(lines))
                lines[position:position] = [mutation["line"]]
                data = b"\n".join(lines) + b"\n"
            if name == mutation.get("drop"):
                continue
            out.writestr(name, data)
        for name, data in mutation.get("extra", {}).items():
            out.writestr(name, data)
    return target


def hostile_rows() -> st.SearchStrategy[bytes]:
    values = st.one_of(
        text_values,
        st.integers(-(10**30), 10**30),
        st.floats(),
        st.none(),
        st.booleans(),
        st.lists(text_values, max_size=3),
        st.recursive(
            st.none(), lambda inner: st.dictionaries(st.text(max_size=3), inner), max_leaves=30
        ),
        st.sampled_from([{"$datetime": "not a date"}, {"$bytes": "!!"}, {"$decimal": "x"}]),
    )
    row = st.dictionaries(
        st.sampled_from(["id", "email", "role", "code", "answers", "name_en", "created_at"])
        | st.text(max_size=8),
        values,
        max_size=6,
    ).map(lambda item: json.dumps(item).encode())
    raw = st.sampled_from(
        [b"{", b"[]", b"null", b"\xff\xfe", b'{"id": 1, "id": 2}', b'"text"', b"[" * 5000]
    )
    return st.one_of(row, raw)


TABLE_FILES = ["tables/users.jsonl", "tables/regions.jsonl", "tables/surveys.jsonl",
               "tables/survey_responses.jsonl", "tables/audit_events.jsonl"]  # fmt: skip
MANIFEST_MUTATIONS = {
    "list": lambda manifest: b"[]",
    "no tables": lambda manifest: json.dumps({**manifest, "tables": None}).encode(),
    "unknown table": lambda manifest: json.dumps(
        {**manifest, "tables": {**manifest["tables"], "x; DROP TABLE users": 1}}
    ).encode(),
    "format 2": lambda manifest: json.dumps({**manifest, "format": 2}).encode(),
    "revision": lambda manifest: json.dumps({**manifest, "schema_revision": "zzz"}).encode(),
    "not json": lambda manifest: b"\x00\x01",
}


@settings_for(20)
@given(
    mutation=st.one_of(
        st.fixed_dictionaries(
            {
                "table": st.sampled_from(TABLE_FILES),
                "position": st.integers(0, 50),
                "line": hostile_rows(),
            }
        ),
        st.sampled_from(sorted(MANIFEST_MUTATIONS)).map(
            lambda name: {"manifest": MANIFEST_MUTATIONS[name]}
        ),
        st.sampled_from(["manifest.json", *TABLE_FILES]).map(lambda name: {"drop": name}),
        st.sampled_from(["../evil", "/etc/evil", "model-registry/../../evil"]).map(
            lambda name: {"extra": {name: b"x", "model-registry/../../evil": b"x"}}
        ),
    )
)
def test_restore_refuses_broken_archives_and_changes_nothing(
    backup_apps, tmp_path_factory, mutation
):
    from tests.conftest import empty_all_tables
    from webapp.backup.services import BackupError, restore_backup
    from webapp.extensions import db

    support.CASES["restore backup (broken archives)"] += 1
    original, app = backup_apps
    archive = mutated_archive(original, tmp_path_factory.mktemp("m") / "b.zip", mutation)
    registry = Path(app.config["MODEL_REGISTRY_DIR"])
    before = table_counts(app)
    with app.app_context():
        try:
            restore_backup(archive)
        except BackupError as error:
            assert str(error).strip()
            assert table_counts(app) == before, "a refused restore changed the database"
            assert not registry.exists() or not any(registry.iterdir())
            return
        finally:
            db.session.remove()
    try:
        assert invalid_rows(app) == [], mutation
    finally:
        with app.app_context():
            empty_all_tables(app)
        if registry.exists():
            import shutil

            shutil.rmtree(registry)


def test_restore_of_the_untouched_archive_round_trips(backup_apps, world) -> None:
    from tests.conftest import empty_all_tables
    from webapp.backup.services import restore_backup

    original, app = backup_apps
    with app.app_context():
        restored = restore_backup(original)
    try:
        assert sum(restored.values()) > 0
        assert invalid_rows(app) == []
    finally:
        with app.app_context():
            empty_all_tables(app)
