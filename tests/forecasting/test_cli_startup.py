"""A command imports what it needs: checking a file does not wait for scikit-learn."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
from forecasting.cli import main
code = main(sys.argv[1:])
heavy = sorted(name for name in ("sklearn", "statsmodels", "scipy.optimize") if name in sys.modules)
print("exit", code, "heavy", ",".join(heavy) or "none")
"""


def run_probe(tmp_path: Path, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *arguments],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    return result.stdout.strip().splitlines()[-1]


def test_validate_does_not_import_the_modelling_libraries(tmp_path: Path) -> None:
    """`validate` imported every command's module, and with them scikit-learn and
    statsmodels: 2-5 s before the first line of a report that needs only pandas."""
    data = tmp_path / "unemployment.csv"
    data.write_text(
        "region,period,indicator,value\n"
        "KZ-75,2023,unemployment_rate,4.5\n"
        "KZ-71,2023,unemployment_rate,4.7\n",
        encoding="utf-8",
    )
    assert run_probe(tmp_path, "validate", str(data)) == "exit 0 heavy none"


def command_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_is_listed_and_only_the_one_run_is_loaded() -> None:
    from forecasting.cli import COMMANDS, build_parser

    full = command_parsers(build_parser())
    assert list(full) == list(COMMANDS)
    assert all(callable(parser.get_default("run")) for parser in full.values())
    only = command_parsers(build_parser(only="validate"))
    assert list(only) == list(COMMANDS)
    assert [name for name, parser in only.items() if parser.get_default("run")] == ["validate"]
