"""The population upload's problems are told in the page's language, naming row and column."""

from __future__ import annotations

import html
import io

import pytest

BAD = b"region_code,population\nKZ-10,600000\nKZ-XX,5\nKZ-11,many\nKZ-15,0\nKZ-10,5\n"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            [
                "строка 3, столбец region_code: «KZ-XX» — неизвестный регион",
                "строка 4, столбец population: «many» — не число",
                "строка 5, столбец population: значение должно быть больше 0",
                "строка 6, столбец region_code: KZ-10 указан дважды",
            ],
        ),
        (
            "kk",
            [
                "3-жол, region_code бағаны: «KZ-XX» — белгісіз өңір",
                "4-жол, population бағаны: «many» — сан емес",
                "5-жол, population бағаны: мән 0-ден үлкен болуы керек",
                "6-жол, region_code бағаны: KZ-10 екі рет берілген",
            ],
        ),
        (
            "en",
            [
                "row 3, column region_code: 'KZ-XX' is not a known region",
                "row 4, column population: 'many' is not a number",
                "row 5, column population: must be above 0",
                "row 6, column region_code: KZ-10 is given twice",
            ],
        ),
    ],
)
def test_population_problems_in_the_page_language(
    client, stored_survey, make_user, sign_in, language, expected
):
    sign_in(make_user("analyst"))
    url = f"/results/{stored_survey.survey_id}/populations"
    headers = {"Accept-Language": language}
    page = html.unescape(
        client.post(url, data={"file": (io.BytesIO(BAD), "pop.csv")}, headers=headers).get_data(
            as_text=True
        )
    )
    for message in expected:
        assert message in page
    header = b"code,population\nKZ-10,5\n"
    page = html.unescape(
        client.post(url, data={"file": (io.BytesIO(header), "pop.csv")}, headers=headers).get_data(
            as_text=True
        )
    )
    found = {
        "ru": "в файле нужны столбцы region_code и population; найдены: code, population",
        "kk": "файлда region_code және population бағандары болуы керек; табылғаны: code, population",
        "en": "the file needs the columns region_code and population; found: code, population",
    }
    assert found[language] in page
    empty = b"region_code,population\n"
    page = client.post(url, data={"file": (io.BytesIO(empty), "pop.csv")}, headers=headers)
    lists_none = {"ru": "в файле нет ни одного региона", "kk": "файлда бірде-бір өңір жоқ"}
    assert lists_none.get(language, "the file lists no region") in page.get_data(as_text=True)
