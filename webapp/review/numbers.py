"""Numbers in the viewer's locale, fast enough for a table of a few hundred of them.

Babel's pattern engine costs about a tenth of a millisecond per number, which a dashboard of
twenty units with a dozen figures each turns into tens of milliseconds. Scores, changes and
probabilities only need a fixed number of decimals, so they are formatted by Python with the
locale's symbols (looked up once); anything else goes through Babel.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.numbers import (
    NumberPattern,
    format_percent,
    get_decimal_symbol,
    get_minus_sign_symbol,
    get_plus_sign_symbol,
    parse_pattern,
)

MISSING = "—"
#: Pattern -> (decimal places, always show the sign).
SIMPLE_PATTERNS = {
    "0": (0, False),
    "0.0": (1, False),
    "0.00": (2, False),
    "+0.0;-0.0": (1, True),
    "+0.00;-0.00": (2, True),
}


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


class NumberFormatter:
    """Formats numbers for one locale; ``None`` becomes a dash."""

    def __init__(self, locale: str) -> None:
        self.locale = Locale.parse(locale)
        self.decimal = get_decimal_symbol(self.locale)
        self.minus = get_minus_sign_symbol(self.locale)
        self.plus = get_plus_sign_symbol(self.locale)
        # "50%", "50 %" or "%50": where the locale puts the percent sign.
        self.percent_template = format_percent(0.5, locale=self.locale).replace("50", "{}")

    def _fixed(self, value: float, places: int, sign: bool) -> str:
        rounded = round(float(value), places)
        text = f"{abs(rounded):.{places}f}".replace(".", self.decimal)
        if rounded < 0:
            return self.minus + text
        return self.plus + text if sign else text

    def number(self, value: float | None, pattern: str = "0.0") -> str:
        if value is None:
            return MISSING
        simple = SIMPLE_PATTERNS.get(pattern)
        if simple is not None:
            return self._fixed(value, *simple)
        return _pattern(pattern).apply(value, self.locale)

    def signed(self, value: float | None, pattern: str = "+0.0;-0.0") -> str:
        return self.number(value, pattern)

    def percent(self, value: float | None) -> str:
        """A share (0-1) as a whole percentage."""
        if value is None:
            return MISSING
        return self.percent_template.format(self._fixed(value * 100, 0, False))
