"""Terminal summary of the browser tests: scenario timings, screenshots, accessibility findings.

Browser tests attach what they want reported to their pytest item as ``user_properties``
(see ``BrowserRecord`` below). Those travel with the test reports, also from pytest-xdist
workers to the controller, so the summary is printed where the run is watched. This module is
loaded from ``tests/conftest.py`` because the controller of an xdist run never imports
``tests/browser/conftest.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

#: ``user_properties`` keys written by the browser fixtures.
SCREENSHOT = "browser.screenshot"
AXE_FINDINGS = "browser.axe"
SETUP_SECONDS = "browser.setup_seconds"
STEP_SECONDS = "browser.step_seconds"


@dataclass
class BrowserRecord:
    """What one browser test reported."""

    nodeid: str
    outcome: str = "passed"
    seconds: float = 0.0
    screenshots: list[str] = field(default_factory=list)
    axe: list[dict[str, Any]] = field(default_factory=list)
    setup: list[tuple[str, float]] = field(default_factory=list)
    steps: list[tuple[str, float]] = field(default_factory=list)


_records: dict[str, BrowserRecord] = {}


def _is_browser_report(report: pytest.TestReport) -> bool:
    return "tests/browser/" in report.nodeid.replace("\\", "/") or any(
        key.startswith("browser.") for key, _ in report.user_properties
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not _is_browser_report(report):
        return
    record = _records.setdefault(report.nodeid, BrowserRecord(report.nodeid))
    if report.when == "call":
        record.seconds = report.duration
    if report.failed:
        record.outcome = "failed"
    elif report.skipped and record.outcome != "failed":
        record.outcome = "skipped"
    if report.when != "teardown":
        return
    for key, value in report.user_properties:
        if key == SCREENSHOT:
            record.screenshots.append(value)
        elif key == AXE_FINDINGS:
            record.axe.append(json.loads(value))
        elif key == SETUP_SECONDS:
            record.setup.append(tuple(json.loads(value)))
        elif key == STEP_SECONDS:
            record.steps.append(tuple(json.loads(value)))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    records = [record for record in _records.values() if record.outcome != "skipped"]
    if not records:
        return
    write = terminalreporter.write_line
    terminalreporter.section("browser scenarios (headless Chromium)")
    for record in records:
        for label, seconds in record.setup:
            write(f"  setup: {label}: {seconds:.1f} s")
    total = sum(record.seconds for record in records)
    for record in records:
        write(f"{record.outcome:>7}  {record.seconds:6.1f} s  {record.nodeid}")
        for label, seconds in record.steps:
            write(f"           {seconds:6.1f} s  {label}")
        for path in record.screenshots:
            write(f"           screenshot {path}")
    write(f"  total in scenarios: {total:.1f} s")

    audits = [audit for record in records for audit in record.axe]
    if not audits:
        return
    terminalreporter.section("accessibility (axe-core)")
    pages = len(audits)
    by_rule: dict[tuple[str, str], list[int]] = {}
    for audit in audits:
        for violation in audit["violations"]:
            key = (violation["id"], violation["impact"] or "unknown")
            by_rule.setdefault(key, []).append(violation["nodes"])
    write(
        f"{pages} page audits in {sum(a.get('seconds', 0) for a in audits):.1f} s, "
        f"{sum(len(a['violations']) for a in audits)} violation(s) of {len(by_rule)} rule(s), "
        f"{sum(a['passes'] for a in audits)} passed rule checks"
    )
    languages_by_page: dict[str, set[str]] = {}
    for audit in audits:
        languages_by_page.setdefault(audit["page"], set()).add(audit["language"])
    for page, languages in languages_by_page.items():
        write(f"  audited: {page} [{' '.join(sorted(languages))}]")
    slowest = max(audits, key=lambda audit: audit.get("seconds", 0))
    write(f"  slowest: {slowest['language']} {slowest['page']} {slowest.get('seconds', 0):.1f} s")
    for (rule, impact), nodes in sorted(by_rule.items()):
        write(f"  {rule:<32} {impact:<9} on {len(nodes):>2} page(s), {sum(nodes):>3} element(s)")
    for audit in audits:
        if audit["violations"]:
            summary = ", ".join(
                f"{v['id']} ({v['impact']}, {v['nodes']})" for v in audit["violations"]
            )
            write(f"  {audit['language']} {audit['page']}: {summary}")
