"""Results page latency with many stored responses, on SQLite and PostgreSQL.

Run: ``.venv/bin/python bench/survey_results.py [--responses 1000000] [--requests 200]
[--backend sqlite|postgresql|both]``. Builds (once) a scratch database per backend with the
demo citizen form and synthetic responses, counts them into the tallies (timed: the one-off
catch-up), then requests the full results page through the Flask test client as an analyst
and as a council member with a mix of filters, and prints p50/p95 in milliseconds. The
timed requests repeat five filters, so after the first round they are served from the
per-process caches (figures and their rendered markup, kept until the next response).
It also times the first page after a new response (tallies refreshed, figures computed and
rendered again): the analyst's default page, then each filter once as analyst and as
council member, every one of them a cache miss.

On PostgreSQL the tables are vacuumed and analysed after the catch-up when autovacuum is
off (as on the scratch server), which it would otherwise do after a bulk load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
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
        if backend == "postgresql":
            vacuum_if_no_autovacuum(db)
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
    client = signed_in_client(app, "analyst")
    cold = []
    for _attempt in range(5):
        add_response(
            app, survey_id, language="kk", region="KZ-75", answers={"trust_regional_akimat": "4"}
        )
        started = time.perf_counter()
        assert client.get(f"/results/{survey_id}").status_code == 200
        cold.append((time.perf_counter() - started) * 1000)
    print(f"[{backend}] first page after a new response: median {statistics.median(cold):.0f} ms")
    # With several gunicorn workers, another process usually counts the new response: this
    # one moves its cached snapshot forward by the responses in between (or, with none
    # cached, reads every tally row).
    elsewhere = []
    for attempt in range(5):
        add_response(app, survey_id, f"e{attempt}")
        count_in_another_process(url, survey_id)
        started = time.perf_counter()
        assert client.get(f"/results/{survey_id}").status_code == 200
        elsewhere.append((time.perf_counter() - started) * 1000)
    print(
        f"[{backend}] first page after a response another process counted: median "
        f"{statistics.median(elsewhere):.0f} ms, max {max(elsewhere):.0f} ms"
    )
    # Every filter once after a new response, for both viewers: nothing is cached.
    council = signed_in_client(app, "council_member")
    for role, viewer in (("analyst", client), ("council_member", council)):
        misses = []
        for attempt in range(3):
            add_response(app, survey_id, f"{role[0]}{attempt}")
            for query in filters:
                started = time.perf_counter()
                assert viewer.get(f"/results/{survey_id}{query}").status_code == 200
                misses.append((time.perf_counter() - started) * 1000)
        print(
            f"[{backend}] uncached filter after a new response as {role:<14} p50 "
            f"{statistics.median(misses):6.1f} ms  max {max(misses):6.1f} ms  ({len(misses)} requests)"
        )


def count_in_another_process(url: str, survey_id: int) -> None:
    """Count the new responses as another web worker would (its own process and cache)."""
    code = (
        "import sys; sys.path[:0] = sys.argv[1:3]\n"
        "from survey_bench_data import make_app\n"
        "from webapp.surveys.results import services\n"
        "app = make_app(sys.argv[3])\n"
        "with app.app_context():\n"
        "    assert services.refresh_tallies(int(sys.argv[4])) >= 1\n"
    )
    here = Path(__file__).resolve()
    subprocess.run(
        [sys.executable, "-c", code, str(here.parent), str(here.parents[1]), url, str(survey_id)],
        check=True,
    )


def add_response(
    app,
    survey_id: int,
    tag: str = "",
    language: str = "ru",
    region: str = "KZ-11",
    answers: dict | None = None,
) -> None:
    """Store one more response (the analysts' free text carries ``tag`` by default)."""
    from webapp.extensions import db
    from webapp.surveys.models import Survey, SurveyResponse

    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        number = time.time_ns() % 10**11
        db.session.add(
            SurveyResponse(
                survey_id=survey_id,
                survey_version_id=survey.current_version_id,
                submission_id=f"00000000-0000-4000-8000-{number:012d}",
                content_hash="0" * 64,
                language=language,
                region_code=region,
                answers=answers or {"trust_regional_akimat": "2", "comment": f"bench {tag}"},
            )
        )
        db.session.commit()


def vacuum_if_no_autovacuum(db) -> None:
    """VACUUM ANALYZE the survey tables when the server's autovacuum is off: a bulk load and
    a catch-up leave no statistics and many dead tally rows, which autovacuum clears."""
    import sqlalchemy as sa

    with db.engine.connect() as connection:
        if connection.scalar(sa.text("SHOW autovacuum")) == "on":
            return
    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in (
            "survey_responses",
            "survey_result_counts",
            "survey_result_tallies",
            "survey_result_watermarks",
        ):
            connection.execute(sa.text(f"VACUUM ANALYZE {table}"))
    print(
        f"[postgresql] autovacuum is off: vacuumed and analysed in {time.perf_counter() - started:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--no-catch-up",
        action="store_true",
        help="read every tally row after another process counted (the behaviour before "
        "snapshots were moved forward), for comparison",
    )
    args = parser.parse_args()
    if args.no_catch_up:
        from webapp.surveys.results import services

        services.CATCH_UP_LIMIT = 0
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(machine_note())
    for backend in backends:
        run(backend, args.responses, args.requests)


if __name__ == "__main__":
    main()
