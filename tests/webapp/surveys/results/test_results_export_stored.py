"""The fast CSV path (stored rows: answers as JSON text, the time formatted by the database)
against the reference path (parsed rows through ``export_row``): the same bytes, on tricky
answers, on both databases, and through the endpoint."""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.surveys.definition import Choice, Page, Question, SurveyDefinition
from webapp.surveys.models import Survey, SurveyResponse, SurveyVersion
from webapp.surveys.results.export import (
    FORMULA_TRIGGERS,
    ResponseRow,
    csv_chunks,
    export_columns,
    format_moment,
    load_answers,
    parsed_rows,
    stored_csv_chunks,
    write_xlsx,
)


def orm_rows(survey: Survey, up_to_id: int, batch: int = 2_000) -> Iterator[ResponseRow]:
    """The reference reader: responses through the ORM types (aware datetimes, answers parsed
    by the driver), as the export read them before ``stored_rows``."""
    numbers = dict(
        db.session.execute(
            sa.select(SurveyVersion.id, SurveyVersion.number).where(
                SurveyVersion.survey_id == survey.id
            )
        ).all()
    )
    result = db.session.execute(
        sa.select(
            SurveyResponse.id,
            SurveyResponse.submitted_at,
            SurveyResponse.language,
            SurveyResponse.region_code,
            SurveyResponse.survey_version_id,
            SurveyResponse.answers,
        )
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.id <= up_to_id)
        .order_by(SurveyResponse.id)
        .execution_options(yield_per=batch)
    )
    try:
        for response_id, submitted_at, language, region, version_id, answers in result:
            yield (response_id, submitted_at, language, region, numbers.get(version_id, 0), answers)
    finally:
        result.close()


def version_one() -> SurveyDefinition:
    questions = [
        Question("welcome", "note", {"en": "Hello"}),
        Question("age", "integer", {"en": "Age"}),
        Question("channels", "select_multiple", {"en": "Channels"}, choice_list="channels"),
        Question("dropped", "text", {"en": "Asked in version 1 only"}),
        Question("comment", "text", {"en": "Comment", "kk": "Пікір"}),
    ]
    return SurveyDefinition(
        form_id="stored_export",
        title={"en": "Stored export"},
        languages=["en", "kk"],
        default_language="en",
        pages=[Page("main", {}, None, questions)],
        choice_lists={"channels": [Choice("tv", {"en": "TV"}), Choice("radio", {"en": "Radio"})]},
    )


def version_two() -> SurveyDefinition:
    """Drops ``dropped``, adds options and questions, one of them shown only when relevant."""
    questions = [
        Question("welcome", "note", {"en": "Hello"}),
        Question("age", "integer", {"en": "Age"}),
        Question("channels", "select_multiple", {"en": "Channels"}, choice_list="channels"),
        Question("trust", "select_one", {"en": "Trust"}, choice_list="yn"),
        Question(
            "why_not", "text", {"en": "Why not?"}, relevant="${trust} = 'no'"
        ),  # hidden unless trust is no
        Question("score", "decimal", {"en": "Score"}),
        Question("problems", "select_multiple", {"en": "Problems"}, choice_list="problems"),
        Question("comment", "text", {"en": "Comment", "kk": "Пікір"}),
    ]
    return SurveyDefinition(
        form_id="stored_export",
        title={"en": "Stored export"},
        languages=["en", "kk"],
        default_language="en",
        pages=[Page("main", {}, None, questions)],
        choice_lists={
            "channels": [
                Choice("tv", {"en": "TV"}),
                Choice("web", {"en": "Web"}),
                Choice("social", {"en": "Social"}),
            ],
            "yn": [Choice("yes", {"en": "Yes"}), Choice("no", {"en": "No"})],
            "problems": [Choice("roads", {"en": "Roads"}), Choice("jobs", {"en": "Jobs"})],
        },
    )


DEFINITIONS = [version_two(), version_one()]  # the current version first

#: Values chosen to catch every way the fast path could differ from the reference one.
TEXTS = [
    "plain",
    "",
    " leading space",
    "a, b, and c",
    'She said "yes"',
    "line one\nline two",
    "carriage\r\nreturn",
    "tab\tinside",
    "Жол жөндеу керек, әрине",
    "Дороги «плохие»",
    "Қазақстан 🇰🇿",
    "=1+1",
    "+7 701 000 00 00",
    "-2",
    "@SUM(A1)",
    "\tstarts with a tab",
    "\rstarts with a return",
    "=",
    "'already quoted",
    'quote then "=inside"',
    "x = 1",
]
SINGLE_VALUES: list[Any] = [
    *TEXTS,
    None,
    0,
    -1,
    42,
    3.5,
    -0.25,
    1e21,
    True,
    False,
    ["a", "list", "for", "a", "single", "answer"],
    ["=list"],
    [],
    {"nested": "=dict"},
    {},
]
CHOICE_VALUES: list[Any] = [
    None,
    "",
    [],
    ["tv"],
    ["tv", "web"],
    ["web", "tv", "tv"],
    ["radio"],  # only version 1 had it
    ["unknown"],
    ["=cmd"],
    ["-x", "tv"],
    "tv web",
    "  tv   social ",
    "=tv",
    [1, 2],
    ["tv", 3],
    7,
    True,
    {"tv": 1},
    [["tv"]],
    ["", "tv"],
    ["Жол"],
]


def tricky_answers(rng: random.Random, index: int) -> dict[str, Any]:
    """A mix of answers; every value of the pools appears across a few hundred responses."""
    answers: dict[str, Any] = {}
    pools: dict[str, list[Any]] = {
        "age": SINGLE_VALUES,
        "channels": CHOICE_VALUES,
        "dropped": TEXTS,
        "trust": ["yes", "no", None],
        "why_not": TEXTS,
        "score": SINGLE_VALUES,
        "problems": CHOICE_VALUES,
        "comment": SINGLE_VALUES,
    }
    for position, (name, pool) in enumerate(pools.items()):
        if rng.random() < 0.15:
            continue  # not answered
        answers[name] = pool[(index * (position + 3) + rng.randrange(len(pool))) % len(pool)]
    if answers.get("trust") != "no":
        answers.pop("why_not", None)  # hidden: never asked
    if index % 7 == 0:
        answers["not_a_question"] = "=ignored"
    return answers


def moments() -> list[datetime]:
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    return [
        base,
        base.replace(microsecond=999_999),  # truncated, never rounded up
        base + timedelta(days=200, hours=15, seconds=59, microseconds=1),
        datetime(2025, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
    ]


def test_stored_rows_write_the_same_csv_as_parsed_rows():
    """Pure: the same answers as JSON text in several spellings give the reference's bytes."""
    rng = random.Random(11)
    columns = export_columns(DEFINITIONS)
    parsed = []
    for index in range(600):
        moment = moments()[index % 4]
        answers = tricky_answers(rng, index)
        parsed.append((index + 1, moment, ("kk", "ru", "en")[index % 3], None, 1, answers))
    expected = "".join(csv_chunks(columns, iter(parsed)))
    spellings = [
        lambda answers: json.dumps(answers),  # as SQLAlchemy stores it: ASCII, \u escapes
        lambda answers: json.dumps(answers, ensure_ascii=False, separators=(",", ":")),
        lambda answers: orjson.dumps(answers).decode(),
    ]
    for spell in spellings:
        stored = [
            (number, format_moment(moment), language, region, version, spell(answers))
            for number, moment, language, region, version, answers in parsed
        ]
        assert "".join(stored_csv_chunks(columns, iter(stored))) == expected


def test_every_formula_trigger_is_neutralised_however_the_json_spells_it():
    columns = export_columns(DEFINITIONS)
    for trigger in FORMULA_TRIGGERS:
        lower, upper = f"\\u{ord(trigger):04x}", f"\\u{ord(trigger):04X}"
        for text in (
            json.dumps({"comment": trigger + "x", "age": trigger + "1"}),
            '{"comment": "' + lower + 'x", "channels": ["' + upper + 'y"]}',
            json.dumps({"problems": [trigger + "a", "jobs"]}),
        ):
            rows = [(1, "2026-01-01T00:00:00Z", "en", "KZ-75", 2, text)]
            out = list(csv.DictReader(io.StringIO("".join(stored_csv_chunks(columns, rows))[1:])))
            answers = json.loads(text)
            for name, value in answers.items():
                cell = out[0][name]
                raw = " ".join(value) if isinstance(value, list) else value
                assert cell == "'" + raw, (trigger, text, name, cell)


def test_a_multiple_choice_list_starting_with_a_trigger_is_neutralised():
    columns = export_columns(DEFINITIONS)
    rows = [(1, datetime(2026, 1, 1, tzinfo=UTC), "en", None, 2, {"channels": ["=cmd", "tv"]})]
    out = list(csv.DictReader(io.StringIO("".join(csv_chunks(columns, iter(rows)))[1:])))
    assert out[0]["channels"] == "'=cmd tv" and out[0]["channels/tv"] == "1"


def test_answers_orjson_reads_otherwise_are_read_as_the_standard_library_reads_them():
    assert load_answers('{"age": 123456789012345678901234567890}') == {
        "age": 123456789012345678901234567890
    }
    assert load_answers('{"score": NaN}')["score"] != load_answers('{"score": NaN}')["score"]
    assert load_answers(None) == {} and load_answers("null") == {} and load_answers("") == {}
    columns = export_columns(DEFINITIONS)
    rows = [(1, "2026-01-01T00:00:00Z", "en", None, 2, '{"age": 99999999999999999999999}')]
    text = "".join(stored_csv_chunks(columns, rows))
    assert ",99999999999999999999999," in text


# ----------------------------------------------------------------------------- database


@pytest.fixture
def tricky_survey(app, regions):
    """A survey with two versions and responses to each, tricky answers included; one
    response is stored as raw JSON text with ``\\u`` escapes for its triggers."""
    from webapp.surveys.services.authoring import add_version, create_survey, open_survey

    rng = random.Random(5)
    with app.app_context():
        survey = create_survey(version_one(), slug="tricky-export")
        open_survey(survey)
        first = survey.current_version_id
        add_version(survey, version_two())
        db.session.commit()
        second = survey.current_version_id
        rows = []
        for index in range(400):
            rows.append(
                {
                    "survey_id": survey.id,
                    "survey_version_id": first if index < 120 else second,
                    "submission_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "content_hash": "0" * 64,
                    "language": ("kk", "ru", "en")[index % 3],
                    "region_code": None if index % 5 == 0 else "KZ-75",
                    "submitted_at": moments()[index % 4] + timedelta(hours=index),
                    "answers": tricky_answers(rng, index),
                }
            )
        db.session.execute(sa.insert(SurveyResponse), rows)
        db.session.commit()
        raw = '{"comment": "\\u003d2+2", "age": "\\u002d5", "channels": ["\\u0040x", "tv"]}'
        db.session.execute(
            sa.text(
                "INSERT INTO survey_responses (survey_id, survey_version_id, submission_id, "
                "content_hash, language, region_code, submitted_at, answers) VALUES (:survey, "
                ":version, :submission, :hash, 'kk', 'KZ-11', :moment, :answers)"
            ),
            {
                "survey": survey.id,
                "version": second,
                "submission": str(uuid.UUID(int=1, version=4)),
                "hash": "0" * 64,
                "moment": "2026-05-01 12:00:00.250000"
                if db.engine.dialect.name == "sqlite"
                else datetime(2026, 5, 1, 12, 0, 0, 250_000, tzinfo=UTC),
                "answers": raw,
            },
        )
        db.session.commit()
        return survey.id


def test_both_databases_give_the_reference_csv(app, tricky_survey):
    from webapp.surveys.results import services
    from webapp.surveys.results.export_query import stored_rows

    with app.app_context():
        survey = db.session.get(Survey, tricky_survey)
        columns = export_columns(services.survey_definitions(survey))
        last_id, count = services.start_export(survey, "csv")
        expected = "".join(csv_chunks(columns, orm_rows(survey, last_id)))
        fast = "".join(stored_csv_chunks(columns, stored_rows(survey, last_id)))
        assert fast == expected
        rows = list(csv.DictReader(io.StringIO(fast[1:])))
        assert len(rows) == count == 401
        assert {"dropped", "why_not", "channels/radio", "problems/jobs"} <= set(rows[0])
        assert "welcome" not in rows[0] and "not_a_question" not in rows[0]
        raw = rows[-1]
        assert raw["comment"] == "'=2+2" and raw["age"] == "'-5" and raw["channels"] == "'@x tv"
        assert raw["submitted_at"] == "2026-05-01T12:00:00Z"
        assert {row["survey_version"] for row in rows} == {"1", "2"}
        # Parsed stored rows (the XLSX path) are the reference rows too.
        assert list(parsed_rows(stored_rows(survey, last_id))) == [
            (number, format_moment(moment), language, region, version, answers or {})
            for number, moment, language, region, version, answers in orm_rows(survey, last_id)
        ]


def test_stored_rows_stop_at_the_export_watermark_and_can_be_left_early(app, tricky_survey):
    from webapp.surveys.results.export_query import stored_rows

    with app.app_context():
        survey = db.session.get(Survey, tricky_survey)
        ids = list(
            db.session.scalars(
                sa.select(SurveyResponse.id)
                .where(SurveyResponse.survey_id == survey.id)
                .order_by(SurveyResponse.id)
            )
        )
        assert [row[0] for row in stored_rows(survey, ids[9])] == ids[:10]
        rows = stored_rows(survey, ids[-1], batch=50)
        assert [next(rows)[0] for _ in range(3)] == ids[:3]
        rows.close()  # a download cut short
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 401


def test_endpoint_streams_the_reference_csv_and_xlsx(
    app, client, tricky_survey, make_user, sign_in, tmp_path
):
    from openpyxl import load_workbook

    from webapp.surveys.results import services

    sign_in(make_user("analyst"))
    response = client.get(f"/results/{tricky_survey}/export.csv")
    assert response.status_code == 200 and response.is_streamed
    body = response.get_data(as_text=True)
    with app.app_context():
        survey = db.session.get(Survey, tricky_survey)
        definitions = services.survey_definitions(survey)
        reference = orm_rows(survey, 2**31 - 1)
        assert body == "".join(csv_chunks(export_columns(definitions), reference))
    workbook = load_workbook(
        io.BytesIO(client.get(f"/results/{tricky_survey}/export.xlsx").get_data()),
        read_only=True,
    )
    sheet = list(workbook["responses"].iter_rows(values_only=True))
    workbook.close()
    path = tmp_path / "reference.xlsx"
    with app.app_context():
        survey = db.session.get(Survey, tricky_survey)
        write_xlsx(path, definitions, orm_rows(survey, 2**31 - 1))
    reference = load_workbook(path, read_only=True)
    assert len(sheet) == 402
    assert sheet == list(reference["responses"].iter_rows(values_only=True))
    reference.close()
