"""Three languages for the whole interface: every string translated, the choice remembered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from webapp.translation_sources import PACKAGE_ROOT, catalogue_directories, sources_for

TRANSLATED_LANGUAGES = ("kk", "ru")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def extracted_messages(catalogue: Path) -> dict[str, str]:
    """msgid -> where it was found, for every string the catalogue's sources mark."""
    found = {}
    for source in sources_for(catalogue):
        method = "python" if source.suffix == ".py" else "jinja2"
        options = {} if method == "python" else {"extensions": "jinja2.ext.i18n"}
        with open(source, "rb") as handle:
            for line, message, _comments, _context in extract(
                method, handle, keywords=KEYWORDS, options=options
            ):
                text = message if isinstance(message, str) else message[0]
                if text:
                    found.setdefault(text, f"{source.relative_to(PACKAGE_ROOT)}:{line}")
    return found


@pytest.mark.parametrize(
    "catalogue", catalogue_directories(), ids=lambda path: str(path.parent.name)
)
def test_every_marked_string_is_translated(catalogue: Path) -> None:
    messages = extracted_messages(catalogue)
    problems = []
    for language in TRANSLATED_LANGUAGES:
        po_file = catalogue / language / "LC_MESSAGES" / "messages.po"
        assert po_file.exists(), f"missing catalogue {po_file}"
        with open(po_file, "rb") as handle:
            catalog = read_po(handle, locale=language)
        for text, where in messages.items():
            entry = catalog.get(text)
            translation = entry.string if entry is not None else ""
            if isinstance(translation, tuple):
                translation = translation[0]
            if not translation or (entry is not None and entry.fuzzy):
                problems.append(f"{language}: {where}: {text!r} is not translated")
            elif set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(translation)):
                problems.append(f"{language}: {where}: placeholders differ in {translation!r}")
    assert problems == [], "\n".join(problems[:40])


def test_a_text_in_several_catalogues_is_translated_alike() -> None:
    """Babel merges the domains' catalogues into one, so where two translate the same English
    text differently, one wins silently on every page: the survey's "Next" button read
    "Следующая" (the pager's word) instead of "Далее". Texts meant differently need
    different msgids ("Number of answers" beside "Answers")."""
    problems = []
    for language in TRANSLATED_LANGUAGES:
        seen: dict[str, tuple[str, Path]] = {}
        for catalogue in catalogue_directories():
            with open(catalogue / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
                catalog = read_po(handle, locale=language)
            for entry in catalog:
                if not entry.id or not entry.string or entry.fuzzy:
                    continue
                text = entry.id if isinstance(entry.id, str) else entry.id[0]
                translation = entry.string if isinstance(entry.string, str) else entry.string[0]
                if text in seen and seen[text][0] != translation:
                    first, where = seen[text]
                    problems.append(
                        f"{language}: {text!r} is {first!r} in {where.parent.name} but "
                        f"{translation!r} in {catalogue.parent.name}"
                    )
                seen.setdefault(text, (translation, catalogue))
    assert problems == [], "\n".join(problems)


LETTERS = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
TAG = re.compile(r"<[^>]*>", re.DOTALL)
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")
RAW_BLOCKS = re.compile(r"<(script|style)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
PEOPLE_READ_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')


def untranslated_template_text(path: Path) -> list[str]:
    """Words a person would read that do not go through the translation layer."""

    def blank(match: re.Match[str]) -> str:  # keep line numbers
        return " " + "\n" * match.group(0).count("\n")

    source = RAW_BLOCKS.sub(blank, JINJA.sub(blank, path.read_text()))
    text_only = ENTITY.sub(" ", TAG.sub(blank, source))
    attributes = TAG.sub(
        blank, PEOPLE_READ_ATTRIBUTES.sub(lambda m: ">" + m.group(1) + "<", source)
    )
    problems = []
    for number, (line, attribute_line) in enumerate(
        zip(text_only.splitlines(), attributes.splitlines(), strict=False), start=1
    ):
        for text in {line, attribute_line}:
            for word in LETTERS.findall(text):
                problems.append(f"{path.relative_to(PACKAGE_ROOT)}:{number}: {word!r}")
    return problems


def test_templates_have_no_bare_text() -> None:
    problems = []
    for template in sorted(PACKAGE_ROOT.glob("**/templates/**/*.html")):
        problems.extend(untranslated_template_text(template))
    assert problems == [], "\n".join(problems[:40])


def test_language_follows_the_browser_then_the_choice(client) -> None:
    page = client.get("/", headers={"Accept-Language": "kk-KZ,kk;q=0.9"}).get_data(as_text=True)
    assert '<html lang="kk">' in page
    assert "Тыңдаушы мемлекет" in page
    response = client.post("/language", data={"language": "ru", "next": "/regions/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/regions/"
    assert "language=ru" in response.headers["Set-Cookie"]
    page = client.get("/", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Слышащее государство" in page


def test_language_cookie_is_remembered_by_a_new_session(app) -> None:
    first = app.test_client()
    first.post("/language", data={"language": "kk"})
    cookie = first.get_cookie("language")
    second = app.test_client()
    second.set_cookie("language", cookie.value)
    assert '<html lang="kk">' in second.get("/").get_data(as_text=True)


def test_unknown_language_is_ignored(client) -> None:
    client.post("/language", data={"language": "xx"})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
