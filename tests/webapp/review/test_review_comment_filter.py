"""The analysts' comment list filters by today's units and those commented on, not by every
unit the registry has ever held."""

from __future__ import annotations

import re

from tests.webapp.review.conftest import PUBLISHED

#: Oblasts merged into others in 1997, kept in the registry for old statistics.
ABOLISHED_1997 = {"KZ-KOK", "KZ-SEM", "KZ-TAL", "KZ-TOR", "KZ-ZHE"}


def offered_units(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="region"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return [code for code in re.findall(r'<option[^>]*value="([^"]*)"', select.group(1)) if code]


def test_unit_filter_lists_todays_units_and_commented_ones(app, client_for, published, regions):
    analyst = client_for("analyst")
    offered = offered_units(analyst.get("/review/comments").get_data(as_text=True))
    current = [region.code for region in regions if region.valid_to is None]
    assert len(current) == 20
    assert offered == current
    assert not ABOLISHED_1997 & set(offered) and "KZ-YUZ" not in offered

    # A comment on an ended unit's score (South Kazakhstan in 2017) keeps it in the filter.
    from webapp.extensions import db
    from webapp.review.models import ScoreComment

    with app.app_context():
        db.session.add(
            ScoreComment(run_id=PUBLISHED, region_code="KZ-YUZ", period="2017", verdict="agree")
        )
        db.session.commit()
    page = analyst.get("/review/comments").get_data(as_text=True)
    assert "KZ-YUZ" in offered_units(page)
    assert not ABOLISHED_1997 & set(offered_units(page))
    filtered = analyst.get("/review/comments?region=KZ-YUZ").get_data(as_text=True)
    assert "Comments: 1" in filtered
