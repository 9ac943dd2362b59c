"""What the answerers-per-version tally costs: its rows beside the other tallies, and the
time to read a survey's whole snapshot and to compute its indicators.

Run: ``.venv/bin/python bench/survey_version_answers.py [--responses 20000] [--reads 20]``.
Builds a scratch SQLite database with the demo citizen survey (synthetic responses, one
version) and the demo indicator mappings, counts the responses (timed), then prints the rows
of each tally table and the median time of reading the snapshot from the tables (the
``survey_result_version_answers`` query timed on its own too) and of computing the
indicator observations. Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--reads", type=int, default=20)
    args = parser.parse_args()

    import sqlalchemy as sa

    from webapp import create_app
    from webapp.database import create_schema
    from webapp.extensions import db
    from webapp.regions.services import load_regions
    from webapp.surveys.models import Survey
    from webapp.surveys.results import services
    from webapp.surveys.results.demo import load_demo_indicators
    from webapp.surveys.results.models import (
        SurveyResultTally,
        SurveyResultVersionAnswer,
        SurveyResultVersionCount,
    )
    from webapp.surveys.services.demo import CITIZEN_SLUG, load_demo_surveys

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
                "LOG_LEVEL": "WARNING",
                "SURVEY_RESULTS_LAG_SECONDS": 0,
            }
        )
        with app.app_context():
            create_schema()
            load_regions()
            load_demo_surveys(citizen_responses=args.responses, council_responses=0)
            load_demo_indicators()
            db.session.commit()
            survey = db.session.scalar(sa.select(Survey).where(Survey.slug == CITIZEN_SLUG))
            started = time.perf_counter()
            counted = services.rebuild_tallies(survey.id)
            print(f"counted {counted} responses in {time.perf_counter() - started:.2f} s")
            for model in (SurveyResultTally, SurveyResultVersionCount, SurveyResultVersionAnswer):
                rows = db.session.scalar(
                    sa.select(sa.func.count()).where(model.survey_id == survey.id)
                )
                print(f"{model.__tablename__}: {rows} rows")
            state = services._tally_state(survey.id)
            snapshot_ms = median_ms(lambda: services._read_snapshot(survey.id, state), args.reads)
            answers_ms = median_ms(
                lambda: db.session.execute(
                    sa.select(
                        SurveyResultVersionAnswer.question,
                        SurveyResultVersionAnswer.survey_version_id,
                        SurveyResultVersionAnswer.region_code,
                        SurveyResultVersionAnswer.month,
                        SurveyResultVersionAnswer.count,
                    ).where(SurveyResultVersionAnswer.survey_id == survey.id)
                ).all(),
                args.reads,
            )
            print(f"snapshot read from the tables: median {snapshot_ms:.1f} ms")
            print(f"  of which the answerers per version: median {answers_ms:.1f} ms")
            services.load_snapshot(survey)  # cached, as on a page view
            indicators_ms = median_ms(
                lambda: services.survey_indicator_observations([survey]), args.reads
            )
            print(f"indicator observations (cached snapshot): median {indicators_ms:.1f} ms")


if __name__ == "__main__":
    main()
