"""Results page latency with many stored responses, on SQLite and PostgreSQL.

Run: ``.venv/bin/python bench/survey_results.py [--responses 1000000] [--requests 200]
[--backend sqlite|postgresql|both]``. Builds (once) a scratch database per backend with the
demo citizen form and synthetic responses, counts them into the tallies (timed: the one-off
catch-up), then requests the full results page through the Flask test client as an analyst
and as a council member with a mix of filters, and prints p50/p95 in milliseconds. It also
times the first page after a new response (tallies refreshed, snapshot reloaded).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey_bench_data import (
    ensure_survey,
    machine_note,
    make_app,
    postgres_url,
    sqlite_url,
)

PASSWORD = "bench password 2026"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def signed_in_client(app, role: str):
    from webapp.auth.services import create_user, find_user
    from webapp.extensions import db

    email = f"bench-{role}@example.org"
    with app.app_context():
        user = find_user(email)
        if user is None:
            create_user(email, role, PASSWORD)
            db.session.commit()
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def run(backend: str, responses: int, requests: int) -> None:
    name = f"bench_survey_{responses}"
    url = sqlite_url(name) if backend == "sqlite" else postgres_url(name)
    app = make_app(url)
    survey_id = ensure_survey(app, responses)
    from webapp.extensions import db
    from webapp.surveys.models import Survey
    from webapp.surveys.results import services

    with app.app_context():
        started = time.perf_counter()
        counted = services.refresh_tallies(survey_id, limit=None)
        seconds = time.perf_counter() - started
        if counted:
            print(
                f"[{backend}] tallies caught up on {counted:,} responses in {seconds:.1f} s ({counted / seconds:,.0f}/s)"
            )
        survey = db.session.get(Survey, survey_id)
        months = services.load_snapshot(survey).months()
    filters = [
        "",
        "?region=KZ-75",
        f"?month_from={months[-3]}&month_to={months[-1]}",
        f"?region=KZ-11&month_from={months[0]}&month_to={months[11]}",
        f"?region=KZ-61&month_from={months[-1]}&month_to={months[-1]}",
    ]
    for role in ("analyst", "council_member"):
        client = signed_in_client(app, role)
        client.get(f"/results/{survey_id}")  # warm the snapshot cache
        times = []
        for index in range(requests):
            started = time.perf_counter()
            response = client.get(f"/results/{survey_id}{filters[index % len(filters)]}")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(
            f"[{backend}] results page as {role:<14} p50 {statistics.median(times):6.1f} ms"
            f"  p95 {percentile(times, 0.95):6.1f} ms  ({requests} requests, {len(filters)} filters)"
        )
    # After a new response: the tallies are refreshed and the snapshot reloaded once.
    from webapp.surveys.models import SurveyResponse

    client = signed_in_client(app, "analyst")
    cold = []
    for attempt in range(5):
        with app.app_context():
            survey = db.session.get(Survey, survey_id)
            db.session.add(
                SurveyResponse(
                    survey_id=survey_id,
                    survey_version_id=survey.current_version_id,
                    submission_id=f"00000000-0000-4000-8000-{attempt + time.time_ns() % 10**11:012d}",
                    content_hash="0" * 64,
                    language="kk",
                    region_code="KZ-75",
                    answers={"trust_regional_akimat": "4"},
                )
            )
            db.session.commit()
        started = time.perf_counter()
        assert client.get(f"/results/{survey_id}").status_code == 200
        cold.append((time.perf_counter() - started) * 1000)
    print(f"[{backend}] first page after a new response: median {statistics.median(cold):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(machine_note())
    for backend in backends:
        run(backend, args.responses, args.requests)


if __name__ == "__main__":
    main()
