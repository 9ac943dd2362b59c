"""End-to-end tests in a real browser: headless Chromium from Debian, driven by Playwright.

One app per test session, served by werkzeug on 127.0.0.1 with a free port, on a fresh
instance folder and SQLite database built the way an operator builds one: ``flask db upgrade``,
``flask regions load``, ``flask demo load`` (the sign-ins are read from what the demo loader
prints). Two demo loaders are swapped for lighter versions built from the same services
(``lighter_demo``) to keep the session short. Tests use the app object for what a browser
cannot see (counting stored rows).

Playwright's own browser downloads are never used: Chromium is Debian's ``/usr/bin/chromium``
(``.ci/run`` installs it when missing); without it these tests are skipped.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.browser.reporting import AXE_FINDINGS, SCREENSHOT, SETUP_SECONDS, STEP_SECONDS
from webapp.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
SCREENSHOTS = REPOSITORY / "test-artifacts" / "screenshots"
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"
#: Synthetic citizen and council responses made by the demo loader for these tests (a first
#: start makes 10,000 and 200); enough for the results pages to have something to show.
DEMO_CITIZEN_RESPONSES = 400
DEMO_COUNCIL_RESPONSES = 40
#: Training options of the runs made by these tests (the quickest the form accepts).
QUICK_TRAINING = {"horizon": 1, "n_origins": 1}
#: Longest wait for one page or element, in milliseconds.
TIMEOUT_MS = 15_000
SIGN_IN_LINE = re.compile(r"^\s+(admin|analyst|council_member)\s+(\S+@\S+)\s+(\S+)\s*$")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"headless Chromium not found at {CHROMIUM}: install Debian's `chromium` "
        "package (.ci/run does); Playwright's own browser downloads are not used"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


# --------------------------------------------------------------------------- the live app


@dataclass(frozen=True)
class Account:
    email: str
    password: str


@dataclass
class LiveApp:
    """The app being served, its address, and the demo sign-ins printed by ``demo load``."""

    app: Flask
    url: str
    accounts: dict[str, Account]
    setup_seconds: list[tuple[str, float]] = field(default_factory=list)


class QuietRequestHandler(WSGIRequestHandler):
    """No access log lines: the app logs what matters as JSON already."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Deliberately writes nothing (the base class prints a line per request)."""


def run_command(app: Flask, *args: str) -> str:
    """Run a ``flask`` command against the app, failing the session with its output."""
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exit_code != 0:
        raise RuntimeError(
            f"flask {' '.join(args)} failed ({result.exit_code}):\n{result.output}"
        ) from result.exception
    return result.output


def compact_risk_panel() -> str:
    """The risk demo's import on a compact panel: its annual indicators only.

    The risk demo loader trains on the full synthetic panel (minutes of CPU); the same
    seeded panel restricted to annual indicators trains in seconds and still gives scores,
    classes and forecasts for every unit.
    """
    from forecasting.demo import DEMO_SOURCE, generate_panel
    from webapp.risk.demo import DEMO_SEED
    from webapp.risk.imports import store_observations

    observations, catalogue = generate_panel(seed=DEMO_SEED)
    annual = set(catalogue.loc[catalogue["frequency"] == "Y", "code"])
    observations = observations[observations["indicator"].isin(annual)].reset_index(drop=True)
    content = observations.to_csv(index=False).encode()
    stored = store_observations(
        observations,
        kind="synthetic",
        filename=f"{DEMO_SOURCE} (seed {DEMO_SEED}, annual indicators)",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        layout="long",
    )
    return f"compact synthetic panel imported: {stored.observation_count} values"


def lighter_demo(app: Flask) -> None:
    """Swap the slow demo loaders for lighter versions built from the same services.

    The survey-indicator mappings are left out: from a few hundred synthetic responses they
    give a handful of scattered monthly values that add nothing to the pages under test but
    triple the training time of the quick runs.
    """
    from webapp.risk.demo import load_demo as load_risk_demo
    from webapp.surveys.results.demo import load_demo_indicators
    from webapp.surveys.services.demo import load_demo_surveys

    lighter: dict[Callable[[], str], Callable[[], str] | None] = {
        load_demo_surveys: functools.partial(
            load_demo_surveys,
            citizen_responses=DEMO_CITIZEN_RESPONSES,
            council_responses=DEMO_COUNCIL_RESPONSES,
        ),
        load_demo_indicators: None,
        load_risk_demo: compact_risk_panel,
    }
    app.extensions["demo_loaders"] = [
        (name, lighter.get(loader, loader))
        for name, loader in app.extensions["demo_loaders"]
        if lighter.get(loader, loader) is not None
    ]


def train_and_publish(app: Flask) -> str:
    """What an analyst and an operator do: queue a quick training job, run the worker
    (``flask risk worker --burst``), publish the run."""
    from webapp.risk import jobs
    from webapp.risk.publishing import promote_run

    with app.app_context():
        job_id = jobs.enqueue_training(None, QUICK_TRAINING, hand_to_rq=False).id
    run_command(app, "risk", "worker", "--burst")
    with app.app_context():
        job = db.session.get(jobs.TrainingJob, job_id)
        assert job.status == "succeeded", f"training job #{job_id}: {job.status} {job.error}"
        promote_run(job.run_id, None)
        db.session.commit()
        return job.run_id


def parse_sign_ins(output: str) -> dict[str, Account]:
    accounts = {}
    for line in output.splitlines():
        match = SIGN_IN_LINE.match(line)
        if match:
            role, email, password = match.groups()
            accounts[role] = Account(email, password)
    return accounts


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    from webapp import create_app

    instance = tmp_path_factory.mktemp("browser-instance")
    timings: list[tuple[str, float]] = []
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'listening_state.sqlite3'}",
            "INSTANCE_PATH": str(instance),
            "MODEL_REGISTRY_DIR": str(instance / "model-registry"),
            "SECRET_KEY": secrets.token_hex(16),
        }
    )
    lighter_demo(app)
    output = ""
    for command in (("db", "upgrade"), ("regions", "load"), ("demo", "load")):
        started = time.perf_counter()
        output = run_command(app, *command)
        timings.append((f"flask {' '.join(command)}", time.perf_counter() - started))
    accounts = parse_sign_ins(output)
    missing = {"admin", "analyst", "council_member"} - set(accounts)
    assert not missing, f"demo load printed no sign-in for {sorted(missing)}:\n{output}"

    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    try:
        yield LiveApp(app, f"http://127.0.0.1:{server.server_port}", accounts, timings)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def published_run(live_app: LiveApp) -> str:
    """A quick run trained on the demo panel and published (the review pages need one)."""
    started = time.perf_counter()
    run_id = train_and_publish(live_app.app)
    live_app.setup_seconds.append(("train and publish a quick run", time.perf_counter() - started))
    return run_id


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_context(
    browser: Any, live_app: LiveApp, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """Factory for browser contexts on the live app; JavaScript errors fail the test.

    The app sends no scripts, so any console error is a problem worth seeing: a script or
    style refused by the Content-Security-Policy, a missing file, an exception. Options are
    Playwright's ``new_context`` options, plus ``accessibility=True`` to give every page of
    the context axe-core (see the ``axe`` fixture).
    """
    if live_app.setup_seconds:
        for label, seconds in live_app.setup_seconds:
            request.node.user_properties.append((SETUP_SECONDS, json.dumps([label, seconds])))
        live_app.setup_seconds.clear()
    contexts = []
    problems: list[str] = []

    def open_(accessibility: bool = False, **options: Any) -> Any:
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=live_app.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        if accessibility:
            # An init script is added by the browser itself, not by the page, so the app's
            # Content-Security-Policy stays on and the audited page is the real one
            # (``bypass_csp`` would also let through inline styles the real page loses).
            context.add_init_script(path=str(request.getfixturevalue("axe_script")))

        def watch(page: Any) -> None:
            def on_console(message: Any) -> None:
                # An error page's own status (422 for a form with errors) is not a problem.
                document = message.location.get("url") == page.url
                if message.type == "error" and not (document and "status of 4" in message.text):
                    problems.append(f"{page.url}: {message.text}")

            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

        context.on("page", watch)
        contexts.append(context)
        return context

    yield open_
    for context in contexts:
        context.close()
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)


def sign_in(page: Any, account: Account) -> None:
    """Sign in through the real form and wait for the landing page."""
    page.goto("/sign-in")
    page.locator("input[name=email]").fill(account.email)
    page.locator("input[name=password]").fill(account.password)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    assert "/sign-in" not in page.url, f"sign-in as {account.email} failed: {page.url}"


def switch_language(page: Any, language: str) -> None:
    """Use the header's language switcher (a form post that returns to the same page)."""
    with page.expect_navigation():
        page.locator(f".language-switcher button[value={language}]").click()
    assert page.locator("html").get_attribute("lang") == language


# --------------------------------------------------------------------------- artifacts


class Steps:
    """Screenshots of key steps, with the time each step took since the previous one."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request
        self.scenario = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        self.folder = SCREENSHOTS / self.scenario
        shutil.rmtree(self.folder, ignore_errors=True)
        self.count = 0
        self.last = time.perf_counter()

    def shot(self, page: Any, step: str) -> Path:
        """Save a full-page screenshot named after the step; record its path and timing."""
        now = time.perf_counter()
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        shown = path.relative_to(REPOSITORY) if path.is_relative_to(REPOSITORY) else path
        properties = self.request.node.user_properties
        properties.append((SCREENSHOT, str(shown)))
        properties.append((STEP_SECONDS, json.dumps([step, now - self.last])))
        self.last = time.perf_counter()
        return path


@pytest.fixture
def steps(request: pytest.FixtureRequest) -> Steps:
    return Steps(request)


# --------------------------------------------------------------------------- accessibility


@pytest.fixture(scope="session")
def axe_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """axe-core from the npm registry, installed from the committed lock file once."""
    # Shared by the xdist workers of one run (their temporary folders have one parent).
    lock = tmp_path_factory.getbasetemp().parent / "axe-core-install.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # two xdist workers must not install at once
        if not AXE_SCRIPT.exists():
            npm = shutil.which("npm")
            if npm is None:
                pytest.skip("npm is not installed: it installs axe-core (tests/browser)")
            subprocess.run(
                [npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund"],
                check=True,
                capture_output=True,
                env={**os.environ, "NODE_ENV": "development"},
            )
    return AXE_SCRIPT


@dataclass
class AxeAudit:
    page: str
    language: str
    violations: list[dict[str, Any]]
    passes: int

    @property
    def serious(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["impact"] in ("serious", "critical")]

    def describe(self) -> str:
        return "\n".join(
            f"  {v['id']} ({v['impact']}): {v['help']} — {', '.join(v['targets'][:5])}"
            for v in self.violations
        )


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return {
    passes: result.passes.length,
    violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.length, targets: v.nodes.map(n => n.target.join(' ')),
    })),
  };
}"""


@pytest.fixture
def axe(request: pytest.FixtureRequest) -> Callable[..., AxeAudit]:
    """``axe(page, "label")`` audits the page as shown and records the findings for the
    terminal summary (``record=False`` keeps them out of it). The page's context must be
    opened with ``open_context(accessibility=True)``."""

    def audit(page: Any, label: str, record: bool = True) -> AxeAudit:
        if not page.evaluate("typeof axe !== 'undefined'"):
            raise AssertionError("open the context with open_context(accessibility=True)")
        started = time.perf_counter()
        result = page.evaluate(AXE_RUN)
        seconds = time.perf_counter() - started
        language = page.locator("html").get_attribute("lang") or "?"
        findings = AxeAudit(label, language, result["violations"], result["passes"])
        if not record:
            return findings
        request.node.user_properties.append(
            (
                AXE_FINDINGS,
                json.dumps(
                    {
                        "page": label,
                        "language": language,
                        "passes": findings.passes,
                        "seconds": seconds,
                        "violations": [
                            {"id": v["id"], "impact": v["impact"], "nodes": v["nodes"]}
                            for v in findings.violations
                        ],
                    }
                ),
            )
        )
        return findings

    return audit


LANGUAGES = ("kk", "ru", "en")


def audit_in_every_language(
    page: Any, axe: Callable[..., AxeAudit], label: str, back_to: str = "en"
) -> list[AxeAudit]:
    """Audit the current page in Kazakh, Russian and English (the header's switcher), then
    return to ``back_to``."""
    audits = []
    for language in LANGUAGES:
        switch_language(page, language)
        audits.append(axe(page, label))
    switch_language(page, back_to)
    return audits


def fail_on_serious(audits: list[AxeAudit]) -> None:
    serious = [audit for audit in audits if audit.serious]
    assert not serious, "serious or critical accessibility problems:\n" + "\n".join(
        f"{audit.language} {audit.page}:\n{audit.describe()}" for audit in serious
    )


def audit_navigation(page: Any, axe: Callable[..., AxeAudit], done: set[str]) -> list[AxeAudit]:
    """Audit every page of the main navigation the signed-in role sees (skipping ``done``)."""
    links = page.locator("nav.main-nav li:not(.account) a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    audits = []
    for path in links:
        if path in done:
            continue
        response = page.goto(path)
        assert response.status == 200, f"{path}: HTTP {response.status}"
        audits.append(axe(page, f"{path} (navigation)"))
    return audits
