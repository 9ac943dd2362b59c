"""Region names as real tables spell them: Kazakh in its three Latin alphabets (2017
apostrophes, 2018 acute accents, 2021 Turkic letters), Russian romanised, Soviet-era and
1990s names, upper case, with and without the kind word.

Each row is a label and the unit code it must resolve to (``None``: it names no unit of
the registry and must stay unresolved). The facts are in ../shared/domain/regions-kz.md;
the historic units and how a name of one is read are in docs/data-contract.md ("Regions").
"""

from __future__ import annotations

import pytest

from forecasting.geography import default_resolver

# Kazakh Latin, 2017 (Decree 569): apostrophes mark ә, ғ, ң, ө, ү, ш (s'), ч (c'), у (y'),
# и/й (i'); u is ұ, y is ы, i is і.
LATIN_2017 = [
    ("Abai' oblysy", "KZ-10"),
    ("Aqmola oblysy", "KZ-11"),
    ("Aqto'be oblysy", "KZ-15"),
    ("Almaty oblysy", "KZ-19"),
    ("Atyray' oblysy", "KZ-23"),
    ("Batys Qazaqstan oblysy", "KZ-27"),
    ("Jambyl oblysy", "KZ-31"),
    ("Jetisy' oblysy", "KZ-33"),
    ("Qarag'andy oblysy", "KZ-35"),
    ("Qostanai' oblysy", "KZ-39"),
    ("Qyzylorda oblysy", "KZ-43"),
    ("Man'g'ystay' oblysy", "KZ-47"),
    ("Pavlodar oblysy", "KZ-55"),
    ("Soltu'stik Qazaqstan oblysy", "KZ-59"),
    ("Tu'rkistan oblysy", "KZ-61"),
    ("Ulytay' oblysy", "KZ-62"),
    ("S'yg'ys Qazaqstan oblysy", "KZ-63"),
    ("Astana qalasy", "KZ-71"),
    ("Almaty qalasy", "KZ-75"),
    ("S'ymkent qalasy", "KZ-79"),
    ("On'tu'stik Qazaqstan oblysy", "KZ-YUZ"),
    # as typed with a typographic apostrophe, and mixed with digraphs
    ("Qarag’andy oblysy", "KZ-35"),
    ("Shyg'ys Qazaqstan", "KZ-63"),
    ("Shyg'ys Qazaqstan oblysy", "KZ-63"),
    ("Man'g'ystau", "KZ-47"),
]

# Kazakh Latin, 2018 (Decree 637 as amended): á ǵ ń ó ú ý, ı (и, й), sh, ch; u is ұ.
LATIN_2018 = [
    ("Abaı oblysy", "KZ-10"),
    ("Aqmola oblysy", "KZ-11"),
    ("Aqtóbe oblysy", "KZ-15"),
    ("Almaty oblysy", "KZ-19"),
    ("Atyraý oblysy", "KZ-23"),
    ("Batys Qazaqstan oblysy", "KZ-27"),
    ("Jambyl oblysy", "KZ-31"),
    ("Jetisý oblysy", "KZ-33"),
    ("Qaraǵandy oblysy", "KZ-35"),
    ("Qostanaı oblysy", "KZ-39"),
    ("Qyzylorda oblysy", "KZ-43"),
    ("Mańǵystaý oblysy", "KZ-47"),
    ("Pavlodar oblysy", "KZ-55"),
    ("Soltústik Qazaqstan oblysy", "KZ-59"),
    ("Túrkistan oblysy", "KZ-61"),
    ("Ulytaý oblysy", "KZ-62"),
    ("Shyǵys Qazaqstan oblysy", "KZ-63"),
    ("Astana qalasy", "KZ-71"),
    ("Almaty qalasy", "KZ-75"),
    ("Shymkent qalasy", "KZ-79"),
    ("Ońtústik Qazaqstan oblysy", "KZ-YUZ"),
    ("Soltústik Qazaqstan", "KZ-59"),
    ("Shyǵys Qazaqstan", "KZ-63"),
    ("Túrkistan", "KZ-61"),
    ("Mańǵystaý", "KZ-47"),
    ("Abaí oblysy", "KZ-10"),
    ("Qostanaí oblysy", "KZ-39"),
]

# Kazakh Latin, 2021: ä ğ ı (і) i (и, й) ñ ö ş ü ū (ұ), u is у, y is ы.
LATIN_2021 = [
    ("Abai oblysy", "KZ-10"),
    ("Aqmola oblysy", "KZ-11"),
    ("Aqtöbe oblysy", "KZ-15"),
    ("Almaty oblysy", "KZ-19"),
    ("Atyrau oblysy", "KZ-23"),
    ("Batys Qazaqstan oblysy", "KZ-27"),
    ("Jambyl oblysy", "KZ-31"),
    ("Jetısu oblysy", "KZ-33"),
    ("Qarağandy oblysy", "KZ-35"),
    ("Qostanai oblysy", "KZ-39"),
    ("Qyzylorda oblysy", "KZ-43"),
    ("Mañğystau oblysy", "KZ-47"),
    ("Pavlodar oblysy", "KZ-55"),
    ("Soltüstık Qazaqstan oblysy", "KZ-59"),
    ("Türkıstan oblysy", "KZ-61"),
    ("Ūlytau oblysy", "KZ-62"),
    ("Şyğys Qazaqstan oblysy", "KZ-63"),
    ("Astana qalasy", "KZ-71"),
    ("Almaty qalasy", "KZ-75"),
    ("Şymkent qalasy", "KZ-79"),
    ("Oñtüstık Qazaqstan oblysy", "KZ-YUZ"),
    ("Soltüstık Qazaqstan", "KZ-59"),
    ("Şyğys Qazaqstan", "KZ-63"),
    ("Türkıstan", "KZ-61"),
    ("Ūlytau", "KZ-62"),
    ("Jetısu", "KZ-33"),
    ("Şymkent", "KZ-79"),
    ("Qarağandy", "KZ-35"),
]

# Abbreviated kind words (қ. and қ.ә. in Latin), BGN/PCGN's gh and ng, 2018's ý for у.
ABBREVIATED = [
    ("Almaty q.", "KZ-75"),
    ("Shymkent q.", "KZ-79"),
    ("Astana q.ä.", "KZ-71"),
    ("ALMATY Q.Ä.", "KZ-75"),
    ("Mangghystau oblysy", "KZ-47"),
    ("Kókshetaý oblysy", "KZ-KOK"),
    ("KÓKSHETAÝ OBLYSY", "KZ-KOK"),
    ("Qaraǵandy obl.", "KZ-35"),
]

# Upper case, as statistics exports print labels; Latin İ (и) folds to i.
UPPER_CASE = [
    ("QARAǴANDY OBLYSY", "KZ-35"),
    ("QARAĞANDY OBLYSY", "KZ-35"),
    ("ŞYĞYS QAZAQSTAN OBLYSY", "KZ-63"),
    ("TÜRKISTAN OBLYSY", "KZ-61"),
    ("MAÑĞYSTAU OBLYSY", "KZ-47"),
    ("ŪLYTAU OBLYSY", "KZ-62"),
    ("SOLTÜSTIK QAZAQSTAN OBLYSY", "KZ-59"),
    ("ABAİ OBLYSY", "KZ-10"),
    ("QOSTANAİ OBLYSY", "KZ-39"),
    ("ŞYMKENT QALASY", "KZ-79"),
    ("MAŃǴYSTAÝ OBLYSY", "KZ-47"),
    ("QARAG'ANDY OBLYSY", "KZ-35"),
    ("ҚАРАҒАНДЫ ОБЛЫСЫ", "KZ-35"),
    ("ТҮРКІСТАН ОБЛЫСЫ", "KZ-61"),
    ("МАҢҒЫСТАУ ОБЛЫСЫ", "KZ-47"),
    ("ВОСТОЧНО-КАЗАХСТАНСКАЯ ОБЛАСТЬ", "KZ-63"),
    ("Г.ШЫМКЕНТ", "KZ-79"),
    ("АЛМАТЫ ҚАЛАСЫ", "KZ-75"),
]

# English and Russian romanised, with and without the kind word.
ROMANISED = [
    ("Karagandinskaya oblast", "KZ-35"),
    ("Vostochno-Kazakhstanskaya oblast", "KZ-63"),
    ("Yuzhno-Kazakhstanskaya oblast", "KZ-YUZ"),
    ("Severo-Kazakhstanskaya oblast", "KZ-59"),
    ("Zapadno-Kazakhstanskaya oblast", "KZ-27"),
    ("Mangistauskaya oblast", "KZ-47"),
    ("Turkestanskaya oblast", "KZ-61"),
    ("Almatinskaya oblast", "KZ-19"),
    ("Akmolinskaya oblast", "KZ-11"),
    ("Aktyubinskaya oblast", "KZ-15"),
    ("Atyrauskaya oblast", "KZ-23"),
    ("Zhambylskaya oblast", "KZ-31"),
    ("Kostanayskaya oblast", "KZ-39"),
    ("Kyzylordinskaya oblast", "KZ-43"),
    ("Pavlodarskaya oblast", "KZ-55"),
    ("Abayskaya oblast", "KZ-10"),
    ("Zhetisuskaya oblast", "KZ-33"),
    ("Ulytauskaya oblast", "KZ-62"),
    ("gorod Almaty", "KZ-75"),
    ("g. Shymkent", "KZ-79"),
    ("Karaganda region", "KZ-35"),
    ("Qaragandy region", "KZ-35"),
    ("Shygys Kazakhstan region", "KZ-63"),
    ("Mangystau region", "KZ-47"),
    ("Turkistan Region", "KZ-61"),
    ("Shymkent city", "KZ-79"),
    ("Almaty city", "KZ-75"),
    ("Almaty Region", "KZ-19"),
    ("Zhetysu", "KZ-33"),
    ("Zhambyl", "KZ-31"),
]

# Soviet-era and 1990s names. A rename with the same boundaries is the unit that had them;
# an oblast abolished in 1997 is a historic unit (its territory is today split between
# the units it was merged into), never today's region.
OLD_NAMES = [
    ("Целиноградская область", "KZ-11"),
    ("Tselinogradskaya oblast", "KZ-11"),
    ("Tselinograd Region", "KZ-11"),
    ("Гурьевская область", "KZ-23"),
    ("ГУРЬЕВСКАЯ ОБЛАСТЬ", "KZ-23"),
    ("Guryevskaya oblast", "KZ-23"),
    ("Гурьевская", "KZ-23"),
    ("Чимкентская область", "KZ-YUZ"),
    ("Chimkentskaya oblast", "KZ-YUZ"),
    ("Джамбулская область", "KZ-31"),
    ("Джамбульская область", "KZ-31"),
    ("Dzhambulskaya oblast", "KZ-31"),
    ("Уральская область", "KZ-27"),
    ("Uralskaya oblast", "KZ-27"),
    ("Мангышлакская область", "KZ-47"),
    ("Кустанайская область", "KZ-39"),
    ("Кзыл-Ординская область", "KZ-43"),
    ("Алма-Атинская область", "KZ-19"),
    ("Алма-Ата", "KZ-75"),
    ("г. Алма-Ата", "KZ-75"),
    ("Alma-Ata", "KZ-75"),
    ("Целиноград", "KZ-71"),
    ("г. Целиноград", "KZ-71"),
    ("г. Акмола", "KZ-71"),
    ("Akmola city", "KZ-71"),
    ("Акмола", "KZ-11"),
    ("Г.НУР-СУЛТАН", "KZ-71"),
    # abolished in 1997
    ("Кокчетавская область", "KZ-KOK"),
    ("Кокшетауская область", "KZ-KOK"),
    ("Көкшетау облысы", "KZ-KOK"),
    ("Kokchetav Region", "KZ-KOK"),
    ("Kokshetau Region", "KZ-KOK"),
    ("Kokchetavskaya oblast", "KZ-KOK"),
    ("Семипалатинская область", "KZ-SEM"),
    ("СЕМИПАЛАТИНСКАЯ ОБЛАСТЬ", "KZ-SEM"),
    ("Семей облысы", "KZ-SEM"),
    ("Semipalatinsk Region", "KZ-SEM"),
    ("Semipalatinskaya oblast", "KZ-SEM"),
    ("Талды-Курганская область", "KZ-TAL"),
    ("Талдыкорганская область", "KZ-TAL"),
    ("Талдықорған облысы", "KZ-TAL"),
    ("Taldy-Kurgan Region", "KZ-TAL"),
    ("Taldykorgan Region", "KZ-TAL"),
    ("Джезказганская область", "KZ-ZHE"),
    ("Жезказганская область", "KZ-ZHE"),
    ("Жезқазған облысы", "KZ-ZHE"),
    ("Dzhezkazgan Region", "KZ-ZHE"),
    ("Zhezkazgan Region", "KZ-ZHE"),
    ("Тургайская область", "KZ-TOR"),
    ("Торгайская область", "KZ-TOR"),
    ("Торғай облысы", "KZ-TOR"),
    ("Turgay Region", "KZ-TOR"),
    ("Turgaiskaya oblast", "KZ-TOR"),
    ("Torgay Region", "KZ-TOR"),
    ("Семипалатинская", "KZ-SEM"),
    ("Кокчетавская", "KZ-KOK"),
    ("ДЖЕЗКАЗГАНСКАЯ ОБЛАСТЬ", "KZ-ZHE"),
    ("Semeı oblysy", "KZ-SEM"),
    ("Torǵaı oblysy", "KZ-TOR"),
    ("Чимкентская", "KZ-YUZ"),
    ("Джамбулская", "KZ-31"),
    # cities that are no first-level unit, then or now; a town's bare name is not the
    # oblast that ended (it is a town of today's region)
    ("Семей", None),
    ("Taldykorgan", None),
    ("Kokchetav", None),
    ("Leninsk", None),
    ("Ленинск", None),
    ("г. Ленинск", None),
    ("г. Семей", None),
    ("г. Семипалатинск", None),
    ("г. Кокшетау", None),
    ("г. Талдыкорган", None),
    ("г. Жезказган", None),
]

TABLE = LATIN_2017 + LATIN_2018 + LATIN_2021 + ABBREVIATED + UPPER_CASE + ROMANISED + OLD_NAMES


def test_the_table_is_long_and_has_no_contradictions() -> None:
    labels: dict[str, str | None] = {}
    for label, code in TABLE:
        assert labels.setdefault(label, code) == code, label
    assert len(labels) >= 120


@pytest.mark.parametrize(("label", "code"), TABLE, ids=[label for label, _ in TABLE])
def test_spelling_resolves_to_the_unit_with_those_boundaries(label: str, code: str | None) -> None:
    unit = default_resolver().resolve(label)
    assert (unit.code if unit else None) == code


@pytest.mark.parametrize(
    "label",
    [
        "Qazaqstan Respýblıkasy",
        "Respýblıka boıynsha",
        "Respublika boiynşa",
        "Barlyǵy",
        "Barlyğy",
        "Jıyny",
        "Республика бойынша",
    ],
)
def test_the_national_total_in_kazakh_latin(label: str) -> None:
    """The total row of a Kazakh table in Latin letters is no unresolved region."""
    assert default_resolver().is_national_total(label)
