"""Small-cell suppression: the rule that decides which survey figures a non-analyst may see.

The rule (reasoning and proof in ``docs/small-cell-suppression.md``) works on fixed *blocks*:
the responses of one region in one calendar month. Every decision is taken per block, once,
whatever filter the viewer chose, and every published figure is a sum of released pieces of
blocks. Hence any difference of published figures is again a sum of released pieces, each
of which is 0 or at least ``k``: differencing cannot isolate fewer than ``k`` respondents.

1. A block with fewer than ``k`` responses is *not released*: it contributes to nothing.
2. In a released block, every *partition* of its respondents (the answers to one question
   including "no answer", or "chose / did not choose" one option of a multiple-choice
   question, or the response language) is protected on its own: categories with 1..k-1
   respondents are suppressed (primary), then the smallest other non-empty categories are
   suppressed too until the suppressed categories together hold at least ``k`` respondents
   and more respondents than categories (complementary), so neither their sum nor the
   "each at least one" bound pins any of them down.
3. What a filter shows is, per category, the sum over its released blocks where the category
   is released, and the *withheld* rest, which is a sum of suppressed masses (each 0 or >= k).

This module is pure (no Flask, no database) so that the same code serves the web pages, the
open-data API and the property-based tests that attack it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The threshold used when the application does not configure ``SUPPRESSION_THRESHOLD``.
DEFAULT_THRESHOLD = 10


def check_threshold(threshold: int) -> int:
    """A threshold below 2 would publish single respondents; refuse it loudly."""
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 2:
        raise ValueError(
            f"SUPPRESSION_THRESHOLD must be a whole number of at least 2, got {threshold!r}"
        )
    return threshold


def block_is_released(responses: int, threshold: int) -> bool:
    """A block (one region, one month) is published only if it holds at least k responses."""
    return responses >= threshold


def suppressed_categories(counts: Mapping[Hashable, int], threshold: int) -> frozenset[Hashable]:
    """Categories of one partition of a released block that must not be shown.

    ``counts`` maps every category of the partition, empty ones included, to its number of
    respondents (they add up to the block's total). Zero cells are shown, as they describe
    nobody, unless every respondent ends up hidden. Ties between equal counts are broken by
    the category's text so that the result never depends on dict order.
    """
    primary = {category for category, count in counts.items() if 0 < count < threshold}
    if not primary:
        return frozenset()
    suppressed = set(primary)
    mass = sum(counts[category] for category in suppressed)
    candidates = sorted(
        (category for category, count in counts.items() if count > 0 and category not in primary),
        key=lambda category: (counts[category], str(category)),
    )
    for category in candidates:
        if mass >= threshold and mass > len(suppressed):
            break
        suppressed.add(category)
        mass += counts[category]
    if len(suppressed) == sum(1 for count in counts.values() if count > 0):
        # Every respondent is hidden: hide the empty categories too, or the shown zeros
        # would tell which few categories the hidden respondents are spread over.
        return frozenset(counts)
    return frozenset(suppressed)


@dataclass
class Cell:
    """One published figure: a count, or None when it is suppressed.

    ``partial`` is set when the count leaves out blocks where this category was suppressed
    (their respondents are inside the table's ``withheld`` figure instead).
    """

    count: int | None
    suppressed: bool = False
    partial: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "suppressed": self.suppressed, "partial": self.partial}


@dataclass
class ProtectedPartition:
    """A partition summed over the blocks of a filter, after protection."""

    cells: dict[Hashable, Cell] = field(default_factory=dict)
    #: Respondents of released blocks whose category is not shown (sum of suppressed masses).
    withheld: int = 0
    #: Respondents of the released blocks (the table's total).
    total: int = 0


def protect_partition(
    blocks: Iterable[tuple[int, Mapping[Hashable, int]]],
    categories: Iterable[Hashable],
    threshold: int,
    *,
    protect: bool = True,
) -> ProtectedPartition:
    """Sum one partition over the blocks of a filter.

    ``blocks`` yields ``(block_total, counts)`` for every block in the filter; ``counts`` need
    not list empty categories, and any respondents of the block not in ``counts`` form an
    implicit remainder category (e.g. "no answer"). With ``protect=False`` (analysts) the
    exact sums are returned. ``categories`` fixes the cells shown, in order.
    """
    order = list(categories)
    released: dict[Hashable, int] = {category: 0 for category in order}
    touched: set[Hashable] = set()
    result = ProtectedPartition()
    for block_total, counts in blocks:
        if protect and not block_is_released(block_total, threshold):
            continue
        result.total += block_total
        if not protect:
            for category, count in counts.items():
                released[category] = released.get(category, 0) + count
            continue
        remainder = block_total - sum(counts.values())
        if remainder < 0:
            raise ValueError(
                f"a partition counts {sum(counts.values())} respondents in a block of {block_total}"
            )
        if all(count == 0 or count >= threshold for count in counts.values()) and (
            remainder == 0 or remainder >= threshold
        ):  # nothing small in this block: the common case, no need to build the partition
            for category, count in counts.items():
                released[category] = released.get(category, 0) + count
            continue
        complete: dict[Hashable, int] = {category: 0 for category in order}
        complete.update(counts)
        complete[_REMAINDER] = remainder
        hidden = suppressed_categories(complete, threshold)
        for category, count in complete.items():
            if category in hidden:
                touched.add(category)
                result.withheld += count
            elif category is not _REMAINDER:
                released[category] = released.get(category, 0) + count
    for category in order:
        count = released.get(category, 0)
        if category in touched:
            result.cells[category] = (
                Cell(count, partial=True) if count else Cell(None, suppressed=True)
            )
        else:
            result.cells[category] = Cell(count)
    return result


class _Remainder:
    """The implicit category of respondents a partition's counts leave out."""

    def __repr__(self) -> str:
        return "<remainder>"

    def __str__(self) -> str:
        return "\uffff"  # sorts after any real category when ties are broken by text


_REMAINDER = _Remainder()
