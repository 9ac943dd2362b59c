"""A Kyrgyz file saved in Windows-1251 lost Kyrgyz letters, not Kazakh ones: the import page
names the letters that encoding lacks, of both languages, in the analyst's language."""

from __future__ import annotations

import html

from tests.webapp.risk.conftest import upload_data

#: Excel's "CSV (comma delimited)" in a Russian locale: "Чүй", "Ысык-Көл" arrive as "Ч?й",
#: "Ысык-К?л".
KYRGYZ_CP1251 = "Аймак;2022\r\nЧүй облусу;4,1\r\nЫсык-Көл облусу;4,0\r\n".encode(
    "cp1251", errors="replace"
)
WORDING = {
    "en": ("Kazakh and Kyrgyz letters", "Kazakh letters ("),
    "ru": ("казахских и кыргызских букв", "казахских букв ("),
    "kk": ("қазақ және қырғыз әріптерін", "қазақ әріптері жоқ"),
}


def test_lost_letters_are_named_for_kyrgyz_files_too(app, analyst_client, regions):
    for language, (said, not_said) in WORDING.items():
        analyst_client.post("/language", data={"language": language})
        response = analyst_client.post(
            "/risk/imports",
            data=upload_data(KYRGYZ_CP1251, "kg.csv", indicator="unemployment_rate"),
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        page = html.unescape(analyst_client.get(response.headers["Location"]).get_data(True))
        assert "'Ч?й облусу'" in page, language
        assert said in page and "ө, ұ, ү, һ" in page, language
        assert not_said not in page, language
