"""The council dashboard: every unit on the tile map and in the sortable table."""

from __future__ import annotations


def test_dashboard_smoke(client_for, published):
    client = client_for("council_member")
    response = client.get("/review/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
