"""The survey indicators page (``/results/<id>/indicators``): its first load in a fresh
process, as after ``make run``, and the loads after it.

Run: ``.venv/bin/python bench/survey_indicators_page.py [--responses 10000] [--processes 5]
[--requests 5] [--backend sqlite|postgresql] [--profile]``. Builds (once) a scratch database
with the demo citizen survey (synthetic responses, as ``flask demo load`` stores them), the
demo indicator mappings and populations, and counts the responses into the tallies. Then
each of ``--processes`` fresh Python processes builds the app, signs in as an analyst and
requests the page ``--requests`` times: the first request pays what a new web worker pays
(reading the tallies, imports, compiling the templates). Prints the median of the first and
of the later requests in milliseconds; ``--profile`` prints the first request's cProfile
(cumulative, top 30) from one more process. Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from survey_bench_data import machine_note, make_app, postgres_url, sqlite_url  # noqa: E402

EMAIL = "bench-indicators-analyst@example.org"
PASSWORD = "bench password 2026"


def build(url: str, responses: int) -> int:
    """The scratch database with the demo survey and its mappings; returns the survey id."""
    import sqlalchemy as sa

    from webapp.auth.services import create_user, find_user
    from webapp.database import create_schema
    from webapp.extensions import db
    from webapp.regions.services import load_regions
    from webapp.surveys.models import Survey
    from webapp.surveys.results import services
    from webapp.surveys.results.demo import load_demo_indicators
    from webapp.surveys.services.demo import CITIZEN_SLUG, load_demo_surveys

    app = make_app(url)
    with app.app_context():
        create_schema()
        survey_id = db.session.scalar(sa.select(Survey.id).where(Survey.slug == CITIZEN_SLUG))
        if survey_id is None:
            load_regions()
            load_demo_surveys(citizen_responses=responses, council_responses=0)
            load_demo_indicators()
            db.session.commit()
            survey_id = db.session.scalar(sa.select(Survey.id).where(Survey.slug == CITIZEN_SLUG))
            services.rebuild_tallies(survey_id)
        if find_user(EMAIL) is None:
            create_user(EMAIL, "analyst", PASSWORD)
            db.session.commit()
    return survey_id


#: Runs in a fresh process: argv = url, survey id, requests, profile (0/1), email, password.
CHILD = """
import cProfile, io, json, pstats, sys, time
from survey_bench_data import make_app
url, survey_id, requests, profile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
app = make_app(url)
client = app.test_client()
response = client.post("/sign-in", data={"email": sys.argv[5], "password": sys.argv[6]})
assert response.status_code == 302, response.status_code
times = []
profiler = cProfile.Profile() if profile else None
for index in range(requests):
    if profiler and index == 0:
        profiler.enable()
    started = time.perf_counter()
    response = client.get(f"/results/{survey_id}/indicators")
    times.append((time.perf_counter() - started) * 1000)
    if profiler and index == 0:
        profiler.disable()
    assert response.status_code == 200, response.status_code
if profiler:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    print(out.getvalue(), file=sys.stderr)
print(json.dumps(times))
"""


def measure(url: str, survey_id: int, requests: int, profile: bool = False) -> list[float]:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            url,
            str(survey_id),
            str(requests),
            "1" if profile else "0",
            EMAIL,
            PASSWORD,
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=HERE,
        env={**os.environ, "PYTHONPATH": f"{HERE}:{HERE.parent}"},
    )
    if profile:
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    name = f"bench_indicators_{args.responses}"
    url = sqlite_url(name) if args.backend == "sqlite" else postgres_url(name)
    survey_id = build(url, args.responses)
    print(machine_note())
    firsts, laters = [], []
    for _ in range(args.processes):
        times = measure(url, survey_id, args.requests)
        firsts.append(times[0])
        laters.extend(times[1:])
    print(
        f"[{args.backend}] {args.responses:,} responses: first load in a fresh process median "
        f"{statistics.median(firsts):.0f} ms (min {min(firsts):.0f}, max {max(firsts):.0f}, "
        f"{len(firsts)} processes)"
    )
    if laters:
        print(
            f"[{args.backend}] later loads median {statistics.median(laters):.0f} ms "
            f"(max {max(laters):.0f}, {len(laters)} requests)"
        )
    if args.profile:
        measure(url, survey_id, 1, profile=True)


if __name__ == "__main__":
    main()
