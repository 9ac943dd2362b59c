"""The region page: history and forecast chart, breakdown, movers, survey values, rank."""

from __future__ import annotations

import re

from tests.webapp.review.materialised import SMALL_CELL_REGION, expected_score


def test_region_page_shows_chart_with_bands_and_a_table(client_for, published):
    page = client_for("council_member").get("/review/regions/KZ-75").get_data(as_text=True)
    assert "<h1>Almaty city" in page
    chart = page.split('<figure class="risk-chart">', 1)[1].split("</figure>", 1)[0]
    assert 'role="img"' in chart and '<title id="chart-title">' in chart
    assert chart.count('class="point-history"') == 5
    assert chart.count('class="point-forecast"') == 2
    assert '<polygon class="band-95"' in chart and '<polygon class="band-80"' in chart
    assert "80% prediction interval" in chart and "95% prediction interval" in chart
    # The accessible table repeats the numbers, forecasts with their intervals.
    index = 18  # KZ-75 is the 19th current unit of the registry
    last = expected_score(index, 4)
    assert f'<td class="number">{last:.1f}</td>' in page
    assert "2024 (forecast)" in page
    mean = min(9.9, last + 0.2)
    assert f"{mean - 0.5:.1f}–{mean + 0.5:.1f}" in page


def test_breakdown_movers_and_rank(client_for, published):
    page = client_for("analyst").get("/review/regions/KZ-11?period=2023").get_data(as_text=True)
    assert "Domain breakdown, 2023" in page
    assert "Economic hardship" in page and "Trust in the state" in page
    movers = page.split('id="movers-title"', 1)[1].split("</table>", 1)[0]
    names = re.findall(r'<th scope="row">([^<]+)', movers)
    # Unemployment's contribution grows every period in the fixture; poverty's shrinks.
    assert names[0].startswith("Unemployment rate")
    assert "Change since 2022" in page
    assert re.search(r"Rank \(1 = highest risk\).*?of 20", page, re.S)
    assert "under other reasonable choices of weights and methods" in page


def test_survey_values_below_the_threshold_are_hidden(client_for, published):
    client = client_for("council_member")
    small = client.get(f"/review/regions/{SMALL_CELL_REGION}").get_data(as_text=True)
    survey = small.split('id="survey-title"', 1)[1].split("</table>", 1)[0]
    assert "hidden: too few responses" in survey
    assert "41.5" not in survey and "fewer than 10" in survey
    movers = small.split('id="movers-title"', 1)[1].split("</table>", 1)[0]
    assert "hidden: too few responses" in movers
    large = client.get("/review/regions/KZ-75").get_data(as_text=True)
    survey = large.split('id="survey-title"', 1)[1].split("</table>", 1)[0]
    assert "41.5" in survey and "37.0–46.0" in survey and ">250<" in survey


def test_unknown_region_and_period(client_for, published):
    client = client_for("council_member")
    assert client.get("/review/regions/KZ-99").status_code == 404
    assert client.get("/review/regions/KZ-75?period=1990").status_code == 404


def test_anonymous_visitors_cannot_open_a_region(client, published):
    response = client.get("/review/regions/KZ-75")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_catalogue_units_are_written_in_the_page_language(app, client_for, published):
    """The shipped catalogue's units ("% y/y", "per 10,000") stood in English on kk and ru
    pages beside translated indicator names; a unit typed by an analyst is shown as typed."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.risk.models import RiskIndicator

    with app.app_context():
        units = {"unemployment_rate": "% y/y", "poverty_share": "per 10,000"}
        for code, unit in units.items():
            db.session.execute(
                sa.update(RiskIndicator).where(RiskIndicator.code == code).values(unit=unit)
            )
        db.session.execute(
            sa.update(RiskIndicator)
            .where(RiskIndicator.code == "survey_trust_local_government")
            .values(unit="ppm")
        )
        db.session.commit()
    client = client_for("council_member")
    wanted = {
        "en": ("(% y/y)", "(per 10,000)"),
        "ru": ("(% г/г)", "(на 10 000)"),
        "kk": ("(% ж/ж)", "(10 000-ға шаққанда)"),
    }
    for language, (yearly, per_people) in wanted.items():
        page = client.get(
            "/review/regions/KZ-11?period=2023", headers={"Accept-Language": language}
        ).get_data(as_text=True)
        movers = page.split('id="movers-title"', 1)[1].split("</table>", 1)[0]
        units = re.findall(r'<span class="unit">([^<]+)</span>', movers)
        assert sorted(units) == sorted([yearly, per_people, "(ppm)"]), language
        if language != "en":
            assert "y/y" not in movers and "per 10,000" not in movers


def test_an_ended_unit_says_why_it_has_no_later_scores(app, client_for, published):
    """South Kazakhstan (ended 2018-06-18) showed no scores and no word of why, on its page
    and in its printed report; now both say it ended and name the units that took over."""
    client = client_for("council_member")
    expected = {
        "en": ("ended on 2018-06-18", ("Turkistan", "Shymkent")),
        "ru": ("упразднена 2018-06-18", ("Туркестанская", "Шымкент")),
        "kk": ("2018-06-18 таратылды", ("Түркістан", "Шымкент")),
    }
    for language, (words, successors) in expected.items():
        client.post("/language", data={"language": language})
        for path in ("/review/regions/KZ-YUZ", "/review/regions/KZ-YUZ/report"):
            html = client.get(path).get_data(as_text=True)
            assert words in html, (language, path)
            note = html[html.index(words) - 200 : html.index(words) + 400]
            for name in successors:
                assert name in note, (language, path, name)
            # "See those units instead": each name opens its page (they were plain text).
            links = re.findall(r'<a href="/review/regions/(KZ-\d+)">([^<]+)</a>', note)
            assert sorted(code for code, _name in links) == ["KZ-61", "KZ-79"], (language, links)
            assert "&lt;a" not in note
    current = client.get("/review/regions/KZ-71").get_data(as_text=True)
    assert "ended-unit" not in current


def test_a_unit_the_indicators_name_already_gives_is_not_repeated(app, client_for, published):
    """The shipped complaints and crime indicators read 'Жалобы в государственные органы (на
    10 000 жителей) (на 10 000)': the name already says per 10,000 residents."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.risk.models import RiskIndicator

    names = {
        "en": "Poor households per 10,000 residents",
        "ru": "Бедные домохозяйства (на 10 000 жителей)",
        "kk": "Кедей үй шаруашылықтары (10 000 тұрғынға)",
    }
    with app.app_context():
        db.session.execute(
            sa.update(RiskIndicator)
            .where(RiskIndicator.code == "poverty_share")
            .values(
                unit="per 10,000", **{f"name_{language}": names[language] for language in names}
            )
        )
        db.session.commit()
    client = client_for("council_member")
    for language, name in names.items():
        page = client.get(
            "/review/regions/KZ-11?period=2023", headers={"Accept-Language": language}
        ).get_data(as_text=True)
        movers = page.split('id="movers-title"', 1)[1].split("</table>", 1)[0]
        row = movers.split(name, 1)[1].split("</th>", 1)[0]
        assert '<span class="unit">' not in row, (language, row)
        assert "(%)" in movers, "a unit the name does not give is still written"


def test_chart_axis_numbers_follow_the_page_language(client_for, published, monkeypatch):
    """The value axis was labelled with Python's own format ("2.5") on kk and ru pages, which
    write every other number "2,5". A scale of 0-2.5 makes the axis carry halves."""
    from webapp.review import views

    drawn = views.history_forecast_chart

    def half_steps(*args, **kwargs):
        return drawn(*args, value_range=(0.0, 2.5), **kwargs)

    monkeypatch.setattr(views, "history_forecast_chart", half_steps)
    client = client_for("council_member")
    for language, half in (("kk", "0,5"), ("ru", "0,5"), ("en", "0.5")):
        client.post("/language", data={"language": language})
        page = client.get("/review/regions/KZ-75").get_data(as_text=True)
        chart = page.split('<figure class="risk-chart">', 1)[1].split("</figure>", 1)[0]
        labels = re.findall(r'<text class="axis-label"[^>]*text-anchor="end">([^<]+)<', chart)
        assert labels == ["0", half, "1", half.replace("0", "1"), "2", half.replace("0", "2")], (
            language,
            labels,
        )


def test_a_survey_value_replaced_by_imported_statistics_says_so(app, client_for, published):
    """Where imported statistics hold the same indicator and period, the score uses them; the
    survey table showed the survey's figure with nothing to say why the breakdown differs."""
    from datetime import date

    from webapp.extensions import db
    from webapp.risk.models import RiskObservation, StatisticsImport

    with app.app_context():
        batch = StatisticsImport(filename="trust.csv", sha256="0" * 64)
        db.session.add(batch)
        db.session.flush()
        db.session.add(
            RiskObservation(
                import_id=batch.id,
                region_code="KZ-75",
                indicator_code="survey_trust_local_government",
                period="2023",
                frequency="Y",
                period_start=date(2023, 1, 1),
                period_end=date(2023, 12, 31),
                value=38.0,
                source="bureau",
            )
        )
        db.session.commit()
    client = client_for("council_member")
    note = "the score uses imported statistics for this period"
    page = client.get("/review/regions/KZ-75").get_data(as_text=True)
    survey = page.split('id="survey-title"', 1)[1].split("</table>", 1)[0]
    assert note in survey and "41.5" in survey
    other = client.get("/review/regions/KZ-71").get_data(as_text=True)
    assert note not in other.split('id="survey-title"', 1)[1].split("</table>", 1)[0]
    russian = client.get("/review/regions/KZ-75", headers={"Accept-Language": "ru"})
    russian = russian.get_data(as_text=True)
    assert "в оценке использована импортированная статистика" in russian
