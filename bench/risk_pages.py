"""Latency of the council dashboard, the region page and the scores API on a full database.

Run: ``.venv/bin/python bench/risk_pages.py [--backend sqlite|postgresql|both] [--requests 200]``.

Each backend gets a scratch database (``/tmp/risk_pages_bench.sqlite3``; PostgreSQL database
``risk_pages_bench`` on 127.0.0.1) holding 20 units x 10 years x 15 indicators of statistics,
a published run materialised over them (scores, domain and indicator contributions, score and
indicator forecasts, rank intervals), survey-derived indicators and 1,000,000 survey responses
(bulk inserted by ``bench/survey_bench_data.py``; reused between runs). Requests go through
Flask's test client as a signed-in council member, so the figures are server time (queries
and rendering), without network. Prints p50 and p95 of wall time per page (the target is
p95 < 100 ms) and of the web process's CPU time, which a busy machine inflates far less (for
PostgreSQL it leaves out the database server's own work), with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask
from survey_bench_data import make_app, postgres_url, sqlite_url

from forecasting.index.classes import class_of

DATABASE = "risk_pages_bench"
RUN_ID = "bench-run"
YEARS = tuple(str(year) for year in range(2015, 2025))
FORECAST_YEARS = ("2025", "2026", "2027")
EXTRA_INDICATOR = "bench_extra_indicator"
PASSWORD = "bench password for a council member"


def build(app: Flask, responses: int) -> None:
    """Statistics, a published materialised run and survey values, unless already there."""
    from survey_bench_data import ensure_survey

    ensure_survey(app, responses)
    from forecasting.registry import model_run_activations, model_runs
    from webapp.auth.services import create_user
    from webapp.extensions import db
    from webapp.regions.services import all_regions
    from webapp.risk.catalogue import ensure_catalogue
    from webapp.risk.models import (
        RiskDomain,
        RiskForecast,
        RiskIndicator,
        RiskModelRun,
        RiskObservation,
        RiskRankInterval,
        RiskScore,
        RiskScoreContribution,
        RiskSurveyObservation,
        StatisticsImport,
    )

    with app.app_context():
        if db.session.get(RiskModelRun, RUN_ID) is not None:
            return
        started = time.perf_counter()
        ensure_catalogue()
        domains = [d.code for d in db.session.scalars(sa.select(RiskDomain))]
        if db.session.get(RiskIndicator, EXTRA_INDICATOR) is None:
            db.session.add(
                RiskIndicator(
                    code=EXTRA_INDICATOR,
                    name_en="Bench indicator",
                    domain_code=domains[0],
                    frequency="Y",
                    unit="%",
                    source="bench",
                )
            )
            db.session.flush()
        indicators = list(db.session.scalars(sa.select(RiskIndicator).order_by("position")))
        statistical = [i for i in indicators if not i.code.startswith("survey_")]
        survey_based = [i for i in indicators if i.code.startswith("survey_")]
        units = [region.code for region in all_regions(current_only=True)]
        batch = StatisticsImport(kind="synthetic", filename="bench.csv", sha256="0" * 64)
        db.session.add(batch)
        db.session.flush()
        observations = [
            {
                "import_id": batch.id,
                "region_code": unit,
                "indicator_code": indicator.code,
                "period": year,
                "frequency": "Y",
                "period_start": date(int(year), 1, 1),
                "period_end": date(int(year), 12, 31),
                "value": 10.0 + u + y * 0.5,
                "source": indicator.source or "stat.gov.kz",
            }
            for u, unit in enumerate(units)
            for indicator in [*statistical, *survey_based][:15]
            for y, year in enumerate(YEARS)
        ]
        db.session.execute(sa.insert(RiskObservation), observations)
        db.session.execute(
            sa.insert(RiskSurveyObservation),
            [
                {
                    "region_code": unit,
                    "indicator_code": indicator.code,
                    "period": year,
                    "frequency": "Y",
                    "period_start": date(int(year), 1, 1),
                    "period_end": date(int(year), 12, 31),
                    "value": 40.0 + u,
                    "source": "survey",
                    "n": 50_000 / len(units),
                    "lower": 38.0 + u,
                    "upper": 42.0 + u,
                }
                for u, unit in enumerate(units)
                for indicator in survey_based
                for year in YEARS[-2:]
            ],
        )
        created = datetime(2025, 2, 1, tzinfo=UTC)
        db.session.execute(
            sa.insert(model_runs).values(
                id=RUN_ID,
                created_at=created,
                status="succeeded",
                data_hash="0" * 64,
                parameters="{}",
                message="",
            )
        )
        db.session.add(
            RiskModelRun(
                run_id=RUN_ID,
                created_at=created,
                latest_period=YEARS[-1],
                latest_period_start=date(int(YEARS[-1]), 1, 1),
            )
        )
        db.session.flush()
        scores, parts, forecasts = [], [], []
        for u, unit in enumerate(units):
            for y, year in enumerate(YEARS):
                score = min(9.9, 1.0 + 0.35 * u + 0.1 * y)
                scores.append(
                    {
                        "run_id": RUN_ID,
                        "region_code": unit,
                        "period": year,
                        "period_start": date(int(year), 1, 1),
                        "score": score,
                        "risk_class": class_of(score),
                        "reliability": 9.0,
                        "domain_scores": {domain: score for domain in domains},
                    }
                )
                for domain in domains:
                    parts.append(
                        {
                            "run_id": RUN_ID,
                            "region_code": unit,
                            "period": year,
                            "level": "domain",
                            "code": domain,
                            "contribution": score / len(domains),
                        }
                    )
                for indicator in indicators:
                    parts.append(
                        {
                            "run_id": RUN_ID,
                            "region_code": unit,
                            "period": year,
                            "level": "indicator",
                            "code": indicator.code,
                            "domain": indicator.domain_code,
                            "value": 10.0 + u + y * 0.5,
                            "observed_period": year,
                            "normalised_value": score,
                            "weight": 1.0,
                            "contribution": score / len(indicators),
                        }
                    )
            for target in ["score", *(i.code for i in statistical)]:
                for h, year in enumerate(FORECAST_YEARS, start=1):
                    forecasts.append(
                        {
                            "run_id": RUN_ID,
                            "region_code": unit,
                            "target": target,
                            "period": year,
                            "period_start": date(int(year), 1, 1),
                            "horizon": h,
                            "mean": 5.0,
                            "lower_80": 4.0,
                            "upper_80": 6.0,
                            "lower_95": 3.0,
                            "upper_95": 7.0,
                            "probability_high": 0.3 if target == "score" else None,
                        }
                    )
        db.session.execute(sa.insert(RiskScore), scores)
        db.session.execute(sa.insert(RiskScoreContribution), parts)
        db.session.execute(sa.insert(RiskForecast), forecasts)
        db.session.execute(
            sa.insert(RiskRankInterval),
            [
                {
                    "run_id": RUN_ID,
                    "region_code": unit,
                    "period": YEARS[-1],
                    "median_rank": len(units) - u,
                    "rank_low": max(1, len(units) - u - 2),
                    "rank_high": min(len(units), len(units) - u + 2),
                }
                for u, unit in enumerate(units)
            ],
        )
        db.session.execute(
            sa.insert(model_run_activations).values(
                run_id=RUN_ID, activated_at=created, is_active=True
            )
        )
        create_user("council@bench.example.org", "council_member", PASSWORD)
        db.session.commit()
        print(
            f"  stored {len(observations):,} observations, {len(scores):,} scores, "
            f"{len(parts):,} contributions, {len(forecasts):,} forecasts in "
            f"{time.perf_counter() - started:.1f} s"
        )


def measure(app: Flask, requests: int) -> None:
    client = app.test_client()
    response = client.post(
        "/sign-in", data={"email": "council@bench.example.org", "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    pages = {
        "dashboard /review/": "/review/",
        "dashboard, domain filter": "/review/?domain=economic_hardship&period=2020&sort=region",
        "region page /review/regions/KZ-75": "/review/regions/KZ-75",
        "API /api/v1/scores?per_page=100": "/api/v1/scores?per_page=100",
    }
    print(f"  load average before measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for label, url in pages.items():
        for _ in range(5):  # warm-up: templates compiled, caches filled
            assert client.get(url).status_code == 200, url
        wall, cpu = [], []
        for _ in range(requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200
        p95 = percentile_95(wall)
        verdict = "ok" if p95 < 100 else "ABOVE TARGET"
        print(
            f"  {label:<36} wall p50 {statistics.median(wall):6.1f} ms  p95 {p95:6.1f} ms "
            f"({verdict});  web-process CPU p50 {statistics.median(cpu):5.1f} ms  "
            f"p95 {percentile_95(cpu):5.1f} ms"
        )


def percentile_95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--responses", type=int, default=1_000_000)
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        url = sqlite_url(DATABASE) if backend == "sqlite" else postgres_url(DATABASE)
        print(f"{backend}: {url}")
        app = make_app(url)
        build(app, args.responses)
        with app.app_context():
            from webapp.extensions import db
            from webapp.surveys.models import SurveyResponse

            stored = db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse))
        print(f"  {stored:,} survey responses stored; {args.requests} requests per page")
        measure(app, args.requests)


if __name__ == "__main__":
    main()
