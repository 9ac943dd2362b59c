"""Choices for WTForms select fields, shared by every domain's forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def select_choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as ``SelectChoice``: WTForms 3.3 deprecates plain tuples."""
    return [SelectChoice(value, label) for value, label in pairs]
