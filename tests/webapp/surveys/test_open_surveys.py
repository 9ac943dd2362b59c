"""Respondents find the surveys open to everyone from the home page."""

from __future__ import annotations

from webapp.surveys.demo_forms import demo_form_path


def import_form(runner, filename: str, *options: str) -> None:
    result = runner.invoke(args=["surveys", "import", str(demo_form_path(filename)), *options])
    assert result.exit_code == 0, result.output


def test_only_open_public_surveys_are_listed(client, runner, regions):
    page = client.get("/s/").get_data(as_text=True)
    assert "No survey is open to the public at the moment" in page

    import_form(runner, "listening_state_citizen.xlsx", "--slug", "citizens", "--publish")
    import_form(runner, "listening_state_citizen.xlsx", "--slug", "draft-one")
    import_form(
        runner, "council_feedback.xlsx", "--slug", "councils", "--audience", "council", "--publish"
    )

    page = client.get("/s/").get_data(as_text=True)
    assert 'href="/s/citizens"' in page
    assert "/s/draft-one" not in page
    assert "/s/councils" not in page

    home = client.get("/").get_data(as_text=True)
    assert 'href="/s/"' in home


def test_listing_speaks_the_visitors_language(client, runner, regions):
    import_form(runner, "listening_state_citizen.xlsx", "--slug", "citizens", "--publish")
    client.post("/language", data={"language": "kk"})
    page = client.get("/s/").get_data(as_text=True)
    assert "Сауалнамаға қатысу" in page
