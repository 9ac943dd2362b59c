"""The respondent pages walked end to end with answers that are half plausible, half hostile.

Each case starts a survey like a browser, posts the first page, follows the redirect to the
next one, posts it, and re-posts the last page (a double click; the post that stores answers
with the thank-you page itself). Properties: no 5xx; at most
one stored response per submission id, and exactly one when a thank-you page was shown;
every stored response re-validates against its survey definition to exactly what was stored.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import support
from tests.fuzz.support import (
    assert_no_server_error,
    form_values,
    hidden_fields,
    invalid_rows,
    settings_for,
    text_values,
)

EXAMPLES = 30
PLAUSIBLE = {
    "region": st.sampled_from(["KZ-75", "KZ-71", "KZ-10", "almaty", "KZ-XX", ""]),
    "age": st.one_of(st.integers(-5, 130).map(str), st.sampled_from(["18", "100", "34.0"])),
    "employed": st.sampled_from(["yes", "no", "maybe"]),
    "employer": text_values,
    "trust": st.sampled_from(["1", "3", "5", "6", "0"]),
    "topics": st.lists(st.sampled_from(["roads", "jobs", "roads", "other"]), max_size=3),
    "income": st.sampled_from(["0", "12.5", "-1", "1e3", "1,5", "١٢"]),
    "since": st.sampled_from(["2020-01-31", "2020-02-30", "31.01.2020", "2999-01-01"]),
    "comment": text_values,
}


#: Answers the survey accepts: about half the cases go all the way to a stored response.
VALID = {
    "region": st.sampled_from(["KZ-75", "KZ-71", "KZ-10", "KZ-33"]),
    "age": st.integers(18, 100).map(str),
    "employed": st.sampled_from(["yes", "no"]),
    "employer": st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40),
    "trust": st.sampled_from(["1", "2", "3", "4", "5"]),
    "topics": st.lists(st.sampled_from(["roads", "jobs"]), unique=True, max_size=2),
    "income": st.integers(0, 10**6).map(str),
    "since": st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2020, 1, 1)).map(str),
}


def answers_for(names: list[str]) -> st.SearchStrategy[dict]:
    valid = st.fixed_dictionaries({name: VALID[name] for name in names})
    mixed = st.fixed_dictionaries(
        {
            name: st.one_of(st.none(), VALID[name], PLAUSIBLE.get(name, text_values), form_values)
            for name in names
        }
    ).map(lambda values: {k: v for k, v in values.items() if v is not None})
    return st.one_of(valid, mixed)


def post_page(client, html: str, answers: dict, action: str, language: str, extra: dict):
    fields = hidden_fields(html)
    url = f"/s/fuzz-public/r/{fields['submission_id']}"
    data = {
        **{key: value for key, value in fields.items() if key != "csrf_token"},
        "action": action,
        "language": language,
        **{f"answer-{name}": value for name, value in answers.items()},
        **extra,
    }
    return client.post(url, data=data)


def stored_for(app, submission_id: str) -> int:
    from webapp.extensions import db
    from webapp.surveys.models import SurveyResponse

    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.submission_id == submission_id)
        )
        db.session.remove()
    return count


def test_respondent_pages_store_only_valid_answers_exactly_once(world) -> None:
    app = world.app
    world.reset()

    @settings_for(EXAMPLES)
    @given(
        language=st.sampled_from(["kk", "ru", "en", "xx", ""]),
        first=answers_for(["region", "age"]),
        second=answers_for(["employed", "employer", "trust", "topics", "income", "since"]),
        last_action=st.sampled_from(["next", "next", "next", "next", "back", "save", "bogus"]),
        extra=st.one_of(
            st.just({}),
            st.dictionaries(
                st.sampled_from(["page", "council_id", "invitation", "contact_website", "x"]),
                form_values,
                max_size=2,
            ),
        ),
    )
    def case(language, first, second, last_action, extra) -> None:
        support.CASES["survey respondent walk"] += 1
        client = world.client()
        start = client.get(f"/s/fuzz-public?lang={language}")
        assert start.status_code == 200
        html = start.get_data(as_text=True)
        submission_id = hidden_fields(html)["submission_id"]
        response = post_page(client, html, first, "next", language, extra)
        assert_no_server_error(response, ("first page", first, extra))
        thanked = False
        if response.status_code == 303:
            following = client.get(response.headers["Location"])
            assert_no_server_error(following, "second page")
            html = following.get_data(as_text=True)
            if 'name="submission_id"' in html:
                for _ in range(2):  # the second post is a double click
                    response = post_page(client, html, second, last_action, language, {})
                    assert_no_server_error(response, ("second page", second))
                final = response
                if response.status_code == 303:
                    final = client.get(response.headers["Location"])
                    assert_no_server_error(final, "after the last page")
                thanked = final.status_code == 200 and (
                    'name="submission_id"' not in final.get_data(as_text=True)
                )
        stored = stored_for(app, submission_id)
        assert stored <= 1
        if thanked and last_action == "next":
            assert stored == 1, (first, second)
        support.CASES["survey respondent walk, of which stored"] += stored

    case()
    assert invalid_rows(app) == []
