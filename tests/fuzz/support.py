"""Helpers shared by the fuzz and security tests: row counts, hostile values, page parsing."""

from __future__ import annotations

import io
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openpyxl import Workbook

#: Text that a healthy error page never contains.
TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "psycopg.")


def table_counts(app: Flask) -> dict[str, int]:
    """Rows per table of every model's metadata: compared before and after refused input.

    One statement for all tables (a scalar sub-query each): the fuzz tests call this twice
    per case, so it must be cheap.
    """
    from webapp.database import all_metadata
    from webapp.extensions import db

    with app.app_context():
        statement = app.extensions.get("fuzz_count_statement")
        if statement is None:
            existing = set(sa.inspect(db.engine).get_table_names())
            statement = sa.select(
                *(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .scalar_subquery()
                    .label(table.name)
                    for metadata in all_metadata()
                    for table in metadata.sorted_tables
                    if table.name in existing
                )
            )
            app.extensions["fuzz_count_statement"] = statement
        with db.engine.connect() as connection:
            row = connection.execute(statement).mappings().one()
    return dict(row)


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {
        name: (before.get(name, 0), count)
        for name, count in after.items()
        if count != before.get(name, 0)
    }


def assert_no_server_error(response: Any, where: Any) -> None:
    """No 500, and no stack trace or driver message leaked into the body."""
    assert response.status_code < 500, (where, response.status_code)
    body = response.get_data().decode("utf-8", "replace")  # downloads may be binary
    for marker in TRACE_MARKERS:
        assert marker not in body, (where, marker)


HIDDEN_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """Hidden inputs of a page (CSRF token, submission id, page number...)."""
    fields = {}
    for tag in HIDDEN_INPUT.findall(html):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


# --------------------------------------------------------------------------- accounts, counts

#: Accounts the fuzz world creates (role key -> e-mail); ``council_member2`` sits on another
#: council, ``analyst2`` is the account the admin forms may change.
ACCOUNTS = {
    "admin": "admin@fuzz.example.org",
    "analyst": "analyst@fuzz.example.org",
    "analyst2": "victim@fuzz.example.org",
    "council_member": "member@fuzz.example.org",
    "council_member2": "other-member@fuzz.example.org",
}

#: Cases run per fuzz target, printed in the terminal summary.
CASES: Counter[str] = Counter()


settings.register_profile(
    "fuzz",
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),  # CI: reproducible; locally: new cases each run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


def settings_for(examples: int) -> settings:
    """The fuzz profile with a case budget; ``FUZZ_SCALE`` multiplies it for long runs."""
    scale = float(os.environ.get("FUZZ_SCALE", "1"))
    return settings(settings.get_profile("fuzz"), max_examples=max(1, int(examples * scale)))


# --------------------------------------------------------------------------- a small survey


def survey_xlsx(form_id: str = "fuzz") -> bytes:
    """A two-page XLSForm in three languages: region, a bounded integer, a skip, a rating,
    a multiple choice, free text and a date: every answer type the pages validate."""
    labels = ["label::Kazakh (kk)", "label::Russian (ru)", "label::English (en)"]
    survey = [
        ["type", "name", *labels, "required", "relevant", "constraint"],
        ["begin group", "about", "Сіз", "Вы", "You"],
        ["select_one region", "region", "Өңір", "Регион", "Region", "yes"],
        ["integer", "age", "Жас", "Возраст", "Age", "yes", None, ". >= 18 and . <= 100"],
        ["end group", "about"],
        ["begin group", "views", "Пікір", "Мнение", "Views"],
        ["select_one yesno", "employed", "Жұмыс?", "Работа?", "Work?", "yes"],
        ["text", "employer", "Қайда?", "Где?", "Where?", "yes", "${employed} = 'yes'"],
        ["select_one rating5", "trust", "Сенім", "Доверие", "Trust", "yes"],
        ["select_multiple topics", "topics", "Тақырып", "Темы", "Topics"],
        ["decimal", "income", "Табыс", "Доход", "Income", None, None, ". >= 0"],
        ["date", "since", "Қашаннан", "С какого", "Since"],
        ["text", "comment", "Пікір", "Комментарий", "Comment"],
        ["end group", "views"],
    ]
    choices = [
        ["list_name", "name", *labels],
        ["yesno", "yes", "Иә", "Да", "Yes"],
        ["yesno", "no", "Жоқ", "Нет", "No"],
        *[["rating5", str(n), str(n), str(n), str(n)] for n in range(1, 6)],
        ["topics", "roads", "Жол", "Дороги", "Roads"],
        ["topics", "jobs", "Жұмыс", "Работа", "Jobs"],
    ]
    settings_rows = [
        ["form_id", "form_title::Kazakh (kk)", "form_title::Russian (ru)",
         "form_title::English (en)", "default_language"],
        [form_id, "Сауалнама", "Опрос", "Survey", "Kazakh (kk)"],
    ]  # fmt: skip
    return workbook_bytes({"survey": survey, "choices": choices, "settings": settings_rows})


def workbook_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    workbook = Workbook()
    for position, (title, rows) in enumerate(sheets.items()):
        sheet = workbook.active if position == 0 else workbook.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- hostile values

HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # right-to-left override
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",  # Hebrew and Arabic
    "\u200b\u200d\ufeff",  # zero-width characters and a byte-order mark
    "e\u0301" * 40,  # combining marks
    "👩\u200d👩\u200d👧\u200d👦",
    "\U0001d518\U0001d52b\U0001d526",
    "\uffff\ufffe",
    "\r\n\r\nX-Injected: 1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    "{{7*7}}{% raw %}",
    "${7*7}",
    "../../../../etc/passwd",
    "%s%n%x",
    "9" * 400,
    "-9223372036854775809",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "-0",
    "0x1F",
    "１２３",  # full-width digits
    "٣٤",  # Arabic-Indic digits
    "1_000",
    "2024-02-30",
    "9999-12-31",
    "0000-00-00",
    "null",
    "None",
    "true",
    "[]",
    '{"a": {"a": {"a": []}}}',
    "[" * 200,
    "A" * 5000,
    "Ж" * 3000,
]

text_values = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
#: A form value: usually one string, sometimes the same field repeated.
form_values = st.one_of(text_values, text_values, st.lists(text_values, min_size=2, max_size=4))


def broken_files() -> list[tuple[str, bytes]]:
    """Files no importer should choke on: empty, truncated, mislabelled, hostile."""
    real = survey_xlsx()
    return [
        ("empty.xlsx", b""),
        ("truncated.xlsx", real[: len(real) // 2]),
        ("zip-header-only.xlsx", b"PK\x03\x04" + b"\x00" * 64),
        ("not-a-spreadsheet.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
        ("ole-header.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500),
        ("form.xlsx", real),
        ("statistics.csv", b"region,period,value\nKZ-75,2023,1.5\nAlmaty,2023,abc\n"),
        ("latin1.csv", "регион;период;значение\n".encode("cp1251")),
        ("hostile.csv", "\n".join(HOSTILE_STRINGS[:30]).encode("utf-8", "surrogatepass")),
        ("../../etc/passwd", b"root:x:0:0"),
        ("many-commas.csv", b"," * 5000 + b"\n" + b"1," * 5000),
    ]


def file_values() -> st.SearchStrategy:
    named = st.sampled_from(broken_files())
    made = st.tuples(
        st.one_of(st.sampled_from(["x.csv", "x.xlsx", "x.xls", "", "x"]), text_values),
        st.binary(max_size=3000),
    )
    return st.one_of(named, made).map(lambda pair: (io.BytesIO(pair[1]), pair[0] or "upload"))


# --------------------------------------------------------------------------- forms on pages


@dataclass
class FormField:
    name: str
    kind: str  # text, hidden, file, choice, textarea, checkbox
    values: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: dict[str, FormField] = field(default_factory=dict)


class FormParser(HTMLParser):
    """Every <form> of a page with its fields, options and hidden values."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "form":
            self._form = Form(
                action=attributes.get("action") or self.page_url,
                method=(attributes.get("method") or "get").lower(),
                multipart="multipart" in attributes.get("enctype", ""),
            )
            self.forms.append(self._form)
        elif self._form is not None and tag in {"input", "select", "textarea", "button"}:
            name = attributes.get("name")
            if not name:
                return
            kind = attributes.get("type", "text").lower() if tag == "input" else tag
            kind = {"radio": "choice", "select": "choice", "submit": "choice"}.get(kind, kind)
            if tag == "button":
                kind = "choice"
            existing = self._form.fields.setdefault(name, FormField(name, kind))
            if tag in {"input", "button"} and "value" in attributes:
                existing.values.append(attributes["value"])
            if tag == "select":
                self._select = existing
        elif tag == "option" and self._select is not None:
            self._select.values.append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def parse_page(url: str, html: str) -> FormParser:
    parser = FormParser(url)
    parser.feed(html)
    return parser


def values_for(form: Form, uploads: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Form data: each real field kept, given a hostile value, or left out; plus stray fields."""
    uploads = uploads or file_values()
    parts: dict[str, st.SearchStrategy] = {}
    for name, spec in form.fields.items():
        if spec.kind == "file":
            choices = [uploads]
        elif spec.values:
            choices = [st.sampled_from(spec.values), st.sampled_from(spec.values), form_values]
        else:
            choices = [form_values]
        parts[name] = st.one_of(st.just(None), *choices)
    stray = st.dictionaries(
        st.sampled_from(["x", "page", "action", "id", "role", "csrf_token", "next"])
        | st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20),
        form_values,
        max_size=3,
    )
    return st.tuples(st.fixed_dictionaries(parts), stray).map(
        lambda pair: {
            **pair[1],
            **{name: value for name, value in pair[0].items() if value is not None},
        }
    )


# --------------------------------------------------------------------------- stored rows


def invalid_rows(app: Flask) -> list[str]:
    """Rows no backend should hold: NUL in text (PostgreSQL refuses it), strings longer
    than their column (PostgreSQL refuses, SQLite silently keeps), a NULL in a NOT NULL
    column, a role outside the known roles, a survey answer that fails its definition."""
    from webapp.auth.models import ROLE_VALUES
    from webapp.database import all_metadata
    from webapp.extensions import db

    problems: list[str] = []
    with app.app_context():
        existing = set(sa.inspect(db.engine).get_table_names())
        for metadata in all_metadata():
            for table in metadata.sorted_tables:
                if table.name not in existing:
                    continue
                for row in db.session.execute(sa.select(table)).mappings():
                    for column in table.columns:
                        value = row[column.name]
                        where = f"{table.name}.{column.name}={str(value)[:40]!r}"
                        if value is None and not column.nullable:
                            problems.append(f"NULL in {where}")
                        if isinstance(value, str):
                            if "\x00" in value:
                                problems.append(f"NUL in {where}")
                            length = getattr(column.type, "length", None)
                            if length is not None and len(value) > length:
                                problems.append(f"longer than {length}: {where}")
                        if isinstance(value, dict | list) and "\\u0000" in json.dumps(value):
                            problems.append(f"NUL in JSON {where}")
        for role in db.session.scalars(sa.text("SELECT role FROM users")):
            if role not in ROLE_VALUES:
                problems.append(f"unknown role {role!r}")
        problems += invalid_responses()
        db.session.remove()
    return problems


def invalid_responses() -> list[str]:
    """Every stored survey response re-validates to exactly its stored answers."""
    from webapp.extensions import db
    from webapp.surveys.answers import validate_answers
    from webapp.surveys.models import SurveyResponse
    from webapp.surveys.services.responding import content_hash, region_codes

    problems = []
    codes = region_codes()
    for response in db.session.scalars(sa.select(SurveyResponse)):
        definition = response.version.load()
        clean, errors = validate_answers(
            definition,
            None,
            response.answers,
            today=response.submitted_at.date(),
            region_codes=codes,
        )
        if errors:
            problems.append(f"response {response.submission_id}: {sorted(errors)}")
        elif clean != response.answers:
            problems.append(f"response {response.submission_id}: stored answers not clean")
        elif content_hash(clean) != response.content_hash:
            problems.append(f"response {response.submission_id}: content hash differs")
    return problems
