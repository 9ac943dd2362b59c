"""Survey submissions per second through the whole stack, against a bare insert endpoint.

For each database (SQLite file; PostgreSQL if reachable) this script:

1. creates a scratch instance (temporary folder; a scratch PostgreSQL database that it
   drops afterwards), the schema, the region registry and a one-page public survey;
2. starts gunicorn on 127.0.0.1 with the real app (CSRF on, rate limit set high, the
   production log level) and drives
   complete submissions: GET the page, parse the CSRF token and submission id, POST the
   answers and receive the thank-you page (the storing post answers with it; a redirect,
   if the app sent one, would be followed and timed too);
3. starts gunicorn again with a bare WSGI endpoint (no Flask) that inserts the same kind of
   row into the same table, and drives it with the same number of client threads;
4. starts gunicorn a third time with the same Flask application plus one route, added in
   this script's app instance only (``flask_bare_app``), that does the same insert: the
   second baseline, which carries the application's fixed cost per request (session, CSRF
   hook, rate-limit hook, security headers, request log) but none of the survey's work;
5. prints submissions/s for each, the ratios, the CPU time the gunicorn processes spent
   per submission (less sensitive than the rates to other load on the machine) and the CPU
   time this load generator spent, and checks that the full-stack run stored exactly one
   row per submission. Counts are bounded; only loopback is used.

The load generator runs on the same cores as the servers, so its own CPU time is taken from
both. By default it is ``http.client`` on keep-alive connections (``LeanClient``), the same
for both servers; ``--client requests`` runs the former ``requests.Session`` one, which
spent about four times as much CPU per request, for comparison.

Both servers run with the production settings (``gunicorn.conf.py``: worker class, threads,
keep-alive, access log); only the address and, if given, ``--workers`` are overridden, the
same for both.

Run: ``.venv/bin/python bench/survey_submissions.py [--submissions 300] [--workers N]``.
``--in-process`` runs no gunicorn: the same page, post and bare insert through the Flask
test client, with CPU ms, SQL statements and Python function calls per request (redirect
stderr: the request log stays on, as in production).
Figures, not assertions: the machine's load changes them.

Figures, 2026-11-29 02:57-02:59 UTC, 2 cores shared with other jobs (``uptime`` load average
2.8-3.9 over the runs), ``--submissions 300``, three runs in a row; per database: rate/s
full stack, WSGI bare, Flask bare; ratio to WSGI bare / to Flask bare; gunicorn CPU ms per
op full / WSGI bare / Flask bare::

    SQLite      90-149 /s  608-845 /s  404-914 /s  ratio 0.15-0.19 / 0.13-0.36
                CPU 6.5-10.6 / 1.4-1.7 / 1.8-2.3 ms
    PostgreSQL  66-209 /s  299-804 /s  232-339 /s  ratio 0.22-0.27 / 0.29-0.80
                CPU 7.2-14.1 / 1.4-3.3 / 2.7-3.9 ms

The spread is the other jobs' load, not the code: the same commit gave 5.4 ms full-stack
CPU on SQLite an hour earlier. Steadier, in process (Flask test client, CSRF on, min of
5 x 300, test client's own ~0.25 ms per request included): SQLite GET 1.2, storing POST 2.0,
Flask bare POST 0.95 ms; PostgreSQL GET 2.0, POST 2.9, Flask bare POST 1.4 ms. A no-op WSGI
request under the same gunicorn config costs 0.37-0.43 ms server CPU and 0.13-0.18 ms
client CPU. With X that per-request cost, the ratio to the WSGI baseline is
(X + b) / (2X + f), so 0.5 needs the app's whole work for GET + POST (f) to be at most
twice the bare insert's own (b, ~0.15-0.2 ms on SQLite): the Flask bare route alone,
one request, already costs more than that.

After the respondent hot-path pass (2026-11-29 10:50-10:57 UTC, load average 3.5-7 on the
2 cores; the figures above are from a quieter hour). Interleaved with the code before it
(the same script run on a copy of the previous commit), ``--submissions 300``, two runs
before, three after; full stack/s, ratio to WSGI bare / to Flask bare, gunicorn CPU ms
per submission::

    SQLite      before  85 /s, 0.14-0.19 / 0.32-0.35, 9.0-12.2 ms
                after   77-220 /s, 0.11-0.32 / 0.23-0.64, 7.2-12.4 ms
    PostgreSQL  before  36-57 /s, 0.17-0.23 / 0.18-0.50, 13.8-19.2 ms
                after   55-110 /s, 0.14-0.21 / 0.19-0.61, 13.8-16.1 ms

At that load the rates say nothing about a change of a few per cent (the WSGI bare
endpoint alone moved between 459 and 726 /s on SQLite). ``--in-process`` (same hour, three
runs each; the bare POST, unchanged code, moved 1.38-1.67 ms on SQLite and 1.60-2.57 ms on
PostgreSQL) and its deterministic counts::

                     CPU ms GET / POST      SQL GET / POST   Python calls GET / POST / bare
    SQLite  before   1.74-1.81 / 2.84-4.01  2 / 3            3593 / 5468 / 3038
            after    1.60-1.86 / 3.03-3.96  2 / 3            3395 / 5327 / 3038
    PostgreSQL before 2.72-3.06 / 4.71-5.26 2 / 3            4086 / 6217 / 3193
            after    2.45-2.87 / 4.78-5.57  2 / 3            3827 / 6063 / 3193

So the survey's own work per submission fell by about 340 (SQLite) to 410 (PostgreSQL)
calls: 6 % of the first page, 3 % of the storing post. The statements were already at
their floor for this survey: the page reads the survey (with its version) and the region
registry; the post reads survey, draft and response in one statement, the registry, and
inserts. The registry is read on each request of a survey that asks for a region because
nothing tells a worker that another process loaded a new one (a registry version stamp,
bumped by ``load_regions``, would let each worker keep it); a survey without a region
question no longer reads it. Definitions are parsed once per version and worker, skip
logic compiled once per expression, the shared first and thank-you pages rendered once,
and no request writes the session cookie after the first page.

What is left, by cProfile share of the in-process requests on SQLite: of the first page,
the app's fixed cost (session cookie open/save ~13 %, the rate limiter's before-request
check ~8 % although the page has no limit, teardown ~6 %, request log ~6 %, security
headers ~4 %) and the survey's two statements (~18 % the survey row through a Core
statement, with the connection's checkout, ~10 % the registry) with the CSRF token (~7 %); of the post, reading survey,
version, draft and response as ORM objects (~23 %), CSRF validation with the form's parsing
(~9 %), the commit (~6 %), the registry (~5 %), the rate-limit checks (~10 %, decorator and
before-request hook), validation and the insert (~10 %). Every request also checks its
pooled connection out with ``pool_pre_ping`` (a round trip on PostgreSQL). The ratio to
the WSGI bare insert stays far from 0.5 (0.1-0.3 here, 0.28-0.30 reported on a quieter
machine): by the arithmetic above it would need the whole GET + POST to cost about what
the Flask bare route alone does.

On a quiet machine (2026-11-29 12:06 UTC, load average 0.4-1.0, nothing else running),
``--submissions 300``: SQLite full stack 300.8/s, WSGI bare 1896.4/s (ratio 0.16), Flask
bare 855.0/s (ratio 0.35), gunicorn CPU ms per op 5.87 / 0.73 / 1.87; PostgreSQL 173.5/s,
525.6/s (0.33), 662.1/s (0.26), CPU 8.87 / 2.93 / 2.13 ms. ``--in-process`` the same
minute: SQLite GET 1.01, POST 1.88, Flask bare 0.89 ms; PostgreSQL 1.54, 2.46, 1.15 ms.
Against the Flask bare route the ratio is bare / (GET + POST); every request pays the
same fixed cost F (bare = F + insert), so 0.5 needs GET + POST <= 2 F + 2 insert: the page
and the storing post together may add no more than one more insert's worth of work to
two fixed costs, while the post alone already does the insert, the CSRF check and the
validation (in process: 0.89 + 0.89 = 1.78 ms allowed against 2.89 spent).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import hashlib
import http.client
import io
import json
import os
import pstats
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SLUG = "bench"
ANSWERS = {"answer-region": "KZ-75", "answer-age": "37", "answer-trust": "4"}
SUBMISSION = re.compile(r'name="submission_id" value="([0-9a-f-]{36})"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ACTION = re.compile(r'<form method="post" action="([^"]+)" class="form survey-form"')
MAX_REDIRECTS = 5


class Reply(NamedTuple):
    status: int
    text: str


# --------------------------------------------------------------------------- bare endpoint

_bare_engine: sa.Engine | None = None
_bare_ids: dict[str, int] = {}
_bare_lock = threading.Lock()  # the production config runs threaded workers


def _bare_setup() -> sa.Engine:
    global _bare_engine
    with _bare_lock:
        if _bare_engine is None:
            import webapp.database  # noqa: F401  (the same SQLite connection settings)

            engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"])
            with engine.connect() as connection:
                row = connection.execute(
                    sa.text("SELECT id, current_version_id FROM surveys WHERE slug = :slug"),
                    {"slug": SLUG},
                ).one()
                _bare_ids.update(survey=row[0], version=row[1])
            _bare_engine = engine
    return _bare_engine


BARE_INSERT = sa.text(
    "INSERT INTO survey_responses (survey_id, survey_version_id, submission_id, "
    "content_hash, language, region_code, submitted_at, answers) VALUES "
    "(:survey, :version, :submission, :hash, 'en', 'KZ-75', :now, :answers)"
)


def bare_row(ids: dict[str, int]) -> dict[str, Any]:
    """The values of one response row, as the real stack would store them."""
    answers = {"region": "KZ-75", "age": 37, "trust": "4"}
    canonical = json.dumps(answers, sort_keys=True, separators=(",", ":"))
    return {
        "survey": ids["survey"],
        "version": ids["version"],
        "submission": str(uuid.uuid4()),
        "hash": hashlib.sha256(canonical.encode()).hexdigest(),
        "now": time.strftime("%Y-%m-%d %H:%M:%S"),
        "answers": canonical,
    }


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """POST -> insert one response row (what the real stack finally stores) -> 200."""
    if environ["REQUEST_METHOD"] != "POST":  # the start-up probe
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ready"]
    engine = _bare_engine or _bare_setup()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    with engine.begin() as connection:
        connection.execute(BARE_INSERT, bare_row(_bare_ids))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"stored"]


def flask_bare_app(config: dict[str, Any]) -> Any:
    """The real application (every extension and request hook) with one more route, in this
    instance only: POST /bench/bare inserts the same row as ``bare_app``, through the app's
    own database session, and answers a plain "stored". CSRF is exempted for this route
    alone (it has no form); the survey's page and post are not touched. The second baseline
    tells what the application's fixed cost per request is, apart from the survey's work."""
    from webapp import create_app
    from webapp.auth.access import public
    from webapp.extensions import csrf, db

    app = create_app(config)
    ids: dict[str, int] = {}

    @public
    def bench_bare() -> tuple[str, int, dict[str, str]]:
        if not ids:
            row = db.session.execute(
                sa.text("SELECT id, current_version_id FROM surveys WHERE slug = :slug"),
                {"slug": SLUG},
            ).one()
            ids.update(survey=row[0], version=row[1])
        db.session.execute(BARE_INSERT, bare_row(ids))
        db.session.commit()
        return "stored", 200, {"Content-Type": "text/plain"}

    app.add_url_rule("/bench/bare", "bench_bare", csrf.exempt(bench_bare), methods=["POST"])
    return app


# --------------------------------------------------------------------------- set-up


def one_page_form() -> bytes:
    from openpyxl import Workbook

    labels = ["label::Kazakh (kk)", "label::Russian (ru)", "label::English (en)"]
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    for row in (
        ["type", "name", *labels, "required", "constraint"],
        ["begin group", "page", "Бет", "Страница", "Page"],
        ["select_one region", "region", "Өңір", "Регион", "Region", "yes"],
        ["integer", "age", "Жасы", "Возраст", "Age", "yes", ". >= 18 and . <= 100"],
        ["select_one rating5", "trust", "Сенім", "Доверие", "Trust", "yes"],
        ["end group", "page"],
    ):
        survey.append(row)
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", *labels])
    for n in range(1, 6):
        choices.append(["rating5", str(n), str(n), str(n), str(n)])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "form_title", "default_language"])
    settings.append(["bench", "Bench", "English (en)"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def prepare(database_url: str, instance: Path) -> dict[str, Any]:
    """Schema, regions and an open one-page survey; returns the app's configuration."""
    sys.path.insert(0, str(ROOT))
    from webapp import create_app
    from webapp.database import create_schema
    from webapp.extensions import db
    from webapp.regions.services import load_regions
    from webapp.surveys.services import authoring

    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "INSTANCE_PATH": str(instance),
        "SURVEY_SUBMIT_RATE_LIMIT": "1000000 per minute",
    }
    app = create_app(config)
    with app.app_context():
        create_schema()
        load_regions()
        survey = authoring.create_survey(
            authoring.read_definition(one_page_form(), "bench.xlsx"), slug=SLUG
        )
        authoring.open_survey(survey)
        db.session.commit()
        db.engine.dispose()
    return config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(
    target: str, workers: int | None, cwd: Path, env: dict[str, str]
) -> tuple[subprocess.Popen, str]:
    """gunicorn with the production config; only the address (and ``workers``) overridden."""
    port = free_port()
    log = open(cwd / f"gunicorn-{port}.log", "w")  # noqa: SIM115 (closed with the process)
    workers_option = ["--workers", str(workers)] if workers else []
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            *workers_option,
            target,
        ],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/healthz", timeout=10)
            return process, base
        except (requests.ConnectionError, requests.Timeout):
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log.name}") from None
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not start in 180 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --------------------------------------------------------------------------- load


class LeanClient:
    """One keep-alive HTTP/1.1 connection with a cookie jar, on ``http.client``.

    ``requests`` spends about as much CPU per request in the client as gunicorn and a bare
    WSGI endpoint spend in the server, on the same two cores; this client does the same
    exchanges (cookies kept, redirects followed, bodies read in full) for a fraction of it.
    """

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        for _ in range(MAX_REDIRECTS + 1):
            headers = {"Accept-Encoding": "identity"}
            body = None
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the idle connection before reading this request (a
                # worker restarting after max_requests): send it again on a new one.
                self.connection.close()
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or ():
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            location = response.headers.get("Location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return Reply(response.status, data.decode("utf-8", "replace"))
            path = urlsplit(location)._replace(scheme="", netloc="").geturl()
            if response.status in (301, 302, 303):
                method, form = "GET", None
        raise RuntimeError(f"more than {MAX_REDIRECTS} redirects from {path}")


class RequestsClient:
    """The former load generator, ``requests.Session``: for comparison (``--client requests``)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        response = self.session.request(method, self.base + path, data=form, timeout=30)
        return Reply(response.status_code, response.text)


CLIENTS: dict[str, Callable[[str], Any]] = {"http.client": LeanClient, "requests": RequestsClient}


def drive(total: int, clients: int, make_client: Callable[[], Any], one: Callable) -> float:
    """Run ``total`` operations over ``clients`` threads; returns operations per second."""
    counter = iter(range(total))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def worker() -> None:
        client = make_client()
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            try:
                one(client)
            except BaseException as error:  # reported after the run
                failures.append(error)
                return

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} client(s) failed: {failures[0]!r}")
    return total / elapsed


def answers_posted_from(html: str) -> dict[str, str]:
    """The storing post's form: the page's CSRF token and submission id, and the answers."""
    return {
        "csrf_token": CSRF.search(html).group(1),
        "submission_id": SUBMISSION.search(html).group(1),
        "page": "0",
        "language": "en",
        "action": "next",
        **ANSWERS,
    }


def full_submission(client: Any) -> None:
    """GET the first page, take its token, id and form address, POST the answers, and
    check that the thank-you page came back."""
    page = client.request("GET", f"/s/{SLUG}?lang=en")
    if page.status != 200:
        raise RuntimeError(f"first page failed: {page.status} {page.text[:200]}")
    html = page.text
    done = client.request("POST", ACTION.search(html).group(1), answers_posted_from(html))
    if done.status != 200 or "recorded" not in done.text:
        raise RuntimeError(f"submission failed: {done.status} {done.text[:200]}")


def bare_insert(client: Any, path: str = "/") -> None:
    response = client.request("POST", path, ANSWERS)
    if response.status != 200 or response.text != "stored":
        raise RuntimeError(f"bare insert failed: {response.status} {response.text[:200]}")


flask_bare_insert = functools.partial(bare_insert, path="/bench/bare")


def count_rows(database_url: str) -> tuple[int, int]:
    """Rows in survey_responses, and distinct submission ids among them."""
    import webapp.database  # noqa: F401

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        rows, distinct = connection.execute(
            sa.text("SELECT count(*), count(DISTINCT submission_id) FROM survey_responses")
        ).one()
    engine.dispose()
    return int(rows), int(distinct)


def server_cpu_seconds(process: subprocess.Popen) -> float:
    """User + system CPU time of a gunicorn master, its live workers and the reaped ones."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if pid == process.pid:
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        elif parent == process.pid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def warm_up_count(args: argparse.Namespace) -> int:
    """Enough untimed operations for every worker to have served some (caches, connections)."""
    return 4 * (args.workers or 5) * 2


def client_cpu_seconds() -> float:
    """User + system CPU time of this process (the load generator's threads)."""
    times = os.times()
    return times.user + times.system


def run_server(
    target: str, env: dict[str, str], cwd: Path, args: argparse.Namespace, one: Callable
) -> tuple[float, float, float]:
    """Operations per second, and server and client CPU milliseconds per operation."""
    process, base = start_gunicorn(target, args.workers, cwd, env)
    make_client = functools.partial(CLIENTS[args.client], base)
    try:
        drive(warm_up_count(args), args.clients, make_client, one)
        cpu_before, client_before = server_cpu_seconds(process), client_cpu_seconds()
        rate = drive(args.submissions, args.clients, make_client, one)
        client = (client_cpu_seconds() - client_before) * 1000 / args.submissions
        cpu = (server_cpu_seconds(process) - cpu_before) * 1000 / args.submissions
    finally:
        stop(process)
    return rate, cpu, client


def measure(name: str, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-surveys-") as folder:
        cwd = Path(folder)
        config = prepare(database_url, cwd / "instance")
        literal = repr({key: value for key, value in config.items()})
        before, _ = count_rows(database_url)
        full_rate, full_cpu, full_client = run_server(
            f"webapp:create_app({literal})", {}, cwd, args, full_submission
        )
        rows, distinct = count_rows(database_url)
        stored = rows - before - warm_up_count(args)
        if stored != args.submissions or distinct != rows:
            raise RuntimeError(
                f"{stored} responses stored for {args.submissions} submissions "
                f"({rows - distinct} duplicate submission ids)"
            )
        bare_rate, bare_cpu, bare_client = run_server(
            "bench.survey_submissions:bare_app",
            {"BENCH_DATABASE_URL": database_url},
            cwd,
            args,
            bare_insert,
        )
        flask_rate, flask_cpu, flask_client = run_server(
            f"bench.survey_submissions:flask_bare_app({literal})", {}, cwd, args, flask_bare_insert
        )
    return {
        "database": name,
        "full": full_rate,
        "bare": bare_rate,
        "ratio": full_rate / bare_rate,
        "stored": stored,
        "full_cpu": full_cpu,
        "bare_cpu": bare_cpu,
        "full_client": full_client,
        "bare_client": bare_client,
        "flask": flask_rate,
        "flask_ratio": full_rate / flask_rate,
        "flask_cpu": flask_cpu,
        "flask_client": flask_client,
    }


def in_process(name: str, database_url: str, repeats: int, count: int) -> None:
    """The same page, post and bare insert through the Flask test client (CSRF on, no
    gunicorn, no sockets): CPU ms per request, min of ``repeats`` x ``count`` (steadier than
    the rates; the test client's own ~0.25 ms per request included), and the SQL statements
    each request sends."""
    with tempfile.TemporaryDirectory(prefix="bench-surveys-") as folder:
        config = prepare(database_url, Path(folder) / "instance")
        app = flask_bare_app(config)
        from webapp.extensions import db

        with app.app_context():
            engine = db.engine
        client = app.test_client()

        def page() -> str:
            reply = client.get(f"/s/{SLUG}?lang=en")
            if reply.status_code != 200:
                raise RuntimeError(f"first page failed: {reply.status_code}")
            return reply.get_data(as_text=True)

        def post(html: str) -> None:
            reply = client.post(ACTION.search(html).group(1), data=answers_posted_from(html))
            if reply.status_code != 200 or "recorded" not in reply.get_data(as_text=True):
                raise RuntimeError(f"submission failed: {reply.status_code}")

        def bare() -> None:
            reply = client.post("/bench/bare", data=ANSWERS)
            if reply.get_data(as_text=True) != "stored":
                raise RuntimeError(f"bare insert failed: {reply.status_code}")

        for _ in range(20):  # warm: statements compiled, shared pages rendered
            post(page())
            bare()
        sent: list[str] = []

        def note(*args: Any) -> None:
            sent.append(args[2])

        counts = {}
        sa.event.listen(engine, "before_cursor_execute", note)
        try:
            html = page()
            counts["GET"] = len(sent)
            post(html)
            counts["POST"] = len(sent) - counts["GET"]
            bare()
            counts["bare"] = len(sent) - counts["GET"] - counts["POST"]
        finally:
            sa.event.remove(engine, "before_cursor_execute", note)
        # Python function calls per request (cProfile): the same on every run, whatever the
        # machine's load, so a change of a few per cent shows where the times cannot.
        calls = {}
        pages = [page() for _ in range(50)]
        for label, run in (
            ("GET", lambda: [page() for _ in range(50)]),
            ("POST", lambda: [post(html) for html in pages]),
            ("bare", lambda: [bare() for _ in range(50)]),
        ):
            profile = cProfile.Profile()
            profile.runcall(run)
            calls[label] = pstats.Stats(profile).total_calls / 50
        best = {"GET": float("inf"), "POST": float("inf"), "bare": float("inf")}
        for _ in range(repeats):
            started = time.process_time()
            pages = [page() for _ in range(count)]
            best["GET"] = min(best["GET"], (time.process_time() - started) * 1000 / count)
            started = time.process_time()
            for html in pages:
                post(html)
            best["POST"] = min(best["POST"], (time.process_time() - started) * 1000 / count)
            started = time.process_time()
            for _ in range(count):
                bare()
            best["bare"] = min(best["bare"], (time.process_time() - started) * 1000 / count)
        with app.app_context():
            db.engine.dispose()
    print(
        f"{name:<12}in process, CPU ms per request (min of {repeats} x {count}): "
        f"GET {best['GET']:.2f}, storing POST {best['POST']:.2f}, Flask bare POST "
        f"{best['bare']:.2f}; SQL statements: GET {counts['GET']}, POST {counts['POST']}, "
        f"bare {counts['bare']}; Python calls: GET {calls['GET']:.0f}, POST {calls['POST']:.0f}, "
        f"bare {calls['bare']:.0f}",
        flush=True,
    )


def postgres_scratch() -> tuple[str, Callable[[], None]] | None:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_surveys_{os.getpid()}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        print(f"PostgreSQL not reachable, skipped: {error.orig}")
        return None

    def drop() -> None:
        admin.dispose()  # a fresh connection: the server may have been restarted meanwhile
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except sa.exc.OperationalError as error:
            print(f"could not drop the scratch database {name}: {error.orig}")
        admin.dispose()

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=300, help="per measurement")
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's, 2 x CPUs + 1)"
    )
    parser.add_argument("--clients", type=int, default=6, help="client threads")
    parser.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="http.client",
        help="load generator, the same for both servers (requests: the former one)",
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="no gunicorn: CPU ms and SQL statements per GET / POST / bare POST, Flask test "
        "client (5 x --submissions requests each; the request log still goes to stderr, "
        "as in production: redirect it)",
    )
    args = parser.parse_args()
    args.submissions = max(10, min(args.submissions, 5000))
    if args.in_process:
        with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
            in_process("SQLite", f"sqlite:///{folder}/bench.sqlite3", 5, args.submissions)
        scratch = None if args.skip_postgres else postgres_scratch()
        if scratch is not None:
            url, drop = scratch
            try:
                in_process("PostgreSQL", url, 5, args.submissions)
            finally:
                drop()
        return
    workers = args.workers or "gunicorn.conf.py's"
    print(
        f"Survey submissions, {args.submissions} per run, {workers} gunicorn workers "
        f"(production config, both servers), {args.clients} client threads ({args.client}, "
        "keep-alive), CSRF on, loopback only"
    )
    print("full stack = GET page + parse CSRF token and submission id + POST -> thank-you page")
    print("CPU ms/op = gunicorn processes' CPU time per submission (not the database server's)")
    print("client ms/op = this load generator's own CPU time per submission (same 2 cores)")
    print("stored = responses in the database after the full-stack run (checked: no duplicates)")
    print(
        f"{'database':<12}{'full stack/s':>14}{'bare insert/s':>15}{'ratio':>8}{'stored':>8}"
        f"{'CPU ms/op full':>16}{'bare':>7}{'client ms/op full':>19}{'bare':>7}"
    )

    def show(row: dict[str, Any]) -> None:
        print(
            f"{row['database']:<12}{row['full']:>14.1f}{row['bare']:>15.1f}"
            f"{row['ratio']:>8.2f}{row['stored']:>8}{row['full_cpu']:>16.2f}{row['bare_cpu']:>7.2f}"
            f"{row['full_client']:>19.2f}{row['bare_client']:>7.2f}",
            flush=True,
        )
        print(
            f"{'':<12}second baseline, the same Flask app with a bare insert route: "
            f"{row['flask']:.1f}/s, ratio {row['flask_ratio']:.2f}, "
            f"CPU ms/op {row['flask_cpu']:.2f}, client ms/op {row['flask_client']:.2f}",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        show(measure("SQLite", f"sqlite:///{folder}/bench.sqlite3", args))
    if not args.skip_postgres:
        scratch = postgres_scratch()
        if scratch is not None:
            url, drop = scratch
            try:
                show(measure("PostgreSQL", url, args))
            finally:
                drop()


if __name__ == "__main__":
    main()
