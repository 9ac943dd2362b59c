"""The council dashboard: every unit on the tile map and in the sortable table."""

from __future__ import annotations

import re

from tests.conftest import TEST_PASSWORD
from tests.webapp.review.conftest import UNPUBLISHED
from tests.webapp.review.materialised import DOMAINS, expected_score


def table_rows(page: str) -> list[str]:
    """Unit names of the scores table, in order."""
    body = page.split('<table class="scores">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', body)


def test_council_members_land_on_the_dashboard(app, make_user, published):
    user = make_user("council_member")
    response = app.test_client().post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"].endswith("/review/")


def test_tile_map_draws_every_unit_with_its_class_and_a_legend(client_for, published, regions):
    page = client_for("council_member").get("/review/").get_data(as_text=True)
    current = [region.code for region in regions if region.is_current]
    drawn = re.findall(r'<g class="tile risk-(\w+)" data-code="([^"]+)">', page)
    assert sorted(code for _, code in drawn) == sorted(current)
    classes = dict((code, risk_class) for risk_class, code in drawn)
    index = published.regions.index("KZ-75")
    assert classes["KZ-75"] == ("very_high" if expected_score(index, 4) >= 6.5 else "high")
    legend = page.split('class="risk-legend"', 1)[1].split("</ul>", 1)[0]
    for label in ("Very low", "Low", "Medium", "High", "Very high", "No score"):
        assert f"<strong>{label}</strong>" in legend
    assert "6.5 and above" in legend


def test_tile_labels_follow_the_viewers_language(client_for, published):
    client = client_for("council_member")
    page = client.get("/review/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert ">Караганда</text>" in page
    assert "Обзор рисков" in page  # the page itself is translated too
    page = client.get("/review/", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    assert ">Қарағанды</text>" in page


def tile_links(page: str) -> dict[str, str]:
    """Each tile's code and the spoken name of its link."""
    return dict(
        (code, label)
        for label, code in re.findall(
            r'<a href="[^"]+" aria-label="([^"]+)">\s*<g class="tile [^"]+" data-code="([^"]+)">',
            page,
        )
    )


def test_the_map_caption_says_how_the_squares_were_placed(app, client_for, published, tmp_path):
    client = client_for("council_member")
    caption = page_caption(client.get("/review/").get_data(as_text=True))
    assert "placed roughly where it lies." in caption and "grid" not in caption
    # Another country without a layout file: the units are drawn in a plain grid.
    empty = tmp_path / "no_units.csv"
    empty.write_text("code,row,col\n", encoding="utf-8")
    app.config["REVIEW_TILEMAP_FILE"] = str(empty)
    for address in ("/review/", "/review/report"):
        caption = page_caption(client.get(address).get_data(as_text=True))
        assert "roughly where it lies" not in caption
        assert "in a plain grid in the order of the unit file" in caption
        assert "its number the score" in caption
    # A layout file that places some units only says where the others went.
    some = tmp_path / "some_units.csv"
    some.write_text("code,row,col\nKZ-75,0,0\n", encoding="utf-8")
    app.config["REVIEW_TILEMAP_FILE"] = str(some)
    caption = page_caption(client.get("/review/").get_data(as_text=True))
    assert "the units the layout file does not place are in the rows below" in caption
    page = client.get("/review/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "единицы, которых нет в файле раскладки, — в рядах ниже" in page_caption(page)


def page_caption(page: str) -> str:
    caption = page.split('<figcaption id="tilemap-caption">', 1)[1].split("</figcaption>", 1)[0]
    return " ".join(caption.split())


def test_a_tile_link_names_its_unit_once(app, client_for, published, tmp_path):
    empty = tmp_path / "no_units.csv"
    empty.write_text("code,row,col\n", encoding="utf-8")
    app.config["REVIEW_TILEMAP_FILE"] = str(empty)
    page = client_for("council_member").get("/review/").get_data(as_text=True)
    names = dict(re.findall(r'data-code="([^"]+)">\s*<title>([^:<]+):', page))
    links = tile_links(page)
    assert links and set(links) == set(names)
    for code, label in links.items():
        assert label.count(names[code]) == 1, label
        # The whole name said first, or the tile's shorter text first and the name after it
        # (label in name: the spoken name holds what the tile shows).
        assert label.startswith(names[code] + " ") or f" — {names[code]}, " in label, label


def test_table_shows_the_published_scores_sorted_server_side(client_for, published):
    client = client_for("council_member")
    page = client.get("/review/").get_data(as_text=True)
    rows = table_rows(page)
    assert len(rows) == 20
    # Scores grow with the registry position in the fixture, so the default sort (score,
    # descending) lists the last units first.
    assert rows[0] == "Shymkent city"
    assert 'aria-sort="descending"' in page
    top = expected_score(published.regions.index("KZ-79"), 4)
    assert f'<td class="number">{top:.1f}</td>' in page
    unpublished_top = expected_score(published.regions.index("KZ-79"), 4, offset=3.0)
    assert f'<td class="number">{unpublished_top:.1f}</td>' not in page
    assert UNPUBLISHED not in page

    page = client.get("/review/?sort=region&dir=asc").get_data(as_text=True)
    rows = table_rows(page)
    assert rows == sorted(rows, key=str.casefold)
    assert re.search(r'<th scope="col" aria-sort="ascending">\s*<a class="sort-link"', page)

    page = client.get("/review/?sort=reliability&dir=asc").get_data(as_text=True)
    assert 'aria-sort="ascending"' in page


def test_period_and_domain_filters(client_for, published):
    client = client_for("council_member")
    page = client.get("/review/?period=2021").get_data(as_text=True)
    assert "Risk score by unit, 2021" in page
    assert "Change since 2020" in page
    page = client.get("/review/?domain=trust_in_state&period=2023").get_data(as_text=True)
    assert "Domain “Trust in the state”, 2023" in page
    index = published.regions.index("KZ-71")
    domain_score = expected_score(index, 4) - 0.5
    assert f'<td class="number">{domain_score:.1f}</td>' in page
    assert "Forecast 2024" not in page  # forecasts exist for the overall score only


def domain_options(page: str) -> list[str]:
    select = page.split('<select id="domain" name="domain">', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_domain_selector_offers_only_domains_the_run_scored(app, client_for, published):
    from webapp.review import queries

    with app.app_context():
        catalogue = [domain.code for domain in queries.domains()]
    scored = [code for code in catalogue if code in DOMAINS]
    assert len(catalogue) > len(scored) == 2  # the catalogue has domains without data
    client = client_for("council_member")
    assert domain_options(client.get("/review/").get_data(as_text=True)) == ["", *scored]
    # A domain without data asked for by its address stays the one shown, not another.
    unscored = next(code for code in catalogue if code not in DOMAINS)
    page = client.get(f"/review/?domain={unscored}").get_data(as_text=True)
    assert unscored in domain_options(page)
    assert f'<option value="{unscored}" selected>' in page


def test_unknown_filters_are_404(client_for, published):
    client = client_for("analyst")
    for query in ("period=1990", "domain=nonsense"):
        assert client.get(f"/review/?{query}").status_code == 404, query


def test_forecast_probability_and_freshness_are_shown(client_for, published):
    page = client_for("council_member").get("/review/").get_data(as_text=True)
    assert "Forecast 2024" in page and "Forecast 2025" in page
    assert "Chance of “high” or above, 2024" in page
    assert "Model run computed" in page and "March 1, 2024" in page
    assert "surveys on this platform: 2023" in page


def test_the_demo_source_is_known_by_the_name_the_demo_writes():
    from forecasting.demo import DEMO_SOURCE
    from webapp.review.queries import KNOWN_SOURCES

    assert DEMO_SOURCE in KNOWN_SOURCES


def test_sources_the_platform_writes_are_named_in_the_page_language(client_for, published):
    """ "survey: 2023" stood in English on kk and ru pages; a source an analyst typed stays."""
    client = client_for("council_member")
    client.post("/language", data={"language": "ru", "next": "/"})
    page = client.get("/review/").get_data(as_text=True)
    assert "опросы на этой платформе: 2023" in page


def test_without_a_published_run_the_dashboard_says_so(client_for, regions):
    page = client_for("council_member").get("/review/").get_data(as_text=True)
    assert "No model run has been published yet" in page


def test_every_review_page_by_role(client, client_for, published):
    """Who may open what: reviewers read everything; the comment list is for analysts."""
    pages = [
        "/review/",
        "/review/report",
        "/review/regions/KZ-75",
        "/review/regions/KZ-75/report",
        "/review/scores.csv",
        "/review/comments",
    ]
    analysts_only = {"/review/comments"}
    for role in ("council_member", "analyst", "admin"):
        signed_in = client_for(role)
        for page in pages:
            expected = 403 if role == "council_member" and page in analysts_only else 200
            assert signed_in.get(page).status_code == expected, (role, page)
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_a_past_period_lists_the_units_of_that_time_without_todays_forecasts(
    app, client_for, published
):
    """In 2021 Abai and Ulytau did not exist yet (2022 split): without a score they are not
    listed as "no score"; 2024's forecasts next to a 2021 score read as a prediction from it."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.risk.models import RiskScore

    with app.app_context():
        db.session.execute(
            sa.delete(RiskScore).where(
                RiskScore.period == "2021", RiskScore.region_code.in_(["KZ-10", "KZ-62", "KZ-75"])
            )
        )
        db.session.commit()
    client = client_for("council_member")
    page = client.get("/review/?period=2021").get_data(as_text=True)
    names = table_rows(page)
    assert "Abai Region" not in names and "Ulytau Region" not in names
    assert "Almaty city" in names, "a unit of that time without a score is still listed"
    assert "Jetisu Region" in names, "a unit with a score is listed whenever it was scored"
    assert "Forecast 2024" not in page and "Chance of “high” or above" not in page
    assert "Forecasts are shown with the latest period, 2023" in page
    page = client.get("/review/?period=2023").get_data(as_text=True)
    assert "Abai Region" in table_rows(page) and "Forecast 2024" in page
    assert "Forecasts are shown with the latest period" not in page


def test_score_ranges_in_headings_stay_on_one_line(client_for, published):
    """ "Оценка (0–10)" in a narrow column on a phone broke after the dash ("(0–" / "10)")."""
    from webapp.review.views import unbroken_ranges

    client = client_for("council_member")
    client.post("/language", data={"language": "ru", "next": "/"})
    dashboard = client.get("/review/").get_data(as_text=True)
    assert 'Оценка <span class="nowrap">(0–10)</span>' in dashboard
    assert 'Надёжность <span class="nowrap">(0–10)</span>' in dashboard
    region = client.get("/review/regions/KZ-75").get_data(as_text=True)
    assert 'Оценка сферы <span class="nowrap">(0–10)</span>' in region
    assert "(0–10)" not in region.replace('<span class="nowrap">(0–10)</span>', "")
    assert str(unbroken_ranges("<b> (1-5)")) == '&lt;b&gt; <span class="nowrap">(1-5)</span>'


def test_forecast_intervals_and_months_stay_on_one_line(client_for, published):
    """The printed country report broke '(80%: 7,6–9,0)' after the dash ('7,6–' above
    '9,0)') and 'Прогноз 2027-01' after the hyphen ('2027-' above '01')."""
    from webapp.review.views import unbroken_ranges

    client = client_for("council_member")
    client.post("/language", data={"language": "ru", "next": "/"})
    page = client.get("/review/").get_data(as_text=True)
    intervals = re.findall(r'<span class="interval">(\(80%:.*?)</span>\s*</td>', page, re.S)
    assert intervals, "the table shows forecast intervals"
    assert all(
        re.fullmatch(r'\(80%: <span class="nowrap">[\d,]+–[\d,]+\)</span>', i) for i in intervals
    )
    assert str(unbroken_ranges("Прогноз 2027-01")) == 'Прогноз <span class="nowrap">2027-01</span>'
    assert str(unbroken_ranges("Изменение с 2026-11")) == (
        'Изменение с <span class="nowrap">2026-11</span>'
    )
