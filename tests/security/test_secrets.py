"""No secrets in the repository: every tracked file is scanned for keys, tokens and passwords.

Only files ``git ls-files`` lists are read, so local secrets (``instance/secret_key``, a
developer's ``.env``) are out of scope by design: they must never be tracked, which the last
test checks. Test code and bench scripts may set passwords and secret keys of throw-away
apps (``TEST_FIXTURE_KINDS``); keys, tokens and credentials in URLs are refused everywhere unless
listed, with the reason, in ``ALLOWED``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Patterns are built from pieces so that this file does not match itself.
PATTERNS = {
    "private key": re.compile("-----BEGIN [A-Z ]*" + "PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "JSON web token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+"),
    "credentials in a URL": re.compile(r"[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:[^\s/@'\"{}$<>]+@"),
    # A value that is itself an upper-case name (an environment variable) is not a secret.
    "SECRET_KEY literal": re.compile(
        r"""SECRET_KEY["']?\s*[:=]\s*["'](?![A-Z_]+["'])[^"'\n]{4,}["']""", re.IGNORECASE
    ),
    "password literal": re.compile(
        r"""\b\w*(password|passwd|pwd|api_key|apikey|access_token|auth_token)\w*["']?\s*[:=]\s*"""
        r"""["'](?![A-Z_]+["'])[^"'\n{}%$<>]{8,}["']""",
        re.IGNORECASE,
    ),
}
#: Kinds of finding that test code may contain: credentials of throw-away test accounts/apps.
TEST_FIXTURE_KINDS = {"SECRET_KEY literal", "password literal"}

#: (path, pattern name, matched text) -> why it is not a secret.
#: (The reader's "file.password" wording was one; marked N_() for extraction, it no longer
#: reads as an assignment of a literal.)
ALLOWED: dict[tuple[str, str, str], str] = {}
#: Test code and bench scripts: both create throw-away accounts in scratch databases.
TEST_PREFIXES = ("tests/", "bench/")
#: Files that are not text (or are generated data) are skipped by these suffixes.
BINARY_SUFFIXES = {".xlsx", ".xls", ".png", ".jpg", ".ico", ".gz", ".zip", ".mo", ".pdf", ".pkl"}
#: Local secret files the application writes; none of them may ever be tracked.
NEVER_TRACKED = ("instance/secret_key", "instance/demo-sign-ins.txt", ".env")


def tracked_files() -> list[str]:
    try:
        output = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in output.decode().split("\0") if name]


def scan(path: str, text: str) -> list[tuple[str, str, str, int]]:
    found = []
    for name, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((path, name, match.group(0), line))
    return found


def test_patterns_find_what_they_are_for() -> None:
    """The scanner itself must catch each kind of secret (and not plain configuration)."""
    samples = {
        "private key": "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIE",
        "AWS access key": "key = AKIA" + "ABCDEFGHIJKLMNOP",
        "GitHub token": "ghp_" + "a" * 36,
        "credentials in a URL": "postgresql://listening:" + "s3cr3t@db.internal/listening",
        "SECRET_KEY literal": "SECRET_KEY = " + '"d2f1c0ffee"',
        "password literal": 'smtp_password = "' + 'hunter2hunter2"',
        "JSON web token": "eyJ" + "hbGciOiJIUzI1NiJ9.eyJ" + "zdWIiOiIxMjM0In0.sig",
    }
    for name, sample in samples.items():
        assert any(hit[1] == name for hit in scan("sample", sample)), name
    harmless = [
        '"SECRET_KEY": "SECRET_KEY",',  # the environment-variable table names the setting
        '"DATABASE_PASSWORD": "DATABASE_PASSWORD",',
        "SECRET_KEY: str | None = None",
        "password = PasswordField(_l('Password'))",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        'password = os.environ["PASSWORD"]',
    ]
    for text in harmless:
        assert scan("sample", text) == [], text


def test_no_secrets_in_tracked_files() -> None:
    findings = []
    used = set()
    for path in tracked_files():
        if Path(path).suffix.lower() in BINARY_SUFFIXES:
            continue
        try:
            text = (ROOT / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        for found_path, name, matched, line in scan(path, text):
            key = (found_path, name, matched)
            if key in ALLOWED:
                used.add(key)
                continue
            if name in TEST_FIXTURE_KINDS and found_path.startswith(TEST_PREFIXES):
                continue
            findings.append(f"{found_path}:{line}: {name}: {matched[:60]}")
    assert findings == [], "possible secrets in tracked files:\n" + "\n".join(findings)
    assert used == set(ALLOWED), f"allow-list entries that match nothing: {set(ALLOWED) - used}"


def test_local_secret_files_are_never_tracked() -> None:
    tracked = set(tracked_files())
    assert not tracked & set(NEVER_TRACKED)
    assert not [name for name in tracked if name.endswith((".pem", ".key", ".p12", ".pfx"))]
