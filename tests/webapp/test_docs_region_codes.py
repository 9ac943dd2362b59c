"""The survey format's documentation states the region-code shape the code enforces."""

from __future__ import annotations

import re
from pathlib import Path

from webapp.regions.services import ISO_3166_2
from webapp.surveys.definition import _REGION_CODE

DOC = Path(__file__).resolve().parents[2] / "docs" / "surveys-xlsform.md"


def region_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("## Region questions", 1)[1].split("\n## ", 1)[0]


def test_the_region_code_shape_in_the_doc_is_the_one_enforced():
    section = region_section()
    # The registry's load and a survey's settings.region accept one shape.
    assert ISO_3166_2.pattern == _REGION_CODE.pattern
    shape = ISO_3166_2.pattern.strip("^$")
    assert f"`{shape}`" in section
    # Not a Kazakh-only or two-digit-only shape: other countries' codes are letters too.
    assert "3166-2:KZ" not in section and "XX-NN" not in section
    examples = re.findall(r"`([A-Za-z]{2}-?[A-Z0-9]{1,3})`", section)
    accepted = [code for code in examples if ISO_3166_2.match(code)]
    refused = [code for code in examples if not ISO_3166_2.match(code)]
    assert {"KZ-75", "KG-GB"} <= set(accepted)
    assert set(refused) == {"kz-75", "KZ75"}  # named in the doc as refused
