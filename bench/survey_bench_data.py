"""Scratch databases with many synthetic responses to the demo citizen survey, for the
results and export benchmarks (``bench/survey_results.py``, ``bench/survey_export.py``).

A database is built once per URL and reused while it holds the asked number of responses:
the demo form is stored as a survey, regions are loaded, and the responses are bulk inserted
in batches (numpy draws the answers; nothing is held for more than one batch).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import Flask

SURVEY_SLUG = "bench-citizen"
#: Tables of what is counted from a survey's responses (``survey_result_*``), emptied with the
#: responses when a database is rebuilt.
RESULT_TABLES_PREFIX = "survey_result_"
BATCH = 20_000
MONTHS = 24


def sqlite_url(name: str) -> str:
    return f"sqlite:////tmp/{name}.sqlite3"


def postgres_url(name: str) -> str:
    """A scratch database of its own on the local server, created when missing."""
    base = sa.make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def make_app(url: str) -> Flask:
    from webapp import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "SURVEY_RESULTS_LAG_SECONDS": 0,
        }
    )


def ensure_survey(app: Flask, responses: int) -> int:
    """The bench survey's id with ``responses`` responses (rebuilt when it has another count)."""
    from webapp.database import create_schema
    from webapp.extensions import db
    from webapp.regions.services import all_regions, load_regions
    from webapp.surveys.demo_forms import demo_form_path
    from webapp.surveys.models import Survey, SurveyResponse
    from webapp.surveys.services.authoring import create_survey, open_survey, read_definition

    with app.app_context():
        create_schema()
        create_missing_indexes()
        if not all_regions():
            load_regions()
            db.session.commit()
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == SURVEY_SLUG))
        if survey is not None:
            stored = db.session.scalar(
                sa.select(sa.func.count()).where(SurveyResponse.survey_id == survey.id)
            )
            if responses <= stored < responses + 1_000:  # a few added by earlier runs
                return survey.id
            print(f"rebuilding: {stored} responses stored, {responses} wanted")
            # Every table counted from the responses goes with them, read from the models (the
            # version counts and answers, added later, were once left behind: a rebuilt
            # survey's results then counted the old responses beside the new ones).
            for table in result_tables():
                db.session.execute(sa.delete(table).where(table.c.survey_id == survey.id))
            db.session.execute(
                sa.delete(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
            )
            db.session.commit()
        else:
            definition = read_definition(demo_form_path("listening_state_citizen.xlsx"))
            survey = create_survey(definition, slug=SURVEY_SLUG)
            open_survey(survey)
            db.session.commit()
        regions = [region.code for region in all_regions(current_only=True)]
        started = time.perf_counter()
        rng = np.random.default_rng(2026)
        now = datetime(2026, 11, 1, tzinfo=UTC)
        for start in range(0, responses, BATCH):
            count = min(BATCH, responses - start)
            rows = _rows(survey.id, survey.current_version_id, rng, count, regions, now, start)
            db.session.execute(SurveyResponse.__table__.insert(), rows)
            db.session.commit()
        seconds = time.perf_counter() - started
        print(f"inserted {responses:,} responses in {seconds:.0f} s ({responses / seconds:,.0f}/s)")
        return survey.id


def result_tables() -> list[sa.Table]:
    """The tables of counts kept from a survey's responses, watermark included."""
    from webapp.database import all_metadata

    return [
        table
        for metadata in all_metadata()
        for table in metadata.sorted_tables
        if table.name.startswith(RESULT_TABLES_PREFIX) and "survey_id" in table.c
    ]


def create_missing_indexes() -> None:
    """Indexes the models gained after a scratch database was built (``create_all`` makes
    only missing tables), as ``flask db upgrade`` would add them to a real database."""
    from webapp.database import all_metadata
    from webapp.extensions import db

    inspector = sa.inspect(db.engine)
    for metadata in all_metadata():
        for table in metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            existing = {index["name"] for index in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in existing:
                    print(f"creating index {index.name}")
                    index.create(db.engine)


LIKERT = np.array(["1", "2", "3", "4", "5"])
SERVICES = np.array(["psc", "egov", "health", "education", "social", "utilities", "police"])
PROBLEMS = np.array(
    [
        "roads",
        "utilities",
        "jobs",
        "prices",
        "housing",
        "healthcare",
        "environment",
        "corruption",
        "other",
    ]
)
SOURCES = np.array(["tv", "news_sites", "social_media", "official", "people", "print"])
COMMENTS = [
    "Roads need repair",
    "=1+1",
    "Жол жөндеу керек",
    "Дороги плохие",
    "+7 701 000 00 00",
    "",
]


def _rows(
    survey_id: int,
    version_id: int,
    rng: np.random.Generator,
    count: int,
    regions: list[str],
    now: datetime,
    offset: int,
) -> list[dict[str, Any]]:
    seconds = rng.random(count) * MONTHS * 30.44 * 86400
    region = rng.integers(0, len(regions), count)
    likert = rng.integers(0, 5, (count, 5))
    languages = rng.choice(["kk", "ru", "en"], count, p=[0.45, 0.45, 0.10])
    rows = []
    for i in range(count):
        answers: dict[str, Any] = {
            "consent": "OK",
            "region": regions[region[i]],
            "age_group": ("18_29", "30_44", "45_59", "60_plus")[i % 4],
            "gender": ("female", "male", "prefer_not")[i % 3],
            "household_size": int(1 + (i * 7) % 6),
            "trust_regional_akimat": LIKERT[likert[i, 0]],
            "trust_district_akimat": LIKERT[likert[i, 1]],
            "services_used": list(SERVICES[[(i + j) % 7 for j in range(1 + i % 3)]]),
            "services_satisfaction": LIKERT[likert[i, 2]],
            "main_problem": PROBLEMS[i % 9],
            "interethnic_harmony": LIKERT[likert[i, 3]],
            "youth_status": ("studying", "working", "both", "neither")[i % 4],
            "information_access": LIKERT[likert[i, 4]],
            "information_sources": list(SOURCES[[(i + j) % 6 for j in range(1 + i % 2)]]),
        }
        if answers["main_problem"] == "other":
            answers["main_problem_other"] = "Street lighting"
        if i % 5 == 0 and COMMENTS[i % 6]:
            answers["comment"] = COMMENTS[i % 6]
        rows.append(
            {
                "survey_id": survey_id,
                "survey_version_id": version_id,
                "submission_id": str(uuid.UUID(int=offset + i + 1, version=4)),
                "content_hash": "0" * 64,
                "language": str(languages[i]),
                "region_code": regions[region[i]],
                "submitted_at": now - timedelta(seconds=float(seconds[i])),
                "answers": answers,
            }
        )
    return rows


def machine_note() -> str:
    """A yardstick printed with the figures: how long this machine takes for a fixed task
    (an idle 2-core machine of the project's kind parses this answer set in about 5 us).
    Other processes running at the same time slow every figure down by the same factor."""
    import json
    import os

    text = json.dumps(
        {"trust_regional_akimat": "4", "services_used": ["psc", "egov"], "household_size": 3}
        | {f"question_{i}": "answer" for i in range(10)}
    )
    started = time.perf_counter()
    for _ in range(20_000):
        json.loads(text)
    microseconds = (time.perf_counter() - started) / 20_000 * 1e6
    load = os.getloadavg()[0]
    return f"machine: json.loads of a 360-byte answer set {microseconds:.1f} us; load average {load:.1f} on {os.cpu_count()} cores"
