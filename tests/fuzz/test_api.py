"""The open-data API under Schemathesis and hand-written hostile query strings.

Schemathesis reads ``/api/v1/openapi.json`` and generates requests for every operation, valid
and invalid, against the Flask app as a WSGI app (no server, no network); its checks cover
server errors, documented status codes, content types and response schemas. The
Hypothesis test below adds what a schema cannot describe: unknown and repeated parameters,
hostile values, and paths with odd characters. Every response must be JSON without a trace.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.fuzz import support
from tests.fuzz.support import assert_no_server_error, form_values, settings_for, text_values

SCHEMATHESIS_EXAMPLES = 4
#: Checks left out, and why: ``positive_data_acceptance`` wants every schema-valid request to
#: succeed, but a well-formed filter value that names nothing (an unknown region or period)
#: is refused with 422 by design (``webapp.api.params``).
HOSTILE_EXAMPLES = 50
QUERY_NAMES = ["page", "per_page", "region", "period", "target", "domain", "current", "survey",
               "question", "month", "from", "to", "language", "x"]  # fmt: skip


def test_api_conforms_to_its_openapi_document(world) -> None:
    """Every operation, positive and negative cases (schemathesis' Python API: its pytest
    plugin's lazy fixtures do not run on this pytest version)."""
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:
        for mode in schemathesis.GenerationMode:
            check_operation(operation, mode)


def check_operation(operation, mode) -> None:
    target = f"schemathesis {operation.label} ({mode.value})"

    @settings(
        settings_for(SCHEMATHESIS_EXAMPLES),
        suppress_health_check=[*HealthCheck, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        support.CASES[target] += 1
        response = case.call()
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        assert "Traceback" not in response.text

    try:
        run()
    except Unsatisfiable:
        # Nothing to break: no parameter, or only free-text ones (any string is valid).
        assert mode == schemathesis.GenerationMode.NEGATIVE, target


def api_paths(world) -> list[str]:
    """Concrete paths of every API route (ids and codes of real objects, and odd ones)."""
    paths = []
    for rule in world.app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule
        for name in rule.arguments:
            placeholder = path[path.index("<") : path.index(">") + 1]
            value = {"code": world.ids["region"], "survey_id": str(world.ids["public_survey"])}
            path = path.replace(placeholder, value.get(name, "1"), 1)
        paths.append(path)
    return sorted(set(paths))


def test_api_answers_hostile_queries_with_json(world) -> None:
    paths = api_paths(world)
    client = world.client()

    @settings_for(HOSTILE_EXAMPLES)
    @given(
        path=st.sampled_from(paths)
        | st.tuples(st.sampled_from(paths), text_values).map(
            lambda pair: pair[0].rsplit("/", 1)[0] + "/" + quote(pair[1][:200], safe="")
        ),
        query=st.lists(
            st.tuples(st.sampled_from(QUERY_NAMES) | st.text(max_size=8), form_values),
            max_size=5,
        ),
    )
    def case(path: str, query: list) -> None:
        support.CASES["API hostile queries"] += 1
        pairs = [
            (name, item)
            for name, value in query
            for item in (value if isinstance(value, list) else [value])
        ]
        response = client.get(path, query_string=pairs)
        assert_no_server_error(response, (path, pairs))
        if path.startswith("/api/"):
            assert response.is_json, (path, response.status_code, response.mimetype)
            if response.status_code >= 400:
                error = response.get_json()["error"]
                assert error["status"] == response.status_code
                assert error["detail"]

    case()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_api_is_read_only(world, method: str) -> None:
    client = world.client("admin")
    for path in api_paths(world):
        response = client.open(path, method=method, data={"x": "1"})
        assert response.status_code == 405, (method, path)
        assert response.is_json


def test_page_numbers_are_bounded(world) -> None:
    """Found by Schemathesis: ``?page=461168601842738792`` overflowed the database offset."""
    from webapp.api.params import MAX_PAGE

    client = world.client()
    too_far = client.get(f"/api/v1/indicators?page={MAX_PAGE + 1}")
    assert too_far.status_code == 400
    assert "page" in too_far.get_json()["error"]["detail"]
    last = client.get(f"/api/v1/indicators?page={MAX_PAGE}")
    assert last.status_code == 200
    assert last.get_json()["data"] == []
