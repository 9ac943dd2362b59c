"""Bar charts of the results pages: every answer's label is drawn whole inside the chart.

Drawn by headless Chromium (the labels' widths depend on the font); skipped where Chromium
is missing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.any_database,  # drawing only
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not found"),
]

#: Answers of the demo's citizen survey ("Which public services did you use in the last 12
#: months?") and long answers in Russian and English, as the page writes them.
LABELS = (
    "Халыққа қызмет көрсету орталығы (ХҚКО)",
    "eGov.kz электрондық үкімет порталы",
    "Тұрғын үй-коммуналдық қызметтер",
    "Ешқайсысын пайдаланған жоқпын",
    "Центр обслуживания населения (ЦОН)",
    "Жилищно-коммунальные услуги и ремонт",
    "Public service centre (PSC) in my district",
)

#: How far each label reaches left of the chart's own left edge, in CSS px.
OVERHANG = """() => {
  const svg = document.querySelector('svg.chart');
  const left = svg.getBoundingClientRect().left;
  return [...svg.querySelectorAll('text[text-anchor="end"]')].map(
    text => [text.textContent, left - text.getBoundingClientRect().left]);
}"""


def draw(html: str) -> list[list]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 800, "height": 600})
            page.set_content(html)
            return page.evaluate(OVERHANG)
        finally:
            browser.close()


def test_bar_labels_stay_inside_the_chart(app):
    """Labels of 34 characters were cut at the chart's left edge, on screen and on paper
    ("…ыққа қызмет көрсету орталығы (…", "Sov.kz", "ұрғын үй-…"): 220 px of room held
    about 30 of them. The full label is in the table beside the chart."""
    from flask import render_template_string

    from webapp.surveys.results import charts

    chart = charts.bar_chart([(label, 10.0, "10%") for label in LABELS], maximum=100)
    with app.test_request_context():
        html = render_template_string(
            '{% from "survey_results/charts.html" import bar_chart %}'
            '<body style="margin: 0 0 0 40px">{{ bar_chart(chart, "x") }}</body>',
            chart=chart,
        )
    with ThreadPoolExecutor(max_workers=1) as executor:
        overhang = executor.submit(draw, html).result()
    assert len(overhang) == len(LABELS)
    assert all(reach <= 0 for _, reach in overhang), overhang
