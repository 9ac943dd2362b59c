"""Every issue code the statistics readers can emit has a web message, translated in kk and ru.

The codes are read from the readers' source, so a new ``code="..."`` there without an entry
in ``webapp.risk.reader_messages`` fails here instead of showing English on the kk and ru
import pages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import forecasting
from webapp.risk import reader_messages
from webapp.risk.reader_messages import _FORMATTERS, MESSAGES, issue_message

FORECASTING = Path(forecasting.__file__).parent
#: Modules whose texts become reader issues: the readers, and the period and layout errors
#: they pass on with their codes.
SOURCES = [*sorted((FORECASTING / "readers").glob("*.py")), FORECASTING / "periods.py"]
#: What an issue code looks like: ``area.what`` (``file.empty``, ``period.implausible_year``).
CODE = re.compile(r"^[a-z]+\.[a-z_]+$")
#: ``code=`` arguments that are not a plain text, and where their codes come from (each of
#: those codes is a text in the sources, or expanded below).
DYNAMIC = {
    "error.code",  # LayoutError and PeriodError codes, texts in columns.py and periods.py
    "code",  # a variable set to texts in the same function
    "'period.cumulative' if cumulative else error.code",
    "'columns.not_periods' if columns.layout == 'wide-period' else 'columns.not_read'",
    "'regions.not_recognised' + ('_none_known' if keys else '')",
    "f'region.{kind}'",  # the kinds of RegionResolver.validity_note
}
CATALOGUES = Path(reader_messages.__file__).parent / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def validity_kinds() -> set[str]:
    """The kinds ``RegionResolver.validity_note`` returns (``ended``, ``not_yet``...)."""
    tree = ast.parse((FORECASTING / "geography.py").read_text(encoding="utf-8"))
    method = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "validity_note"
    )
    return {
        node.value.elts[0].value
        for node in ast.walk(method)
        if isinstance(node, ast.Return)
        and isinstance(node.value, ast.Tuple)
        and isinstance(node.value.elts[0], ast.Constant)
    }


def reader_codes() -> set[str]:
    """Every code the readers can put in a report."""
    codes: set[str] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE.match(node.value)
            ):
                codes.add(node.value)
            if (
                isinstance(node, ast.keyword)
                and node.arg == "code"
                and not isinstance(node.value, ast.Constant)
            ):
                written = ast.unparse(node.value).replace('"', "'")
                assert written in DYNAMIC, f"{path.name}: code={written}: add it to DYNAMIC"
    codes.add("regions.not_recognised_none_known")
    codes |= {f"region.{kind}" for kind in validity_kinds()}
    return codes


def test_the_scan_finds_the_readers_codes():
    codes = reader_codes()
    assert {
        "file.empty",
        "layout.unclear",
        "layout.no_column_named",
        "period.implausible_year",
        "regions.none_national",
        "region.split",
        "key.duplicate",
    } <= codes
    assert len(codes) > 60


def test_every_reader_code_has_a_web_message():
    missing = sorted(code for code in reader_codes() if code not in MESSAGES | _FORMATTERS)
    assert missing == [], f"reader codes without a message in reader_messages.py: {missing}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_web_message_is_translated(language):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale=language)
    problems = []
    for code, text in MESSAGES.items():
        entry = catalogue.get(text)
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"{code}: not translated")
        elif set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(entry.string)):
            problems.append(f"{code}: placeholders differ")
    assert problems == []


@pytest.mark.parametrize(
    ("code", "params", "russian"),
    [
        ("regions.none_one_series", {"key": "series"}, "под ключом «series»"),
        ("indicators.kept_unknown", {"count": 2, "names": "'a', 'b'"}, "не входят в индекс"),
        ("layout.unknown", {"layout": "x", "layouts": "auto, long"}, "Неизвестная структура x"),
        (
            "layout.no_column_named",
            {"name": "Регион", "role": "region", "found": "'A'"},
            "Нет столбца с названием «Регион»",
        ),
        ("frequency.unknown", {"frequency": "W"}, "Неизвестная частота периодов «W»"),
        ("contract.broken", {"problem": "x"}, "Данные нарушают контракт данных: x"),
    ],
)
def test_codes_that_showed_english_are_worded_in_russian(app, code, params, russian):
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        issue = {"code": code, "params": params, "message": "the English text"}
        assert russian in issue_message(issue)
