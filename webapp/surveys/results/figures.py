"""Survey figures built from tallies: counts, distributions and numeric summaries.

Pure functions over a :class:`TallySnapshot` (the counts of one survey per region and
month), a filter and the viewer's standing. Analysts get exact figures; everybody else gets
figures protected by :mod:`suppression`. The output is plain data (dicts, lists, numbers,
``None`` for a suppressed count) so that pages, the open-data API and tests share it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from webapp.surveys.definition import Question, SurveyDefinition, parse_range_parameters
from webapp.surveys.results.suppression import Cell, protect_partition, suppressed_categories
from webapp.surveys.results.tally import ANSWERED, KIND_BY_TYPE, number_key

Block = tuple[str, str]  # (region code, "YYYY-MM")
#: Distinct values of a numeric question listed as a distribution; above it, summary only.
MAX_NUMERIC_ROWS = 40
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class FilterError(ValueError):
    """A filter the results cannot be cut by; the message names the field."""


@dataclass(frozen=True)
class Filters:
    """What the viewer asked for: one region or all, and a range of whole months.

    Whole months and whole regions are the only grid the figures are cut by: suppression is
    decided on that grid, so no filter can split a protected block.
    """

    region: str | None = None
    month_from: str | None = None
    month_to: str | None = None

    def __post_init__(self) -> None:
        for name in ("month_from", "month_to"):
            value = getattr(self, name)
            if value is not None and not _MONTH.match(value):
                raise FilterError(f"{name}: {value!r} is not a month written as YYYY-MM")
        if self.month_from and self.month_to and self.month_from > self.month_to:
            raise FilterError(f"month_from {self.month_from} is after month_to {self.month_to}")

    def includes(self, block: Block) -> bool:
        region, month = block
        if self.region is not None and region != self.region:
            return False
        if self.month_from is not None and month < self.month_from:
            return False
        return not (self.month_to is not None and month > self.month_to)

    def as_dict(self) -> dict[str, str | None]:
        return {"region": self.region, "month_from": self.month_from, "month_to": self.month_to}


@dataclass
class TallySnapshot:
    """All counts of one survey, as read from the tally tables (or built in tests)."""

    #: (region, "YYYY-MM-DD" or "YYYY-MM") -> language -> responses. Days give analysts a
    #: series by day; months suffice for everything else.
    daily: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    #: (region, "YYYY-MM-DD") -> responses: the analysts' series by day, kept beside the
    #: monthly blocks so that a filter's series is summed in memory (empty in older tests).
    days: dict[tuple[str, str], int] = field(default_factory=dict)
    #: question -> (region, month) -> value -> respondents (``ANSWERED`` counts answerers).
    answers: dict[str, dict[Block, dict[str, int]]] = field(default_factory=dict)
    #: (region, month) -> survey version id -> responses. Empty in snapshots built without
    #: versions (older tests): then every respondent counts as asked every question.
    versions: dict[Block, dict[int, int]] = field(default_factory=dict)
    #: question -> (region, month) -> survey version id -> respondents who answered it: the
    #: base of an indicator's share of a choice only some versions offered. Empty in
    #: snapshots built without it (older tests): then answerers are not told apart by version.
    version_answers: dict[str, dict[Block, dict[int, int]]] = field(default_factory=dict)
    #: The id of the last response counted.
    watermark: int = 0
    #: Changes whenever the tallies change (cache key).
    generation: str = ""
    #: Which count of the survey this is (a rebuild starts another): snapshots of one count
    #: can be moved forward from one another by counting the responses in between.
    counting_since: str = ""

    def __post_init__(self) -> None:
        self._blocks: dict[Block, int] | None = None
        self._languages: dict[Block, dict[str, int]] | None = None
        self._groups: dict[tuple[Block, int | None], VersionGroups] = {}
        self._sizes: dict[tuple[frozenset[int] | None, int | None], dict[Block, int]] = {}

    def _derive(self) -> None:
        blocks: dict[Block, int] = defaultdict(int)
        languages: dict[Block, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (region, day), by_language in self.daily.items():
            block = (region, day[:7])
            for language, count in by_language.items():
                blocks[block] += count
                languages[block][language] += count
        self._blocks = dict(blocks)
        self._languages = {block: dict(counts) for block, counts in languages.items()}

    @property
    def blocks(self) -> dict[Block, int]:
        """(region, month) -> responses."""
        if self._blocks is None:
            self._derive()
        return self._blocks  # type: ignore[return-value]

    @property
    def block_languages(self) -> dict[Block, dict[str, int]]:
        if self._languages is None:
            self._derive()
        return self._languages  # type: ignore[return-value]

    def months(self) -> list[str]:
        return sorted({month for _, month in self.blocks})

    def version_groups(self, block: Block, threshold: int | None) -> VersionGroups:
        """The block's respondents by version, protected with ``threshold`` (None: exact).

        Decided once per block and threshold, like every suppression pattern.
        """
        key = (block, threshold)
        groups = self._groups.get(key)
        if groups is None:
            groups = version_groups(
                self.blocks.get(block, 0),
                self.versions.get(block) if self.versions else None,
                threshold,
            )
            self._groups[key] = groups
        return groups

    def group_sizes(
        self, version_ids: frozenset[int] | None, threshold: int | None
    ) -> dict[Block, int]:
        """Block -> respondents of those versions (``VersionGroups.size``), for every block;
        computed once per set of versions (most questions share one). Read, never change."""
        key = (version_ids, threshold)
        sizes = self._sizes.get(key)
        if sizes is None:
            if not self.versions or version_ids is None:
                sizes = self.blocks
            else:
                sizes = {}
                for block in self.blocks:
                    counts = self.versions.get(block, {})
                    if len(counts) == 1:  # the common case: hidden or not, it is counted whole
                        ((version, count),) = counts.items()
                        sizes[block] = count if version in version_ids else 0
                    else:
                        sizes[block] = self.version_groups(block, threshold).size(version_ids)
            self._sizes[key] = sizes
        return sizes

    def regions(self) -> list[str]:
        return sorted({region for region, _ in self.blocks})


@dataclass(frozen=True)
class Coverage:
    """The survey versions that put one question, and each of its choices, to respondents."""

    asked: frozenset[int]
    #: Choices offered by only some of the versions in ``asked`` (added or removed later).
    offered: Mapping[str, frozenset[int]] = field(default_factory=dict)


def question_coverage(versions: Iterable[tuple[int, SurveyDefinition]]) -> dict[str, Coverage]:
    """Question name -> the versions (ids) holding it and offering each of its choices."""
    asked: dict[str, set[int]] = defaultdict(set)
    offered: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    #: Versions whose region question offers every unit of the registry (no list of its own).
    registry: dict[str, set[int]] = defaultdict(set)
    for version_id, definition in versions:
        for question in definition.questions():
            if KIND_BY_TYPE.get(question.type) is None:
                continue
            asked[question.name].add(version_id)
            if question.type not in ("select_one", "select_multiple"):
                continue
            if question.region and question.choice_list not in definition.choice_lists:
                registry[question.name].add(version_id)
                continue
            for choice in definition.choices_for(question):
                offered[question.name][choice.name].add(version_id)
    return {
        name: Coverage(
            frozenset(ids),
            {
                code: frozenset(holders | registry[name])
                for code, holders in offered.get(name, {}).items()
                if holders | registry[name] != ids
            },
        )
        for name, ids in asked.items()
    }


@dataclass(frozen=True)
class VersionGroups:
    """The respondents of one block by survey version, as a viewer may count them.

    For protected figures the versions are a partition of the block like any other: a
    version with 1..k-1 respondents is hidden, with complementary versions until the hidden
    ones hold at least k (``suppression.suppressed_categories``). Hidden versions are only
    ever counted together (``lump``), so every group a figure rests on is a sum of whole
    released versions and perhaps the whole lump: 0 or at least k respondents.
    """

    released: Mapping[int, int]
    hidden: frozenset[int] = frozenset()
    #: Respondents of the hidden versions together (0, or at least k).
    lump: int = 0
    #: No versions were counted (a snapshot built without them): everybody was asked.
    unknown: bool = False

    def size(self, version_ids: frozenset[int] | None) -> int:
        """Respondents whose version is in ``version_ids`` (None: every version).

        The lump counts whole when any of its versions is among them: its respondents of
        the other versions then count as asked and not answering, as every respondent did
        before versions were told apart.
        """
        if self.unknown or version_ids is None:
            return sum(self.released.values()) + self.lump
        size = sum(count for version, count in self.released.items() if version in version_ids)
        if self.lump and not self.hidden.isdisjoint(version_ids):
            size += self.lump
        return size


def version_groups(
    total: int, versions: Mapping[int, int] | None, threshold: int | None
) -> VersionGroups:
    """A block's respondents by version; exact when ``threshold`` is None."""
    if versions is None:
        return VersionGroups({}, lump=total, unknown=True)
    counts = {version: count for version, count in versions.items() if count > 0}
    hidden = suppressed_categories(counts, threshold) if threshold is not None else frozenset()
    if not hidden:
        return VersionGroups(counts)
    return VersionGroups(
        {version: count for version, count in counts.items() if version not in hidden},
        frozenset(hidden),
        sum(counts[version] for version in hidden),
    )


def _cell(cell: Cell, total: int | None = None) -> dict[str, Any]:
    data = cell.as_dict()
    if total is not None:
        data["share"] = _percent(cell.count, total)
    return data


def _percent(count: int | None, total: int) -> float | None:
    if count is None or total <= 0:
        return None
    return round(100.0 * count / total, 1)


def _blocks_in(snapshot: TallySnapshot, filters: Filters) -> list[Block]:
    return sorted(block for block in snapshot.blocks if filters.includes(block))


def counts_summary(
    snapshot: TallySnapshot,
    filters: Filters,
    *,
    protect: bool,
    threshold: int,
    languages: Iterable[str] = ("kk", "ru", "en"),
    day_counts: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Responses in the filter, by region, month and language (and by day for analysts:
    ``day_counts`` for the filter, else the snapshot's daily keys)."""
    blocks = _blocks_in(snapshot, filters)
    totals = snapshot.blocks

    def grouped(key_index: int) -> list[dict[str, Any]]:
        """Responses per region (0) or month (1): sums of released blocks only."""
        rows = []
        for key in sorted({block[key_index] for block in blocks}):
            members = [totals[block] for block in blocks if block[key_index] == key]
            released = sum(total for total in members if not protect or total >= threshold)
            withheld = protect and any(total < threshold for total in members)
            cell = Cell(
                None if withheld and not released else released,
                suppressed=withheld and not released,
                partial=withheld and bool(released),
            )
            rows.append({"key": key, **cell.as_dict()})
        return rows

    released = [block for block in blocks if not protect or totals[block] >= threshold]
    total = sum(totals[block] for block in released)
    language_part = protect_partition(
        ((totals[block], snapshot.block_languages.get(block, {})) for block in blocks),
        list(languages),
        threshold,
        protect=protect,
    )
    summary: dict[str, Any] = {
        "filters": filters.as_dict(),
        "protected": protect,
        "threshold": threshold,
        "responses": total,
        "unreleased_blocks": protect and len(released) < len(blocks),
        "by_region": [{"region": row.pop("key"), **row} for row in grouped(0)],
        "by_month": [{"month": row.pop("key"), **row} for row in grouped(1)],
        "by_language": {
            "rows": [
                {"language": language, **_cell(cell, language_part.total)}
                for language, cell in language_part.cells.items()
            ],
            "withheld": language_part.withheld,
        },
        "by_day": None,
    }
    if not protect:
        by_day: dict[str, int] = defaultdict(int)
        if day_counts is not None:
            by_day.update(day_counts)
        else:
            for (region, day), by_language in snapshot.daily.items():
                if len(day) == 10 and filters.includes((region, day[:7])):
                    by_day[day] += sum(by_language.values())
        summary["by_day"] = [{"day": day, "count": by_day[day]} for day in sorted(by_day)]
    return summary


def question_figures(
    snapshot: TallySnapshot,
    definition: SurveyDefinition,
    question: Question,
    filters: Filters,
    *,
    protect: bool,
    threshold: int,
    language: str | None = None,
    value_labels: Mapping[str, str] | None = None,
    coverage: Coverage | None = None,
) -> dict[str, Any]:
    """The distribution of one question in a filter; ``value_labels`` names registry codes.

    Shares rest on the respondents who were asked the question (``asked``: those whose
    survey version held it; ``coverage`` None means every version did), and a choice
    offered by only some versions on the respondents of those versions (``offered``).
    ``total`` is every respondent of the filter; ``not_asked`` the difference.
    """
    kind = KIND_BY_TYPE.get(question.type)
    if kind is None:
        raise ValueError(f"question {question.name!r} of type {question.type} has no figures")
    blocks = _blocks_in(snapshot, filters)
    totals = snapshot.blocks
    if protect:
        blocks = [block for block in blocks if totals[block] >= threshold]
    tallies = snapshot.answers.get(question.name, {})
    asked_versions = coverage.asked if coverage is not None else None
    changed = dict(coverage.offered) if coverage is not None else {}
    level = threshold if protect else None
    # Shared with other questions: copied before a change.
    asked: Mapping[Block, int] = snapshot.group_sizes(asked_versions, level)
    offered: dict[str, Mapping[Block, int]] = {
        code: snapshot.group_sizes(versions, level) for code, versions in changed.items()
    }
    if asked is not totals:
        odd = [block for block in blocks if tallies.get(block, {}).get(ANSWERED, 0) > asked[block]]
        if odd:
            # Answers from a version said not to hold the question (inconsistent data):
            # count the whole block as asked, as before versions were told apart.
            asked = {**asked, **{block: totals[block] for block in odd}}
            offered = {
                code: {**sizes, **{block: totals[block] for block in odd}}
                for code, sizes in offered.items()
            }
    table_total = sum(totals[block] for block in blocks)
    if not protect:
        blocks, asked, tallies, offered = _summed_block(blocks, asked, tallies, offered)
    offered_totals = {
        code: sum(sizes[block] for block in blocks) for code, sizes in offered.items()
    }
    figures: dict[str, Any] = {
        "name": question.name,
        "type": question.type,
        "kind": kind,
        "label": definition.text(question.label, language),
        "protected": protect,
    }
    seen = sorted({value for block in blocks for value in tallies.get(block, {})} - {ANSWERED})
    labels = {
        choice.name: definition.text(choice.label, language)
        for choice in definition.choices_for(question)
    }
    labels.update(value_labels or {})
    # Categories the form defines are always listed; other values (old versions, dates)
    # only where the viewer may see them, so that a row never betrays a hidden answer.
    if kind == "scale":
        defined = _range_steps(question)
        order = sorted(set(defined) | set(seen), key=float)
    elif kind == "numeric":
        defined, order = [], sorted(seen, key=float)
    elif kind == "date":
        defined, order = [], seen
    else:
        defined = list(labels)
        order = defined + [value for value in seen if value not in labels]

    def share_of(category: Hashable, count: int | None, base: int) -> dict[str, Any]:
        """A row's share: of the respondents offered the choice when only some were."""
        if category in offered_totals:
            return {
                "share": _percent(count, offered_totals[category]),
                "offered": offered_totals[category],
            }
        return {"share": _percent(count, base)}

    if kind in ("choice", "scale", "numeric", "date"):
        categories: list[Hashable] = [*order, None]
        partition = protect_partition(
            (
                (asked[block], _with_no_answer(tallies.get(block, {}), asked[block]))
                for block in blocks
            ),
            categories,
            threshold,
            protect=protect,
        )
        answered = sum(
            cell.count or 0 for category, cell in partition.cells.items() if category is not None
        )
        rows = []
        for category, cell in partition.cells.items():
            if protect and category is not None and category not in defined and not cell.count:
                continue
            row = {
                "value": category,
                "label": labels.get(category, category) if category is not None else None,
                **cell.as_dict(),
                **share_of(category, cell.count, partition.total),
            }
            if not protect and category is not None:
                row["share_of_answers"] = (
                    None if category in offered_totals else _percent(cell.count, answered)
                )
            rows.append(row)
        figures.update(rows=rows, withheld=partition.withheld)
        if kind in ("scale", "numeric"):
            # From the shown answers only: exact values of a few respondents (through the
            # mean, quartiles or the smallest value) would otherwise leak past suppression.
            figures["summary"] = numeric_summary(_released_values(partition.cells))
        if kind == "numeric" and len(rows) > MAX_NUMERIC_ROWS:
            del figures["rows"]  # too many distinct values to list: the summary says it
        asked_total = partition.total
    elif kind == "multiple":
        answered_part = protect_partition(
            (
                (asked[block], {"answered": tallies.get(block, {}).get(ANSWERED, 0)})
                for block in blocks
            ),
            ["answered"],
            threshold,
            protect=protect,
        )
        rows = []
        for choice in order:
            bases = offered.get(choice, asked)
            part = protect_partition(
                (
                    (bases[block], {choice: tallies.get(block, {}).get(choice, 0)})
                    for block in blocks
                ),
                [choice],
                threshold,
                protect=protect,
            )
            cell = part.cells[choice]
            if protect and choice not in defined and not cell.count:
                continue
            row = {
                "value": choice,
                "label": labels.get(choice, choice),
                **cell.as_dict(),
                **share_of(choice, cell.count, part.total),
            }
            row["withheld"] = part.withheld
            rows.append(row)
        asked_total = answered_part.total
        figures.update(answered=_cell(answered_part.cells["answered"], asked_total), rows=rows)
    else:  # text: only how many answered
        answered_part = protect_partition(
            (
                (asked[block], {"answered": tallies.get(block, {}).get(ANSWERED, 0)})
                for block in blocks
            ),
            ["answered"],
            threshold,
            protect=protect,
        )
        asked_total = answered_part.total
        figures.update(
            answered=_cell(answered_part.cells["answered"], asked_total),
            withheld=answered_part.withheld,
        )
    figures.update(total=table_total, asked=asked_total, not_asked=table_total - asked_total)
    return figures


def _summed_block(
    blocks: list[Block],
    asked: Mapping[Block, int],
    tallies: Mapping[Block, Mapping[str, int]],
    offered: Mapping[str, Mapping[Block, int]],
) -> tuple[list[Block], dict[Block, int], dict[Block, dict[str, int]], dict[str, dict[Block, int]]]:
    """The filter's blocks as one block holding their sums, for exact (analysts') figures:
    the same sums as block by block, with one pass over the tallies instead of one per
    partition. Never for protected figures, which are decided block by block."""
    whole: Block = ("", "")
    sums: dict[str, int] = defaultdict(int)
    for block in blocks:
        for value, count in tallies.get(block, {}).items():
            sums[value] += count
    return (
        [whole],
        {whole: sum(asked[block] for block in blocks)},
        {whole: dict(sums)},
        {code: {whole: sum(sizes[block] for block in blocks)} for code, sizes in offered.items()},
    )


def _range_steps(question: Question) -> list[str]:
    """The values a range question offers, as tally keys (at most 1000 of them)."""
    try:
        start, end, step = parse_range_parameters(question.parameters)
    except ValueError:
        return []
    steps = []
    value = start
    while (value <= end if step > 0 else value >= end) and len(steps) < 1000:
        steps.append(number_key(value))
        value += step
    return [key for key in steps if key is not None]


def _with_no_answer(counts: Mapping[str, int], total: int) -> dict[Hashable, int]:
    values: dict[Hashable, int] = {
        value: count for value, count in counts.items() if value != ANSWERED
    }
    values[None] = total - counts.get(ANSWERED, 0)
    return values


def _released_values(cells: Mapping[Hashable, Cell]) -> dict[float, int]:
    return {
        float(category): cell.count
        for category, cell in cells.items()
        if category is not None and cell.count
    }


def numeric_summary(values: Mapping[float, int]) -> dict[str, float | int] | None:
    """n, mean, standard deviation, quartiles (linear interpolation) from value counts."""
    items = sorted((value, count) for value, count in values.items() if count > 0)
    n = sum(count for _, count in items)
    if n == 0:
        return None
    mean = sum(value * count for value, count in items) / n
    variance = (
        sum(count * (value - mean) ** 2 for value, count in items) / (n - 1) if n > 1 else 0.0
    )
    return {
        "n": n,
        "mean": round(mean, 2),
        "sd": round(variance**0.5, 2),
        "q1": round(_quantile(items, n, 0.25), 2),
        "median": round(_quantile(items, n, 0.5), 2),
        "q3": round(_quantile(items, n, 0.75), 2),
    }


def _quantile(items: list[tuple[float, int]], n: int, probability: float) -> float:
    """The type-7 quantile (NumPy's default) of the expanded sorted values."""
    position = (n - 1) * probability
    lower_index = int(position)
    fraction = position - lower_index
    lower = _value_at(items, lower_index)
    if fraction == 0:
        return lower
    upper = _value_at(items, lower_index + 1)
    return lower + fraction * (upper - lower)


def _value_at(items: list[tuple[float, int]], index: int) -> float:
    seen = 0
    for value, count in items:
        seen += count
        if index < seen:
            return value
    return items[-1][0]
