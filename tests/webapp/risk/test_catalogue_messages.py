"""A refused catalogue upload names its problems in the analyst's language (kk, ru).

The page's heading was translated but every problem stayed in the English of
``validate_catalogue``: "row 2, column weight: 'x' is not a number".
"""

from __future__ import annotations

import html
import io
import re

from tests.webapp.risk.conftest import csv_bytes

HEADER = "code,name_kk,name_ru,name_en,unit,direction,domain,weight,frequency,source\n"
BAD_ROWS = "a,,,A,%,2,economic_hardship,x,M,s\na,,,A,%,1,no_such_domain,0,W,s\n,,,,%,1,,,M,s\n"

EXPECTED = {
    "ru": [
        "строка 2, столбец direction: «2»: должно быть 1 (больше значение — выше риск) или -1 "
        "(больше значение — ниже риск).",
        "строка 2, столбец weight: «x» — не число.",
        "строка 3, столбец code: «a» уже использован в строке 2.",
        "строка 3, столбец weight: «0»: должно быть число больше 0.",
        "строка 3, столбец frequency: «W»: должно быть Y (годы), Q (кварталы) или M (месяцы).",
        "строка 3, столбец domain: «no_such_domain» — неизвестная сфера (известные: "
        "economic_hardship, interethnic_harmony, social_tension, trust_in_state, youth_employment).",
        "строка 4, столбец code: Ячейка пуста.",
        "строка 4, столбец name_en: У показателя нет названия ни на одном языке.",
        "строка 4, столбец weight: Ячейка пуста: укажите число больше 0 (1 — равная доля в сфере).",
        "строка 4, столбец domain: Ячейка пуста.",
    ],
    "kk": [
        "2-жол, direction бағаны: «2»: 1 (мән жоғары болса, тәуекел жоғары) немесе -1 (мән "
        "жоғары болса, тәуекел төмен) болуы керек.",
        "2-жол, weight бағаны: 'x' — сан емес.",
        "3-жол, code бағаны: «a» 2-жолда қолданылған.",
        "3-жол, weight бағаны: «0»: 0-ден үлкен сан болуы керек.",
        "3-жол, frequency бағаны: «W»: Y (жылдар), Q (тоқсандар) немесе M (айлар) болуы керек.",
        "3-жол, domain бағаны: «no_such_domain» — белгісіз сала (белгілілері: "
        "economic_hardship, interethnic_harmony, social_tension, trust_in_state, youth_employment).",
        "4-жол, code бағаны: Ұяшық бос.",
        "4-жол, name_en бағаны: Көрсеткіштің ешбір тілде атауы жоқ.",
        "4-жол, weight бағаны: Ұяшық бос: 0-ден үлкен сан көрсетіңіз (1 — саладағы тең үлес).",
        "4-жол, domain бағаны: Ұяшық бос.",
    ],
}


def problems(client, content: bytes, language: str) -> list[str]:
    client.post("/language", data={"language": language})
    response = client.post("/risk/catalogue", data={"file": (io.BytesIO(content), "c.csv")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page.split('class="error-summary"', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", summary, re.S)]


def test_bad_rows_are_named_in_the_analysts_language(app, analyst_client):
    for language, expected in EXPECTED.items():
        assert problems(analyst_client, csv_bytes(HEADER + BAD_ROWS), language) == expected


def test_missing_columns_are_named_in_the_analysts_language(app, analyst_client):
    content = csv_bytes("code;name\nx;y\n")
    assert problems(analyst_client, content, "ru") == [
        "Не хватает столбцов: unit, direction, domain, weight, frequency, source, name_kk, "
        "name_ru или name_en; найденные столбцы: code, name."
    ]
    assert problems(analyst_client, content, "kk") == [
        "Бағандар жетіспейді: unit, direction, domain, weight, frequency, source, name_kk, "
        "name_ru немесе name_en; табылған бағандар: code, name."
    ]


def test_the_english_page_names_row_and_column_as_before(app, analyst_client):
    content = csv_bytes(HEADER + "a,,,A,%,1,economic_hardship,x,M,s\n")
    assert problems(analyst_client, content, "en") == ["row 2, column weight: 'x' is not a number."]


def test_a_file_that_is_not_a_table_is_named_in_the_analysts_language(app, analyst_client):
    """``forecasting.contract`` refuses it with the code catalogue.unreadable (its English
    "cannot read c.csv: unexpected end of data" is for the command line)."""
    open_quote = csv_bytes(HEADER + 'a,"Б,,A,%,1,economic_hardship,1,M,s\n')
    assert problems(analyst_client, open_quote, "ru") == [
        "Файл c.csv — не читаемая таблица CSV (например, не закрыта кавычка): сохраните его из "
        "программы электронных таблиц как CSV UTF-8."
    ]
    assert problems(analyst_client, open_quote, "kk") == [
        "c.csv файлы оқылатын CSV кестесі емес (мысалы, тырнақша жабылмаған): оны электрондық "
        "кесте бағдарламасынан CSV UTF-8 ретінде сақтаңыз."
    ]
    assert problems(analyst_client, b"", "ru") == ["Файл c.csv пуст: в нём нет таблицы."]
    for language in ("ru", "kk"):
        text = " ".join(problems(analyst_client, open_quote, language))
        assert "unexpected end of data" not in text and "cannot read" not in text
