"""Survey answers under load while a worker dies and PostgreSQL restarts: nothing lost, nothing twice.

Setup: a scratch PostgreSQL database (``flask db upgrade``, ``regions load``, a two-page survey
imported and opened with ``flask surveys import --publish``), gunicorn with 3 workers on a
loopback port. Then ``--clients`` threads each answer ``--per-client`` surveys through the
real pages, like a browser without JavaScript: GET the first page, read the CSRF token and
the submission id, POST each page, follow the redirect (the last post answers with the
thank-you page itself), until the thank-you page. After an
error or a time-out a client retries the same step with the SAME submission id (as a person
pressing the button again would). Meanwhile one worker is killed with SIGKILL and PostgreSQL
is restarted (``pg_ctlcluster --skip-systemctl-redirect VERSION main restart``, as root),
then another worker is killed.

Checked at the end, from the database: every acknowledged submission (a thank-you page was
seen) is stored exactly once, none twice, and every stored response re-validates against
the survey definition to exactly the answers its client sent. Printed: sent, acknowledged,
stored, duplicates, lost, malformed, retries, faults. Exit code 1 on any loss, duplicate or
malformed row. PostgreSQL is started again at the end whatever happens.

Run (as root, PostgreSQL on 127.0.0.1:5432, user postgres):
``python bench/load_with_faults.py [--clients 20 --per-client 12]``. Loopback only; the whole
run is bounded by ``--deadline`` seconds (default 150).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SLUG = "load-with-faults"
REGIONS = ["KZ-75", "KZ-71", "KZ-79", "KZ-10", "KZ-11", "KZ-33"]
TOPICS = ["roads", "jobs", "schools", "prices"]
HIDDEN = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')
ACTION = re.compile(r'<form method="post" action="([^"]+)"')


# --------------------------------------------------------------------------- setup


def survey_workbook() -> bytes:
    """Two pages: region and age; trust, topics (multiple) and a comment."""
    from openpyxl import Workbook

    labels = ["label::Kazakh (kk)", "label::Russian (ru)", "label::English (en)"]
    sheets = {
        "survey": [
            ["type", "name", *labels, "required", "constraint"],
            ["begin group", "about", "Сіз", "Вы", "You"],
            ["select_one region", "region", "Өңір", "Регион", "Region", "yes"],
            ["integer", "age", "Жас", "Возраст", "Age", "yes", ". >= 18 and . <= 100"],
            ["end group", "about"],
            ["begin group", "views", "Пікір", "Мнение", "Views"],
            ["select_one rating5", "trust", "Сенім", "Доверие", "Trust", "yes"],
            ["select_multiple topics", "topics", "Тақырып", "Темы", "Topics", "yes"],
            ["text", "comment", "Пікір", "Комментарий", "Comment"],
            ["end group", "views"],
        ],
        "choices": [
            ["list_name", "name", *labels],
            *[["rating5", str(n), str(n), str(n), str(n)] for n in range(1, 6)],
            *[["topics", topic, topic, topic, topic] for topic in TOPICS],
        ],
        "settings": [
            ["form_id", "form_title::Kazakh (kk)", "form_title::Russian (ru)",
             "form_title::English (en)", "default_language"],
            ["load_with_faults", "Жүктеме", "Нагрузка", "Load", "Russian (ru)"],
        ],
    }  # fmt: skip
    workbook = Workbook()
    for position, (title, rows) in enumerate(sheets.items()):
        sheet = workbook.active if position == 0 else workbook.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[0]


def postgres_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
        ).returncode
        == 0
    )


def ensure_postgres_running() -> None:
    """Start the cluster if it is down and wait until it accepts connections."""
    if postgres_ready():
        return
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", postgres_version(), "main", "start"],
        check=False,
        capture_output=True,
    )
    for _ in range(60):
        if postgres_ready():
            return
        time.sleep(0.5)
    raise RuntimeError("PostgreSQL did not come back")


def flask_commands(url: str, directory: Path, *commands: list[str]) -> None:
    """Run ``flask --app webapp ...`` commands in this process (one import of the app
    instead of one per command; the commands are the same click commands)."""
    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(directory / "instance")})
    runner = app.test_cli_runner()
    for arguments in commands:
        result = runner.invoke(args=arguments)
        if result.exit_code != 0:
            raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{result.output[-2000:]}")
    from webapp.extensions import db

    with app.app_context():
        db.engine.dispose()


@dataclass
class Installation:
    database: str
    url: str
    environment: dict[str, str]
    directory: Path
    base_url: str = ""
    server: subprocess.Popen | None = None


def install(directory: Path) -> Installation:
    database = f"load_with_faults_{os.getpid()}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": os.urandom(32).hex(),
        "LOG_LEVEL": "WARNING",
        "MODEL_REGISTRY_DIR": str(directory / "registry"),
    }
    environment.pop("REDIS_URL", None)
    form = directory / "survey.xlsx"
    form.write_bytes(survey_workbook())
    flask_commands(
        url,
        directory,
        ["db", "upgrade"],
        ["regions", "load"],
        ["surveys", "import", str(form), "--slug", SLUG, "--publish"],
    )
    return Installation(database, url, environment, directory)


def start_server(installation: Installation, workers: int) -> None:
    port = free_port()
    config = installation.directory / "gunicorn.conf.py"
    # The factory takes its settings as a literal: its own instance folder, and no rate
    # limit (every simulated respondent shares 127.0.0.1, which the limit would throttle).
    overrides = {
        "INSTANCE_PATH": str(installation.directory / "instance"),
        "RATELIMIT_ENABLED": False,
    }
    config.write_text(
        f"bind = '127.0.0.1:{port}'\nworkers = {workers}\nthreads = 2\ntimeout = 20\n"
        "preload_app = True\n"
        f"graceful_timeout = 5\nwsgi_app = {f'webapp:create_app({overrides!r})'!r}\n"
        "accesslog = None\nerrorlog = '-'\nloglevel = 'warning'\n"
    )
    installation.server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", str(config)],
        cwd=ROOT,
        env=installation.environment,
        stdout=subprocess.DEVNULL,
        stderr=open(installation.directory / "gunicorn.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    installation.base_url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        with contextlib.suppress(requests.RequestException):  # not listening yet: wait
            if requests.get(installation.base_url + "/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError("gunicorn did not start; see gunicorn.log")


def worker_pids(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.append(int(entry.name))
    return sorted(children)


# --------------------------------------------------------------------------- respondents


@dataclass
class Tally:
    sent: int = 0
    acknowledged: set[str] = field(default_factory=set)
    given_up: set[str] = field(default_factory=set)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    retries: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class GiveUp(Exception):
    """A client stops retrying one submission (counted as given up, never as stored)."""


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in HIDDEN.findall(html):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


def with_retries(tally: Tally, stop_at: float, step: str, call) -> requests.Response:
    """Run one HTTP step until it gets a usable answer; 5xx, 429, time-outs and dropped
    connections are retried (same submission id), with a short growing pause."""
    pause = 0.1
    while True:
        try:
            response = call()
            if response.status_code < 500 and response.status_code != 429:
                return response
            reason = f"HTTP {response.status_code}"
        except requests.RequestException as error:
            reason = type(error).__name__
        with tally.lock:
            tally.retries[f"{step}: {reason}"] += 1
        if time.monotonic() + pause > stop_at:
            raise GiveUp(step)
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


def respond(base_url: str, tally: Tally, rng: random.Random, stop_at: float) -> None:
    """One respondent answering the survey once, retrying each step on failure."""
    session = requests.Session()
    language = rng.choice(["kk", "ru", "en"])
    raw = {
        "region": rng.choice(REGIONS),
        "age": str(rng.randint(18, 100)),
        "trust": str(rng.randint(1, 5)),
        "topics": sorted(rng.sample(TOPICS, rng.randint(1, 3))),
        "comment": rng.choice(["", "Жолдар нашар", "Дороги плохие", f"note {rng.random():.6f}"]),
    }
    first = with_retries(
        tally,
        stop_at,
        "start",
        lambda: session.get(f"{base_url}/s/{SLUG}?lang={language}", timeout=10),
    )
    fields = hidden_fields(first.text)
    submission_id = fields["submission_id"]
    with tally.lock:
        tally.sent += 1
        tally.answers[submission_id] = raw
    pages = [("region", "age"), ("trust", "topics", "comment")]
    html = first.text
    try:
        for names in pages:
            fields = hidden_fields(html) or fields
            action = ACTION.search(html)
            url = base_url + (action.group(1) if action else f"/s/{SLUG}/r/{submission_id}")
            data = {
                "csrf_token": fields.get("csrf_token", ""),
                "submission_id": submission_id,
                "page": fields.get("page", "0"),
                "language": language,
                "action": "next",
                **{f"answer-{name}": raw[name] for name in names if raw[name]},
            }
            posted = with_retries(
                tally,
                stop_at,
                f"post {names[0]}",
                lambda url=url, data=data: session.post(
                    url, data=data, timeout=10, allow_redirects=False
                ),
            )
            if posted.status_code == 200:  # the stored answers' thank-you page
                following = posted
            elif posted.status_code == 303:
                following = with_retries(
                    tally,
                    stop_at,
                    "follow",
                    lambda posted=posted: session.get(
                        base_url + posted.headers["Location"].removeprefix(base_url), timeout=10
                    ),
                )
            else:
                raise GiveUp(f"post {names[0]} answered {posted.status_code}")
            html = following.text
        if 'name="submission_id"' in html or following.status_code != 200:
            raise GiveUp("no thank-you page after the last page")
        with tally.lock:
            tally.acknowledged.add(submission_id)
    except GiveUp:
        with tally.lock:
            tally.given_up.add(submission_id)


def client_loop(base_url: str, tally: Tally, seed: int, count: int, stop_at: float) -> None:
    rng = random.Random(seed)
    for _ in range(count):
        if time.monotonic() > stop_at:
            return
        try:
            respond(base_url, tally, rng, stop_at)
        except GiveUp:
            continue


# --------------------------------------------------------------------------- faults


def inject_faults(installation: Installation, events: list[str], started: float) -> None:
    """SIGKILL a gunicorn worker, restart PostgreSQL, SIGKILL another worker, while the
    clients keep answering."""
    time.sleep(2.0)
    assert installation.server is not None
    workers = worker_pids(installation.server.pid)
    if workers:
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        events.append(f"{time.monotonic() - started:5.1f}s SIGKILL gunicorn worker {victim}")
    time.sleep(2.0)
    events.append(f"{time.monotonic() - started:5.1f}s PostgreSQL restart begins")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", postgres_version(), "main", "restart"],
        check=False,
        capture_output=True,
        timeout=60,
    )
    ensure_postgres_running()
    events.append(f"{time.monotonic() - started:5.1f}s PostgreSQL accepting connections again")
    time.sleep(3.0)  # and once more while clients retry what the outage interrupted
    workers = worker_pids(installation.server.pid)
    if workers:
        os.kill(workers[-1], signal.SIGKILL)
        events.append(f"{time.monotonic() - started:5.1f}s SIGKILL gunicorn worker {workers[-1]}")


# --------------------------------------------------------------------------- checking


def check_stored(installation: Installation, tally: Tally) -> dict[str, int]:
    """Compare the database with what the clients sent and saw."""
    os.environ["DATABASE_URL"] = installation.url
    from webapp import create_app
    from webapp.extensions import db
    from webapp.surveys.answers import validate_answers
    from webapp.surveys.models import Survey, SurveyResponse
    from webapp.surveys.services.responding import content_hash, region_codes

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": installation.url,
            "INSTANCE_PATH": str(installation.directory / "instance"),
        }
    )
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == SLUG))
        rows = list(
            db.session.scalars(
                sa.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
            )
        )
        per_submission = Counter(row.submission_id for row in rows)
        codes = region_codes()
        malformed = 0
        for row in rows:
            definition = row.version.load()
            clean, errors = validate_answers(
                definition, None, row.answers, today=row.submitted_at.date(), region_codes=codes
            )
            sent = tally.answers.get(row.submission_id)
            expected, _ = validate_answers(
                definition,
                None,
                sent or {},
                today=row.submitted_at.date(),
                region_codes=codes,
            )
            if (
                errors
                or clean != row.answers
                or content_hash(clean) != row.content_hash
                or sent is None
                or expected != row.answers
            ):
                malformed += 1
        db.session.remove()
        db.engine.dispose()
    stored = set(per_submission)
    return {
        "sent": tally.sent,
        "acknowledged": len(tally.acknowledged),
        "stored": len(rows),
        "duplicates": sum(count - 1 for count in per_submission.values()),
        "lost": len(tally.acknowledged - stored),
        "malformed": malformed,
        "stored without acknowledgement": len(stored - tally.acknowledged),
        "given up by clients": len(tally.given_up),
    }


# --------------------------------------------------------------------------- main


def run(clients: int = 20, per_client: int = 12, workers: int = 3, deadline: float = 150.0,
        faults: bool = True) -> dict[str, Any]:  # fmt: skip
    """Set up, load, inject faults, check; returns the figures (also used by the slow test)."""
    begun = time.monotonic()
    events: list[str] = []
    directory = Path(tempfile.mkdtemp(prefix="load-with-faults-"))
    installation: Installation | None = None
    try:
        ensure_postgres_running()
        installation = install(directory)
        start_server(installation, workers)
        setup_seconds = time.monotonic() - begun
        tally = Tally()
        started = time.monotonic()
        # The load phase gets what the deadline leaves after setup, minus time to check.
        stop_at = started + max(20.0, deadline - setup_seconds - 20)
        threads = [
            threading.Thread(
                target=client_loop,
                args=(installation.base_url, tally, seed, per_client, stop_at),
                daemon=True,
            )
            for seed in range(clients)
        ]
        for thread in threads:
            thread.start()
        fault_thread = None
        if faults:
            fault_thread = threading.Thread(
                target=inject_faults, args=(installation, events, started), daemon=True
            )
            fault_thread.start()
        for thread in threads:
            thread.join(timeout=max(1.0, stop_at - time.monotonic() + 15))
        if fault_thread is not None:
            fault_thread.join(timeout=60)
        load_seconds = time.monotonic() - started
        ensure_postgres_running()
        figures = check_stored(installation, tally)
        return {
            **figures,
            "retries": sum(tally.retries.values()),
            "retry reasons": dict(tally.retries.most_common(8)),
            "faults": events,
            "setup seconds": round(setup_seconds, 1),
            "load seconds": round(load_seconds, 1),
            "submissions per second": round(len(tally.acknowledged) / max(load_seconds, 0.1), 1),
        }
    finally:
        if installation is not None and installation.server is not None:
            try:
                os.killpg(installation.server.pid, signal.SIGTERM)
                installation.server.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(installation.server.pid, signal.SIGKILL)
        ensure_postgres_running()  # always: whatever happened above
        shutil.rmtree(directory, ignore_errors=True)
        if installation is not None:
            admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(
                    sa.text(f'DROP DATABASE IF EXISTS "{installation.database}" WITH (FORCE)')
                )
            admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=12)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--deadline", type=float, default=150.0, help="seconds for everything")
    parser.add_argument("--no-faults", action="store_true", help="load only (a baseline)")
    arguments = parser.parse_args()
    figures = run(
        arguments.clients,
        arguments.per_client,
        arguments.workers,
        arguments.deadline,
        faults=not arguments.no_faults,
    )
    for name in ("sent", "acknowledged", "stored", "duplicates", "lost", "malformed",
                 "stored without acknowledgement", "given up by clients", "retries"):  # fmt: skip
        print(f"{name:32s} {figures[name]}")
    print(f"{'retry reasons':32s} {json.dumps(figures['retry reasons'], ensure_ascii=False)}")
    for event in figures["faults"]:
        print(f"{'fault':32s} {event}")
    for name in ("setup seconds", "load seconds", "submissions per second"):
        print(f"{name:32s} {figures[name]}")
    failed = figures["lost"] or figures["duplicates"] or figures["malformed"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
