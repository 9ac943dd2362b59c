"""Bandit over the application and the modelling package: clean, or each finding explained.

Run as ``bandit -r webapp forecasting -q -c pyproject.toml`` (settings in pyproject.toml).
A finding is explained by an entry in ``EXPLAINED`` keyed by test id, file and the flagged
source line (not the line number, which moves with every edit); a new finding, or a finding
whose code changed, fails until someone looks at it. ``# nosec`` is allowed only with a reason
on the same line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("webapp", "forecasting")

#: (test id, file, flagged line stripped) -> why it is not a vulnerability.
EXPLAINED = {
    ("B105", "webapp/config.py", '"SECRET_KEY": "SECRET_KEY",'): (
        "the table maps environment-variable names to configuration keys; the string is the "
        "name of the setting, not its value (the key is read from the environment or "
        "generated into the instance folder)"
    ),
    ("B403", "forecasting/pipeline.py", "import pickle"): (
        "pickle only writes the optional fitted-model artifact (opt-in --include-models); "
        "nothing in the application loads a pickle, which is the unsafe direction"
    ),
    (
        "B704",
        "webapp/surveys/results/views.py",
        "figures=Markup(markup),  # noqa: S704 - rendered by Jinja (autoescaped) in figures()",
    ): (
        "the string is the output of render_template on survey_results/_figures.html, where "
        "autoescaping is on, kept in a cache between requests; Markup only stops it from being "
        "escaped a second time when the page template includes it"
    ),
}
#: ``# nosec`` followed by optional test ids, then a reason of at least three words.
NOSEC_WITH_REASON = re.compile(
    r"#\s*nosec(?:\s+B\d{3}(?:\s*,\s*B\d{3})*)?\s*[:\-—]+\s*\S+\s+\S+\s+\S+"
)


def bandit_command() -> list[str]:
    executable = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which(
        "bandit"
    )
    if executable is None:
        pytest.fail("bandit is not installed: pip install -e '.[test]'")
    return [executable, "-r", *PACKAGES, "-q", "-c", "pyproject.toml", "-f", "json"]


def flagged_line(result: dict) -> str:
    path = ROOT / result["filename"]
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[result["line_number"] - 1].strip()


def test_bandit_finds_nothing_unexplained() -> None:
    completed = subprocess.run(
        bandit_command(), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    report = json.loads(completed.stdout)
    assert report["errors"] == [], report["errors"]
    unexplained = []
    explained_seen = set()
    for result in report["results"]:
        key = (result["test_id"], result["filename"], flagged_line(result))
        if key in EXPLAINED:
            explained_seen.add(key)
            continue
        unexplained.append(
            f"{result['filename']}:{result['line_number']}: {result['test_id']} "
            f"({result['issue_severity']}/{result['issue_confidence']}): {result['issue_text']}"
        )
    assert unexplained == [], "explain or fix:\n" + "\n".join(unexplained)
    stale = set(EXPLAINED) - explained_seen
    assert stale == set(), f"explanations for findings that no longer exist: {stale}"


def test_every_nosec_gives_a_reason() -> None:
    bare = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"#\s*nosec", line) and not NOSEC_WITH_REASON.search(line):
                    bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bare == [], "a # nosec needs a reason on the same line:\n" + "\n".join(bare)


def test_nosec_rule_accepts_reasons_only() -> None:
    assert NOSEC_WITH_REASON.search("x = 1  # nosec B608: table name comes from metadata")
    assert NOSEC_WITH_REASON.search("x = 1  # nosec - the value is a constant here")
    assert not NOSEC_WITH_REASON.search("x = 1  # nosec")
    assert not NOSEC_WITH_REASON.search("x = 1  # nosec B608")
