"""Time a statistics import and the demo training run through the web application's services.

Run: ``.venv/bin/python bench/risk_import.py [--database-url URL] [--repeat 3] [--train]``.

* import: a long CSV of 20 regions x 10 indicators x 15 periods (3,000 values, each
  indicator at its catalogue frequency) is staged (read, checked, clashes looked up) and
  confirmed (stored in one transaction), then undone; median wall times over the repeats.
* ``--train``: the demo loader (synthetic panel import, training with the demo settings,
  materialisation, publication), timed once, as ``flask demo load`` does it on first start.

Uses a fresh SQLite database in a temporary folder unless ``--database-url`` is given (that
database's tables are created if missing and its risk data is left behind).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from forecasting.demo import generate_panel
from webapp import create_app
from webapp.database import create_schema
from webapp.extensions import db

INDICATORS = (
    "unemployment_rate",
    "poverty_share",
    "real_wage_growth",
    "inflation_yoy",
    "youth_neet_share",
    "youth_unemployment_rate",
    "complaints_per_10k",
    "registered_crime_per_10k",
    "survey_dissatisfied_services",
    "survey_trust_local_government",
)
PERIODS = 15


def statistics_file() -> bytes:
    """20 regions x 10 indicators x the last 15 periods of each, as a long CSV."""
    observations, _ = generate_panel(seed=11, months=(PERIODS + 2) * 12)
    observations = observations[observations["indicator"].isin(INDICATORS)]
    observations = observations.assign(start=observations["period"].map(lambda p: p.start_time))
    latest = observations.sort_values("start").groupby(["indicator", "region"]).tail(PERIODS)
    latest = latest.assign(period=latest["period"].astype(str))
    return latest[["region", "period", "indicator", "value"]].to_csv(index=False).encode("utf-8")


def _cpu_seconds() -> float:
    """CPU time of this process (all threads): close to the wall time on an idle machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--train", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-risk-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{folder / 'bench.db'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "bench",
        }
    )
    content = statistics_file()
    with app.app_context():
        from webapp.regions.services import load_regions
        from webapp.risk.catalogue import ensure_catalogue
        from webapp.risk.imports import ReaderOptions, confirm_upload, stage_upload, undo_import

        create_schema()
        load_regions()
        ensure_catalogue()
        db.session.commit()
        stage_times, confirm_times, undo_times, values = [], [], [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            upload = stage_upload(content, "bench.csv", ReaderOptions(), None)
            db.session.commit()
            stage_times.append(time.perf_counter() - start)
            assert upload.report["ok"], upload.report["errors"][:3]
            start = time.perf_counter()
            done = confirm_upload(upload.id, None)
            db.session.commit()
            confirm_times.append(time.perf_counter() - start)
            values = done.observation_count
            start = time.perf_counter()
            undo_import(done.id, None)
            db.session.commit()
            undo_times.append(time.perf_counter() - start)
        print(f"statistics file: {len(content):,} bytes, {values:,} values (20 x 10 x {PERIODS})")
        print(f"  read + check + preview  {statistics.median(stage_times):6.2f} s")
        print(f"  confirm (store)         {statistics.median(confirm_times):6.2f} s")
        print(f"  undo                    {statistics.median(undo_times):6.2f} s")
        if args.train:
            from webapp.risk.demo import load_demo

            start, cpu_start = time.perf_counter(), _cpu_seconds()
            summary = load_demo()
            db.session.commit()
            print(
                f"demo load (import, train, materialise, publish): "
                f"{time.perf_counter() - start:.1f} s wall, {_cpu_seconds() - cpu_start:.1f} s CPU"
            )
            print(f"  {summary}")
            from webapp.risk.jobs import registry
            from webapp.risk.services import published_run_id

            run_id = published_run_id()
            if run_id:
                print(f"  pipeline: {registry().get(run_id).message}")
        print(f"load average while running: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
