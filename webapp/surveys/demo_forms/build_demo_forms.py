"""Build the demo XLSForms committed next to this script.

The forms are written as real XLSForm workbooks (openpyxl), exactly as a survey author
would upload them, so they double as examples of the supported subset. Rebuild with::

    python -m webapp.surveys.demo_forms.build_demo_forms

All texts are given in Kazakh (kk), Russian (ru) and English (en).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from webapp.surveys.demo_forms import DEMO_FORMS_DIR

LANGUAGES = (("kk", "Kazakh (kk)"), ("ru", "Russian (ru)"), ("en", "English (en)"))
TRANSLATED = ("label", "hint", "required_message", "constraint_message")
PLAIN = ("required", "relevant", "constraint", "appearance", "region")


def tr(kk: str, ru: str, en: str) -> dict[str, str]:
    return {"kk": kk, "ru": ru, "en": en}


def row(type_: str, name: str | None = None, **columns: Any) -> dict[str, Any]:
    return {"type": type_, "name": name, **columns}


def choice(list_name: str, name: str, label: dict[str, str]) -> dict[str, Any]:
    return {"list_name": list_name, "name": name, "label": label}


def write_workbook(
    path: Path,
    survey: list[dict[str, Any]],
    choices: list[dict[str, Any]],
    settings: dict[str, Any],
) -> None:
    """Write survey/choices/settings sheets with ``label::Kazakh (kk)``-style headers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    header = ["type", "name"]
    for column in TRANSLATED:
        header.extend(f"{column}::{spelling}" for _, spelling in LANGUAGES)
    header.extend(PLAIN)
    sheet.append(header)
    for item in survey:
        values: list[Any] = [item["type"], item.get("name")]
        for column in TRANSLATED:
            texts = item.get(column) or {}
            values.extend(texts.get(code) for code, _ in LANGUAGES)
        values.extend(item.get(column) for column in PLAIN)
        sheet.append(values)

    choice_sheet = workbook.create_sheet("choices")
    choice_sheet.append(["list_name", "name", *(f"label::{spelling}" for _, spelling in LANGUAGES)])
    for item in choices:
        choice_sheet.append(
            [item["list_name"], item["name"], *(item["label"][code] for code, _ in LANGUAGES)]
        )

    settings_sheet = workbook.create_sheet("settings")
    title = settings["form_title"]
    settings_sheet.append(
        [
            "form_id",
            *(f"form_title::{spelling}" for _, spelling in LANGUAGES),
            "default_language",
            "version",
        ]
    )
    settings_sheet.append(
        [
            settings["form_id"],
            *(title[code] for code, _ in LANGUAGES),
            settings["default_language"],
            settings["version"],
        ]
    )
    workbook.save(path)


# --------------------------------------------------------------------------- shared scales

LIKERT_TRUST = [
    ("1", tr("Мүлдем сенбеймін", "Совсем не доверяю", "Do not trust at all")),
    ("2", tr("Көбіне сенбеймін", "Скорее не доверяю", "Mostly do not trust")),
    ("3", tr("Сенемін де, сенбеймін де", "И доверяю, и не доверяю", "Neither trust nor distrust")),
    ("4", tr("Көбіне сенемін", "Скорее доверяю", "Mostly trust")),
    ("5", tr("Толық сенемін", "Полностью доверяю", "Fully trust")),
]
LIKERT_SATISFACTION = [
    ("1", tr("Мүлдем риза емеспін", "Совсем не удовлетворён(-а)", "Very dissatisfied")),
    ("2", tr("Көбіне риза емеспін", "Скорее не удовлетворён(-а)", "Dissatisfied")),
    ("3", tr("Бейтараппын", "Нейтрально", "Neutral")),
    ("4", tr("Көбіне ризамын", "Скорее удовлетворён(-а)", "Satisfied")),
    ("5", tr("Толық ризамын", "Полностью удовлетворён(-а)", "Very satisfied")),
]
LIKERT_AGREEMENT = [
    ("1", tr("Мүлдем келіспеймін", "Совершенно не согласен(-на)", "Strongly disagree")),
    ("2", tr("Келіспеймін", "Не согласен(-на)", "Disagree")),
    ("3", tr("Келісемін де, келіспеймін де", "И да, и нет", "Neither agree nor disagree")),
    ("4", tr("Келісемін", "Согласен(-на)", "Agree")),
    ("5", tr("Толық келісемін", "Полностью согласен(-на)", "Strongly agree")),
]
LIKERT_RATING = [
    ("1", tr("Өте нашар", "Очень плохо", "Very poor")),
    ("2", tr("Нашар", "Плохо", "Poor")),
    ("3", tr("Қанағаттанарлық", "Удовлетворительно", "Fair")),
    ("4", tr("Жақсы", "Хорошо", "Good")),
    ("5", tr("Өте жақсы", "Отлично", "Excellent")),
]
SEVERAL_ANSWERS = tr(
    "Бірнеше жауапты таңдауға болады.",
    "Можно выбрать несколько ответов.",
    "You may choose several answers.",
)
OPTIONAL = tr("Міндетті емес.", "Необязательно.", "Optional.")


def scale(list_name: str, items: list[tuple[str, dict[str, str]]]) -> list[dict[str, Any]]:
    return [choice(list_name, name, label) for name, label in items]


# --------------------------------------------------------------------------- citizen survey


def citizen_survey() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """The "Listening State" citizen survey."""
    survey = [
        row("begin_group", "intro", label=tr("Кіріспе", "Введение", "Introduction")),
        row(
            "note",
            "welcome",
            label=tr(
                "Бұл сауалнама жергілікті билік органдарының жұмысы туралы пікіріңізді "
                "білуге арналған. Жауаптарыңыз құпия сақталады және тек жинақталған түрде "
                "пайдаланылады.",
                "Этот опрос посвящён вашему мнению о работе местных органов власти. "
                "Ваши ответы конфиденциальны и используются только в обобщённом виде.",
                "This survey asks for your opinion of local government. Your answers are "
                "confidential and are used only in aggregate.",
            ),
        ),
        row(
            "acknowledge",
            "consent",
            label=tr(
                "Мен сауалнамаға өз еркіммен қатысуға келісемін.",
                "Я добровольно соглашаюсь участвовать в опросе.",
                "I voluntarily agree to take part in the survey.",
            ),
            required="yes",
            required_message=tr(
                "Жалғастыру үшін келісіміңізді растаңыз.",
                "Чтобы продолжить, подтвердите согласие.",
                "Please confirm your consent to continue.",
            ),
        ),
        row("end_group"),
        row("begin_group", "about", label=tr("Сіз туралы", "О вас", "About you")),
        row(
            "select_one region",
            "region",
            label=tr(
                "Сіз қай өңірде тұрасыз?",
                "В каком регионе вы живёте?",
                "Which region do you live in?",
            ),
            required="yes",
        ),
        row(
            "select_one age_group",
            "age_group",
            label=tr(
                "Жасыңыз қай топқа жатады?",
                "К какой возрастной группе вы относитесь?",
                "Which age group are you in?",
            ),
            required="yes",
        ),
        row(
            "select_one gender",
            "gender",
            label=tr("Жынысыңыз", "Ваш пол", "Your gender"),
            hint=OPTIONAL,
        ),
        row(
            "integer",
            "household_size",
            label=tr(
                "Үй шаруашылығыңызда қанша адам тұрады (өзіңізді қоса)?",
                "Сколько человек живёт в вашем домохозяйстве (включая вас)?",
                "How many people live in your household, including you?",
            ),
            required="yes",
            constraint=". >= 1 and . <= 20",
            constraint_message=tr(
                "1-ден 20-ға дейінгі санды енгізіңіз.",
                "Введите число от 1 до 20.",
                "Enter a number from 1 to 20.",
            ),
        ),
        row("end_group"),
        row(
            "begin_group",
            "trust",
            label=tr(
                "Жергілікті атқарушы органдарға сенім",
                "Доверие местным исполнительным органам",
                "Trust in local executive bodies",
            ),
        ),
        row(
            "select_one trust5",
            "trust_regional_akimat",
            label=tr(
                "Өз өңіріңіздің әкімдігіне қаншалықты сенесіз?",
                "Насколько вы доверяете акимату вашего региона?",
                "How much do you trust the akimat (local executive body) of your region?",
            ),
            required="yes",
            appearance="likert",
        ),
        row(
            "select_one trust5",
            "trust_district_akimat",
            label=tr(
                "Аудан (қала) әкімдігіне қаншалықты сенесіз?",
                "Насколько вы доверяете акимату района (города)?",
                "How much do you trust your district (city) akimat?",
            ),
            required="yes",
            appearance="likert",
        ),
        row("end_group"),
        row(
            "begin_group",
            "services",
            label=tr("Мемлекеттік қызметтер", "Государственные услуги", "Public services"),
        ),
        row(
            "select_multiple services",
            "services_used",
            label=tr(
                "Соңғы 12 айда қандай мемлекеттік қызметтерді пайдаландыңыз?",
                "Какими государственными услугами вы пользовались за последние 12 месяцев?",
                "Which public services have you used in the last 12 months?",
            ),
            hint=SEVERAL_ANSWERS,
            required="yes",
            constraint="not(selected(., 'none')) or count-selected(.) = 1",
            constraint_message=tr(
                "«Ешқайсысын пайдаланған жоқпын» жауабын басқа жауаптармен бірге таңдауға "
                "болмайды.",
                "Вариант «Ничем не пользовался(-ась)» нельзя выбирать вместе с другими.",
                "'None of these' cannot be combined with other answers.",
            ),
        ),
        row(
            "select_one satisfaction5",
            "services_satisfaction",
            label=tr(
                "Жалпы алғанда, мемлекеттік қызметтердің сапасына қаншалықты ризасыз?",
                "В целом, насколько вы удовлетворены качеством государственных услуг?",
                "Overall, how satisfied are you with the quality of public services?",
            ),
            required="yes",
            relevant="not(selected(${services_used}, 'none'))",
            appearance="likert",
        ),
        row("end_group"),
        row(
            "begin_group",
            "local_problems",
            label=tr("Жергілікті мәселелер", "Местные проблемы", "Local problems"),
        ),
        row(
            "select_one problems",
            "main_problem",
            label=tr(
                "Сіздің елді мекеніңіздегі ең өзекті мәселе қандай?",
                "Какая проблема в вашем населённом пункте самая острая?",
                "What is the most pressing problem in your locality?",
            ),
            required="yes",
        ),
        row(
            "text",
            "main_problem_other",
            label=tr(
                "Қандай мәселе екенін нақтылаңыз.",
                "Уточните, какая проблема.",
                "Please specify the problem.",
            ),
            required="yes",
            relevant="${main_problem} = 'other'",
        ),
        row("end_group"),
        row(
            "begin_group",
            "harmony",
            label=tr("Ұлтаралық келісім", "Межэтническое согласие", "Interethnic harmony"),
        ),
        row(
            "select_one agreement5",
            "interethnic_harmony",
            label=tr(
                "Менің өңірімде түрлі ұлт өкілдері татулықта өмір сүреді.",
                "В моём регионе представители разных национальностей живут в согласии.",
                "In my region, people of different ethnic groups live in harmony.",
            ),
            hint=tr(
                "Осы пікірмен қаншалықты келісетініңізді бағалаңыз.",
                "Оцените, насколько вы согласны с этим утверждением.",
                "Rate how much you agree with this statement.",
            ),
            required="yes",
            appearance="likert",
        ),
        row("end_group"),
        row(
            "begin_group",
            "youth",
            label=tr(
                "Жастардың жұмыспен қамтылуы және білімі",
                "Занятость и образование молодёжи",
                "Youth employment and education",
            ),
            relevant="${age_group} = '18_29'",
        ),
        row(
            "select_one youth_status",
            "youth_status",
            label=tr(
                "Қазір сіз оқисыз ба, жұмыс істейсіз бе?",
                "Вы сейчас учитесь или работаете?",
                "Are you currently studying or working?",
            ),
            required="yes",
        ),
        row(
            "note",
            "neet_note",
            label=tr(
                "Жауабыңыз үшін рақмет. Өңіріңіздегі жастарды жұмыспен қамту "
                "бағдарламалары туралы ақпаратты enbek.kz порталынан таба аласыз.",
                "Спасибо за ответ. Информацию о программах занятости молодёжи в вашем "
                "регионе можно найти на портале enbek.kz.",
                "Thank you. Information on youth employment programmes in your region is "
                "available on the enbek.kz portal.",
            ),
            relevant="${youth_status} = 'neither'",
        ),
        row("end_group"),
        row(
            "begin_group",
            "information",
            label=tr("Ақпаратқа қолжетімділік", "Доступ к информации", "Access to information"),
        ),
        row(
            "select_one agreement5",
            "information_access",
            label=tr(
                "Жергілікті биліктің шешімдері туралы ақпаратты табу оңай.",
                "Информацию о решениях местной власти легко найти.",
                "Information about local government decisions is easy to find.",
            ),
            required="yes",
            appearance="likert",
        ),
        row(
            "select_multiple info_sources",
            "information_sources",
            label=tr(
                "Жергілікті жаңалықтарды негізінен қайдан білесіз?",
                "Откуда вы в основном узнаёте местные новости?",
                "Where do you mainly get local news?",
            ),
            hint=SEVERAL_ANSWERS,
            required="yes",
        ),
        row("end_group"),
        row("begin_group", "final", label=tr("Қорытынды", "Завершение", "Final comment")),
        row(
            "text",
            "comment",
            label=tr(
                "Жергілікті билікке тағы не айтқыңыз келеді?",
                "Что ещё вы хотели бы сказать местной власти?",
                "Is there anything else you would like to tell local government?",
            ),
            hint=tr(
                "Міндетті емес. Жеке деректеріңізді жазбаңыз.",
                "Необязательно. Пожалуйста, не указывайте личные данные.",
                "Optional. Please do not include personal details.",
            ),
            constraint="string-length(.) <= 2000",
            constraint_message=tr(
                "Жауап 2000 таңбадан аспауы керек.",
                "Ответ не должен превышать 2000 символов.",
                "Please keep your answer to 2000 characters or fewer.",
            ),
            appearance="multiline",
        ),
        row("end_group"),
    ]
    choices = [
        *scale(
            "age_group",
            [
                ("18_29", tr("18–29 жас", "18–29 лет", "18–29 years")),
                ("30_44", tr("30–44 жас", "30–44 года", "30–44 years")),
                ("45_59", tr("45–59 жас", "45–59 лет", "45–59 years")),
                ("60_plus", tr("60 жас және одан үлкен", "60 лет и старше", "60 years or older")),
            ],
        ),
        *scale(
            "gender",
            [
                ("female", tr("Әйел", "Женский", "Female")),
                ("male", tr("Ер", "Мужской", "Male")),
                (
                    "prefer_not",
                    tr("Айтқым келмейді", "Предпочитаю не отвечать", "Prefer not to say"),
                ),
            ],
        ),
        *scale("trust5", LIKERT_TRUST),
        *scale("satisfaction5", LIKERT_SATISFACTION),
        *scale("agreement5", LIKERT_AGREEMENT),
        *scale(
            "services",
            [
                (
                    "psc",
                    tr(
                        "Халыққа қызмет көрсету орталығы (ХҚКО)",
                        "Центр обслуживания населения (ЦОН)",
                        "Public Service Centre (PSC)",
                    ),
                ),
                (
                    "egov",
                    tr(
                        "eGov.kz электрондық үкімет порталы",
                        "Портал электронного правительства eGov.kz",
                        "eGov.kz e-government portal",
                    ),
                ),
                (
                    "health",
                    tr("Емхана немесе аурухана", "Поликлиника или больница", "Clinic or hospital"),
                ),
                (
                    "education",
                    tr(
                        "Мектеп немесе балабақша", "Школа или детский сад", "School or kindergarten"
                    ),
                ),
                (
                    "social",
                    tr(
                        "Әлеуметтік көмек және зейнетақы",
                        "Социальная помощь и пенсии",
                        "Social assistance and pensions",
                    ),
                ),
                (
                    "utilities",
                    tr(
                        "Тұрғын үй-коммуналдық қызметтер",
                        "Жилищно-коммунальные услуги",
                        "Housing and utilities",
                    ),
                ),
                ("police", tr("Полиция", "Полиция", "Police")),
                (
                    "none",
                    tr(
                        "Ешқайсысын пайдаланған жоқпын",
                        "Ничем не пользовался(-ась)",
                        "None of these",
                    ),
                ),
            ],
        ),
        *scale(
            "problems",
            [
                ("roads", tr("Жолдар мен көлік", "Дороги и транспорт", "Roads and transport")),
                (
                    "utilities",
                    tr(
                        "Коммуналдық қызметтер (су, жылу, электр)",
                        "Коммунальные услуги (вода, тепло, электричество)",
                        "Utilities (water, heating, electricity)",
                    ),
                ),
                ("jobs", tr("Жұмыссыздық", "Безработица", "Unemployment")),
                ("prices", tr("Бағаның өсуі", "Рост цен", "Rising prices")),
                ("housing", tr("Баспана", "Жильё", "Housing")),
                ("healthcare", tr("Денсаулық сақтау", "Здравоохранение", "Healthcare")),
                ("environment", tr("Экология", "Экология", "Environment")),
                ("corruption", tr("Сыбайлас жемқорлық", "Коррупция", "Corruption")),
                ("other", tr("Басқа", "Другое", "Other")),
            ],
        ),
        *scale(
            "youth_status",
            [
                ("studying", tr("Тек оқимын", "Только учусь", "Studying only")),
                ("working", tr("Тек жұмыс істеймін", "Только работаю", "Working only")),
                (
                    "both",
                    tr(
                        "Оқимын да, жұмыс істеймін де",
                        "И учусь, и работаю",
                        "Both studying and working",
                    ),
                ),
                (
                    "neither",
                    tr(
                        "Оқымаймын да, жұмыс істемеймін де",
                        "Не учусь и не работаю",
                        "Neither studying nor working",
                    ),
                ),
            ],
        ),
        *scale(
            "info_sources",
            [
                ("tv", tr("Теледидар", "Телевидение", "Television")),
                ("news_sites", tr("Жаңалық сайттары", "Новостные сайты", "News websites")),
                (
                    "social_media",
                    tr(
                        "Әлеуметтік желілер мен мессенджерлер",
                        "Социальные сети и мессенджеры",
                        "Social networks and messengers",
                    ),
                ),
                (
                    "official",
                    tr(
                        "Әкімдіктің ресми парақшалары",
                        "Официальные страницы акимата",
                        "Official akimat pages",
                    ),
                ),
                (
                    "people",
                    tr(
                        "Туыстар, көршілер, әріптестер",
                        "Родственники, соседи, коллеги",
                        "Relatives, neighbours, colleagues",
                    ),
                ),
                ("print", tr("Газеттер", "Газеты", "Newspapers")),
            ],
        ),
    ]
    settings = {
        "form_id": "listening_state_citizen",
        "form_title": tr(
            "«Халық үніне құлақ асатын мемлекет»: азаматтар сауалнамасы",
            "«Слышащее государство»: опрос граждан",
            "Listening State: citizen survey",
        ),
        "default_language": "kk",
        "version": "1",
    }
    return survey, choices, settings


# --------------------------------------------------------------------------- council feedback


def council_feedback() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """A public council's quarterly feedback on a state body."""
    # No question asks which body or region: a council feedback response is attributed to the
    # member's council, which names its state body and (for a local council) its region.
    survey = [
        row("begin_group", "assessment", label=tr("Бағалау", "Оценка", "Assessment")),
        row(
            "note",
            "assessment_note",
            label=tr(
                "Органның жұмысын 1-ден (өте нашар) 5-ке (өте жақсы) дейінгі шкала бойынша "
                "бағалаңыз.",
                "Оцените работу органа по шкале от 1 (очень плохо) до 5 (отлично).",
                "Rate the body's work on a scale from 1 (very poor) to 5 (excellent).",
            ),
        ),
        row(
            "select_one rating5",
            "responsiveness",
            label=tr(
                "Орган кеңестің сұраулары мен ұсыныстарына қаншалықты жедел жауап береді?",
                "Насколько оперативно орган отвечает на запросы и предложения совета?",
                "How responsive is the body to the council's requests and proposals?",
            ),
            required="yes",
            appearance="likert",
        ),
        row(
            "select_one rating5",
            "transparency",
            label=tr(
                "Органның шешім қабылдауы қаншалықты ашық?",
                "Насколько прозрачно орган принимает решения?",
                "How transparent is the body's decision-making?",
            ),
            required="yes",
            appearance="likert",
        ),
        row(
            "select_one rating5",
            "consultation_quality",
            label=tr(
                "Нормативтік құқықтық актілердің жобалары бойынша консультациялардың "
                "сапасын бағалаңыз.",
                "Оцените качество консультаций по проектам нормативных правовых актов.",
                "Rate the quality of consultations on draft legal acts.",
            ),
            required="yes",
            appearance="likert",
        ),
        row("end_group"),
        row(
            "begin_group",
            "quarter",
            label=tr("Осы тоқсандағы жұмыс", "Работа за этот квартал", "Work this quarter"),
        ),
        row(
            "integer",
            "drafts_reviewed",
            label=tr(
                "Осы тоқсанда кеңес нормативтік құқықтық актілердің қанша жобасын қарады?",
                "Сколько проектов нормативных правовых актов совет рассмотрел в этом квартале?",
                "How many draft legal acts did the council review this quarter?",
            ),
            required="yes",
            constraint=". >= 0",
            constraint_message=tr(
                "Сан теріс болмауы керек.",
                "Число не может быть отрицательным.",
                "The number cannot be negative.",
            ),
        ),
        row(
            "select_one accepted",
            "recommendations_accepted",
            label=tr(
                "Кеңестің ұсынымдары қабылданды ма?",
                "Были ли приняты рекомендации совета?",
                "Were the council's recommendations accepted?",
            ),
            required="yes",
            relevant="${drafts_reviewed} > 0",
        ),
        row(
            "text",
            "main_concern",
            label=tr(
                "Кеңесті ең алдымен не алаңдатады?",
                "Что больше всего беспокоит совет?",
                "What is the council's main concern?",
            ),
            hint=OPTIONAL,
            appearance="multiline",
        ),
        row("end_group"),
    ]
    choices = [
        *scale("rating5", LIKERT_RATING),
        *scale(
            "accepted",
            [
                ("yes", tr("Иә", "Да", "Yes")),
                ("partly", tr("Ішінара", "Частично", "Partly")),
                ("no", tr("Жоқ", "Нет", "No")),
            ],
        ),
    ]
    settings = {
        "form_id": "council_feedback",
        "form_title": tr(
            "Қоғамдық кеңестің мемлекеттік орган жұмысы туралы пікірі",
            "Отзыв общественного совета о работе государственного органа",
            "Public council feedback on a state body",
        ),
        "default_language": "ru",
        "version": "1",
    }
    return survey, choices, settings


BUILDERS = {
    "listening_state_citizen.xlsx": citizen_survey,
    "council_feedback.xlsx": council_feedback,
}


def build(directory: Path = DEMO_FORMS_DIR) -> list[Path]:
    """Write every demo form into ``directory`` and return the paths."""
    paths = []
    for filename, builder in BUILDERS.items():
        path = directory / filename
        write_workbook(path, *builder())
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEMO_FORMS_DIR
    for written in build(target):
        print(written)
