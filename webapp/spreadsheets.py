"""Cells for files people open in a spreadsheet (CSV and XLSX downloads).

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=HYPERLINK(...)``, DDE): text typed by one person would run on the
computer of everyone who opens the download. Every export writes such text with a leading
``'``, which the spreadsheet shows as text.
"""

from __future__ import annotations

from typing import Any

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Make text inert in a spreadsheet; leave numbers and empty cells alone."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
