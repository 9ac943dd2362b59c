"""Every form and every page, found by crawling the site as each role, fed hostile input.

Nothing is listed by hand: the crawler signs in as each role, follows the links from the
home page, and collects every ``<form method="post">`` with its fields and options. So a
form added later is fuzzed without anyone remembering to add it here, and a POST route that
no page offers still gets generic hostile posts (``test_every_post_route_is_reached``).

Properties, per case: no unhandled exception (they propagate in the fuzz app), no 5xx, no
stack trace in the body; a refusal (4xx other than 422, the survey page's "fix these
answers") changes no table except the audit log. After each target: no invalid row anywhere
(``support.invalid_rows``: NUL, over-long strings, NULLs, unknown roles, survey responses
that fail their own definition).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from tests.fuzz import support
from tests.fuzz.support import (
    Form,
    FormField,
    assert_no_server_error,
    changed_tables,
    form_values,
    invalid_rows,
    parse_page,
    settings_for,
    table_counts,
    values_for,
)

ROLES = (None, "admin", "analyst", "council_member")
MAX_PAGES_PER_ROLE = 50
PAGES_PER_ENDPOINT = 2
EXAMPLES_PER_FORM = 6
EXAMPLES_PER_PAGE = 3
#: Links the crawler does not follow: they end the session or serve files.
SKIPPED_PREFIXES = ("/sign-out", "/static/", "/survey-assets/", "/review/review-static/")
#: Tables a refused request may still touch: the audit log records refusals.
REFUSAL_MAY_CHANGE = {"audit_events"}


def endpoint_of(app, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except HTTPException:
        return None
    return endpoint


def crawl(world, role: str | None) -> tuple[dict[str, str], list[tuple[str, Form]]]:
    """Pages reached from the home page (a few per endpoint) and the forms found on them."""
    if role in world.crawls:
        return world.crawls[role]
    client = world.client(role)
    start = ["/", "/surveys/", "/councils/", "/council/", "/review/", "/results/"]
    start += [f"/s/fuzz-public?lang={lang}" for lang in ("kk", "ru", "en")]
    start += ["/s/fuzz-council", f"/admin/users/{world.ids['users']['analyst2']}"]
    queue, seen, pages, forms = list(start), set(), {}, []
    seen_endpoints: set[str] = set()
    while queue and len(pages) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        endpoint = endpoint_of(world.app, urlsplit(url).path, "GET")
        if endpoint is None:
            continue
        response = client.get(url)
        assert_no_server_error(response, (role, url))
        if response.status_code in {301, 302, 303} and "Location" in response.headers:
            queue.append(urlsplit(urljoin(url, response.headers["Location"])).path)
            continue
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        # Two pages per endpoint at most: forms differ per object, but rarely more than that.
        if list(pages.values()).count(endpoint) >= PAGES_PER_ENDPOINT:
            continue
        pages[url] = endpoint
        parsed = parse_page(url, response.get_data(as_text=True))
        seen_endpoints.add(endpoint)
        for form in parsed.forms:
            form.action = urljoin(url, form.action)
            forms.append((url, form))
        for link in parsed.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.netloc not in {"", "localhost"} or parts.path.startswith(SKIPPED_PREFIXES):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    world.crawls[role] = (pages, forms)
    return pages, forms


def distinct_post_forms(world) -> list[tuple[str | None, str, Form]]:
    """One form per (endpoint, field names), for the first role that sees it: the crawl
    finds the same form on many pages and for several roles."""
    found: dict[tuple, tuple[str | None, str, Form]] = {}
    for role in ROLES:
        _, forms = crawl(world, role)
        for page, form in forms:
            if form.method != "post":
                continue
            endpoint = endpoint_of(world.app, urlsplit(form.action).path, "POST")
            if endpoint is None or endpoint == "auth.sign_out":
                continue
            found.setdefault((endpoint, tuple(sorted(form.fields))), (role, page, form))
    return list(found.values())


def fuzz_form(world, role: str | None, form: Form, examples: int) -> None:
    app = world.app
    target = f"POST {endpoint_of(app, urlsplit(form.action).path, 'POST')} as {role or 'anonymous'}"

    @settings_for(examples)
    @given(data=values_for(form))
    def case(data: dict) -> None:
        support.CASES[target] += 1
        before = table_counts(app)
        response = world.client(role).post(
            form.action,
            data=data,
            content_type="multipart/form-data" if form.multipart else None,
        )
        assert_no_server_error(response, (target, data))
        if response.status_code >= 400 and response.status_code != 422:
            changed = changed_tables(before, table_counts(app))
            assert set(changed) <= REFUSAL_MAY_CHANGE, (target, response.status_code, changed)

    world.reset()
    case()
    assert invalid_rows(app) == [], target


def test_every_form_survives_hostile_input(world) -> None:
    forms = distinct_post_forms(world)
    endpoints = {endpoint_of(world.app, urlsplit(f.action).path, "POST") for _, _, f in forms}
    # The crawl must reach the forms that matter; if it stops finding them, it is broken.
    expected = {
        "auth.sign_in",
        "core.set_language",
        "auth.users",
        "auth.edit_user",
        "surveys.answer",
        "surveys.new",
        "risk.upload",
        "risk.upload_catalogue",
        "review.region",
        "review.comment",
    }
    assert expected <= endpoints, expected - endpoints
    for role, _page, form in forms:
        fuzz_form(world, role, form, EXAMPLES_PER_FORM)


def test_every_post_route_is_reached(world) -> None:
    """POST routes no crawled page offers a form for still get hostile generic posts."""
    from tests.webapp.test_access import concrete_url
    from webapp.auth.access import access_rule

    app = world.app
    offered = {
        endpoint_of(app, urlsplit(form.action).path, "POST")
        for _, _, form in distinct_post_forms(world)
    }
    reached = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in offered | {"auth.sign_out"}:
            continue
        is_public, roles = access_rule(app, rule.endpoint)
        role = None if is_public else sorted(roles or ["admin"])[0]
        generic = Form(
            action=concrete_url(app, rule),
            method="post",
            multipart=True,
            fields={name: FormField(name, "text") for name in ("x", "id", "file", "confirm")},
        )
        generic.fields["file"] = FormField("file", "file")
        fuzz_form(world, role, generic, max(3, EXAMPLES_PER_FORM // 3))
        reached.append(rule.endpoint)
    print(f"POST routes without a crawled form, fuzzed generically: {sorted(reached)}")


QUERY_NAMES = ["period", "domain", "sort", "dir", "page", "per_page", "region", "lang",
               "status", "verdict", "run_id", "q", "next", "filter"]  # fmt: skip
queries = st.dictionaries(
    st.sampled_from(QUERY_NAMES) | st.text(min_size=1, max_size=10), form_values, max_size=4
)


def fuzz_page(world, role: str | None, path: str, target: str) -> None:
    app = world.app

    @settings_for(EXAMPLES_PER_PAGE)
    @given(query=queries)
    def case(query: dict) -> None:
        support.CASES[target] += 1
        before = table_counts(app)
        response = world.client(role).get(path, query_string=query)
        assert_no_server_error(response, (target, query))
        changed = changed_tables(before, table_counts(app))
        # Reading a page may seed the default indicator catalogue, and nothing else.
        assert set(changed) <= {"risk_indicators", "risk_domains"}, (target, changed)

    case()


def test_every_page_answers_hostile_query_strings(world) -> None:
    checked = 0
    done: set[str] = set()
    for role in ROLES:
        pages, _ = crawl(world, role)
        for url, endpoint in pages.items():
            if endpoint in done:
                continue
            done.add(endpoint)
            fuzz_page(world, role, urlsplit(url).path, f"GET {endpoint} as {role or 'anonymous'}")
            checked += 1
    assert checked >= 15
