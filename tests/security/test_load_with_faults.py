"""Nothing lost or stored twice when a worker dies and PostgreSQL restarts under load.

Runs ``bench/load_with_faults.py`` with fewer clients. It restarts the shared PostgreSQL
cluster, which would break any other test using it at the same time, so it only runs when
asked: ``RUN_LOAD_WITH_FAULTS=1 pytest -m slow tests/security/test_load_with_faults.py``
(as root, with ``pg_ctlcluster`` and PostgreSQL on 127.0.0.1:5432).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load_with_faults.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        os.environ.get("RUN_LOAD_WITH_FAULTS") != "1",
        reason="restarts PostgreSQL; set RUN_LOAD_WITH_FAULTS=1 to run",
    ),
    pytest.mark.skipif(
        shutil.which("pg_ctlcluster") is None or os.geteuid() != 0,
        reason="needs root and pg_ctlcluster to restart PostgreSQL",
    ),
]


def load_bench():
    spec = importlib.util.spec_from_file_location("load_with_faults", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_no_submission_lost_or_duplicated_under_faults() -> None:
    bench = load_bench()
    figures = bench.run(clients=8, per_client=6, workers=3, deadline=150.0)
    assert figures["faults"], "no fault was injected"
    assert figures["sent"] > 0
    assert figures["acknowledged"] >= figures["sent"] * 0.9, figures
    assert figures["lost"] == 0, figures
    assert figures["duplicates"] == 0, figures
    assert figures["malformed"] == 0, figures
    assert bench.postgres_ready()
