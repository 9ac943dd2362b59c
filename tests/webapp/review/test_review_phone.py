"""The review pages' selects on a 360 px phone: on the screen, and their chosen name readable.

A select shows its chosen option on one line and cuts what does not fit: the dashboard's
"Межэтническое и межконфессиональное согласие" read "Межэтническое и межконфессион" on a
phone, and a long unit name ("Солтүстік Қазақстан облысы") is close to the same edge. Drawn
by headless Chromium with the app's screen style sheets; skipped where Chromium is missing.
"""

from __future__ import annotations

import pytest

from tests.webapp.test_narrow_screens import CHROMIUM, PHONE_WIDTH, measure, with_inline_styles

pytestmark = [
    pytest.mark.browser,
    pytest.mark.any_database,  # page layout: the same on either database
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not found"),
]

#: Each select's right edge, and the height its chosen name needs at the width the select
#: leaves for text against the height it shows.
MEASURE = """() => [...document.querySelectorAll('select')].map(select => {
  const style = getComputedStyle(select);
  const side = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight)
    + parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth);
  const probe = document.createElement('div');
  probe.textContent = select.options[select.selectedIndex].text;
  probe.style.cssText = `position: absolute; visibility: hidden; white-space: normal;
    overflow-wrap: normal; font: ${style.font}; line-height: ${style.lineHeight};
    width: ${select.getBoundingClientRect().width - side}px`;
  document.body.append(probe);
  const needed = probe.getBoundingClientRect().height;
  probe.remove();
  const shown = select.clientHeight - parseFloat(style.paddingTop)
    - parseFloat(style.paddingBottom);
  return {id: select.id, text: probe.textContent, right: select.getBoundingClientRect().right,
          needed, shown};
})"""


def screen_page(client, path: str) -> str:
    """The page with its screen style sheets inlined, ready for ``set_content``."""
    return with_inline_styles(client, client.get(path).get_data(as_text=True))


def dashboard_in_each_language(client) -> dict[str, str]:
    pages = {}
    for language in ("kk", "ru", "en"):
        client.post("/language", data={"language": language})
        pages[language] = screen_page(client, "/review/")
    return pages


def test_selects_fit_a_phone_and_show_long_names_whole(client_for, published):
    council, analyst = client_for("council_member"), client_for("analyst")
    pages = {}
    for language in ("kk", "ru", "en"):
        for client in (council, analyst):
            client.post("/language", data={"language": language})
        pages[f"{language} dashboard"] = screen_page(council, "/review/?domain=interethnic_harmony")
        pages[f"{language} region"] = screen_page(council, "/review/regions/KZ-59")
        pages[f"{language} comments"] = screen_page(analyst, "/review/comments?region=KZ-59")
    measured = measure(pages, MEASURE)
    for name, selects in measured.items():
        assert selects, name
        for select in selects:
            assert select["right"] <= PHONE_WIDTH, (name, select)
            assert select["shown"] >= select["needed"] - 0.5, (name, select)


#: The freshness box's dates and periods: how many lines each takes.
FACT_LINES = """() => [...document.querySelectorAll('.facts dd')].map(dd => {
  const range = document.createRange();
  range.selectNodeContents(dd);
  return [dd.textContent.trim(), new Set([...range.getClientRects()].map(r => r.top)).size];
})"""


def test_freshness_dates_stay_on_one_line_on_a_phone(client_for, published):
    """The labels took the width: the run's date ran to three lines ("2024 ж. 1 / наурыз") and
    the demo's latest period broke after its dash ("2026-" / "12")."""
    pages = dashboard_in_each_language(client_for("council_member"))
    measured = measure(pages, FACT_LINES)
    for language, facts in measured.items():
        assert facts, language
        assert all(lines == 1 for _text, lines in facts), (language, facts)


#: Where the first row's unit name is after the scores table is scrolled to its end.
SCROLLED = """() => {
  const wrap = document.querySelector('table.scores').closest('.table-wrap');
  wrap.scrollLeft = wrap.scrollWidth;
  const name = document.querySelector('table.scores tbody th[scope=row]');
  const heading = document.querySelector('table.scores thead th');
  return {scrolled: wrap.scrollLeft, wrap: wrap.getBoundingClientRect().left,
          name: name.getBoundingClientRect().left, heading: heading.getBoundingClientRect().left};
}"""


def test_unit_names_stay_in_view_when_the_scores_table_scrolls(client_for, published):
    """Scrolled sideways to the forecasts on a phone, the table showed numbers without the
    units they belong to."""
    pages = dashboard_in_each_language(client_for("council_member"))
    measured = measure(pages, SCROLLED)
    for language, found in measured.items():
        assert found["scrolled"] > 100, (language, found)  # the table does scroll
        assert abs(found["name"] - found["wrap"]) <= 1, (language, found)
        assert abs(found["heading"] - found["wrap"]) <= 1, (language, found)
