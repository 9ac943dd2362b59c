"""The analyst's survey page links only what an analyst can open, and the demo note speaks
the page's language (a tester found a 403 link and a three-language note)."""

from __future__ import annotations

import re

import pytest

from tests.webapp.surveys.surveys_support import make_survey
from webapp.surveys.services.demo import SYNTHETIC_NOTE

HREF = re.compile(r'href="([^"]+)"')
REASON = {
    "en": "Staff cannot answer through this address, so it is shown without a link.",
    "ru": "Сотрудники не могут отвечать по этому адресу, поэтому он показан без ссылки.",
    "kk": "Қызметкерлер бұл мекенжай арқылы жауап бере алмайды",
}
NOTE = {
    "en": "Synthetic demo data: the responses were generated, not collected.",
    "ru": "Синтетические демонстрационные данные: ответы сгенерированы, а не собраны.",
    "kk": "Синтетикалық демо деректер: жауаптар жиналмаған",
}


@pytest.fixture
def analyst(client, make_user, sign_in):
    user = make_user("analyst")
    sign_in(user)
    return user


@pytest.mark.parametrize("audience", ["council", "invitation"])
def test_an_analyst_gets_no_respondent_link_that_refuses_them(
    app, client, regions, analyst, audience
):
    survey_id = make_survey(app, audience=audience, slug=f"form-{audience}")
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert f"/s/form-{audience}" in page  # the address is still shown, to hand out
    respondent_links = [
        href for href in HREF.findall(page) if href.startswith(("/s/", "/surveys/"))
    ]
    assert f"/s/form-{audience}" not in respondent_links
    preview = f"/surveys/{survey_id}/design/preview"
    assert preview in respondent_links
    for href in respondent_links:
        if href.startswith("/s/") or href == preview:
            assert client.get(href).status_code == 200, href
    for language, reason in REASON.items():
        text = client.get(f"/surveys/{survey_id}", headers={"Accept-Language": language}).get_data(
            as_text=True
        )
        assert reason in text, language


def test_a_public_survey_keeps_its_working_link(app, client, regions, analyst):
    survey_id = make_survey(app, audience="public", slug="form-public")
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert 'href="/s/form-public"' in page
    assert REASON["en"] not in page
    assert client.get("/s/form-public").status_code == 200


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_demo_note_speaks_the_page_language_only(app, client, regions, analyst, language):
    survey_id = make_survey(app, slug="demo-note", note=SYNTHETIC_NOTE)
    headers = {"Accept-Language": language}
    others = [text for other, text in NOTE.items() if other != language]
    for address in (
        f"/surveys/{survey_id}",
        f"/results/{survey_id}",
        "/results/",
        f"/s/demo-note?lang={language}",
    ):
        page = client.get(address, headers=headers).get_data(as_text=True)
        assert NOTE[language] in page, (address, language)
        assert SYNTHETIC_NOTE not in page, address
        for text in others:
            assert text not in page, (address, text)


def test_a_note_of_the_analyst_s_own_is_shown_as_written(app, client, regions, analyst):
    survey_id = make_survey(app, slug="own-note", note="Пилот · pilot")
    page = client.get(f"/surveys/{survey_id}", headers={"Accept-Language": "kk"})
    assert "Пилот · pilot" in page.get_data(as_text=True)
