"""From survey answers to risk indicators: shares and means per region and period.

An analyst maps a question to an indicator code, for example a 1-5 satisfaction question to
``survey_dissatisfied_services`` as the share answering 1 or 2. This module turns the result
tallies into observations of the forecasting data contract (``forecasting.contract``): one
row per region, period and indicator with ``value`` (percent 0-100 for shares), ``n`` (the
responses behind it), ``lower``/``upper`` (95% interval: Wilson for shares, Student t for
means) and ``source="survey"``.

Shares and means are of the respondents who **answered** the question, so a question that
only some survey versions held rests on the respondents of those versions by construction.
A share whose answer codes were not all offered by every version that held the question (a
choice added or removed by an edit) rests on the answerers of the versions that offered
every one of its codes (``Coverage`` of the question, answerers per version from the
snapshot's ``version_answers``): the others could not have given the answer, and counting
them would lower the share and inflate ``n``.

Optionally a national row is added, post-stratified by region population. With ``n_r``
respondents and population ``P_r`` in region r (``P`` and ``n`` the sums over regions with
both), each respondent of region r gets the weight ``w_r = (P_r / P) * (n / n_r)``, so that
regions count as their population does and the weights average 1. The national share is
``sum_r w_r * hits_r / n`` (a mean likewise), and its interval uses Kish's effective
sample size ``n_eff = (sum w)^2 / sum w^2`` in place of n: Wilson with ``n_eff`` trials
for shares, Student t with ``n_eff - 1`` degrees of freedom for means. The national row's
``n`` is ``n_eff``. Populations come from ``survey_region_populations``, loaded from a CSV
of ``region_code,population`` on the indicators page.

Only a period that has ended yields an observation. A month or quarter still under way (its
last day is today or later) has a *running figure* from the answers received so far: a
quarter sums the months it has had, and the index would score it as its last month, a month
that has not ended (or begun). Official statistics publish complete periods only, and so do
these indicators: ``split_running`` keeps running figures apart, for the analysts' eyes, and
the observations that feed scoring and forecasting hold ended periods only.

Several surveys may map one indicator (the 2025 and 2026 waves of a citizen survey are two
surveys): ``combine_series`` makes one series of them. In a period where surveys measuring
alike (same method, codes and offered answers) all have answers, their respondents are
pooled; a period where surveys measuring differently meet is given to the one with the most
respondents there. Pure: no
database, no app, no clock (``today`` is passed in; the refusals' texts are lazily
translated: the analyst's language on a page, English elsewhere).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import Any

import pandas as pd
from flask_babel import lazy_gettext as _l

from forecasting.contract import validate_observations
from webapp.surveys.results.figures import Coverage, TallySnapshot
from webapp.surveys.results.tally import ANSWERED, NO_REGION

METHODS = ("share", "mean")
#: Confidence level of every interval.
CONFIDENCE = 0.95


class MappingError(ValueError):
    """A mapping that cannot be computed: ``field`` is the form field at fault, ``message``
    says why (translated when shown). ``str()`` reads "field: message"."""

    def __init__(self, field: str, message: Any) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class IndicatorMapping:
    """How one indicator is computed from one question.

    ``share``: percentage of respondents who answered the question whose answer is one of
    ``codes`` (for a multiple-choice question: who chose the one code given). ``mean``: the
    average of a numeric answer.
    """

    indicator: str
    question: str
    method: str
    codes: tuple[str, ...] = ()

    def check(self, kind: str | None) -> None:
        """Refuse mappings whose method does not fit the question's kind."""
        if self.method not in METHODS:
            raise MappingError(
                "method",
                _l(
                    "'%(method)s' must be one of %(methods)s",
                    method=self.method,
                    methods=", ".join(METHODS),
                ),
            )
        if kind is None:
            raise MappingError(
                "question",
                _l("'%(question)s' is not a question of this survey", question=self.question),
            )
        if self.method == "share":
            if kind not in ("choice", "scale", "multiple"):
                raise MappingError(
                    "method",
                    _l(
                        "a share needs a choice question; '%(question)s' is not one",
                        question=self.question,
                    ),
                )
            if not self.codes:
                raise MappingError("codes", _l("name at least one answer code to count"))
            if kind == "multiple" and len(self.codes) != 1:
                raise MappingError(
                    "codes",
                    _l(
                        "for a multiple-choice question give exactly one code (respondents "
                        "may choose several, so shares of several codes overlap)"
                    ),
                )
        elif kind not in ("numeric", "scale"):
            raise MappingError(
                "method",
                _l(
                    "a mean needs a numeric question; '%(question)s' is not one",
                    question=self.question,
                ),
            )


#: The standard normal quantile of the intervals (1.959964 for 95%).
Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)


def wilson_interval(successes: float, n: float) -> tuple[float, float]:
    """95% Wilson score interval for a proportion, in percent (NaN when n is 0).

    The closed form, as statsmodels' ``proportion_confint(method="wilson")`` computes it:
    importing statsmodels (and SciPy with it) took ~1 s of a worker's first indicators
    page, and each call ~0.5 ms, for arithmetic.
    """
    if n <= 0:
        return math.nan, math.nan
    share = successes / n
    z2 = Z * Z
    denominator = 1 + z2 / n
    centre = (share + z2 / (2 * n)) / denominator
    half = Z * math.sqrt(max(share * (1 - share), 0.0) / n + z2 / (4 * n * n)) / denominator
    return 100.0 * min(max(centre - half, 0.0), 1.0), 100.0 * min(max(centre + half, 0.0), 1.0)


def t_interval(mean: float, sd: float, n: float) -> tuple[float, float]:
    """95% Student t interval for a mean (NaN when fewer than two responses)."""
    if n < 2:
        return math.nan, math.nan
    # scipy.special alone: a quarter of a second to import, where scipy.stats takes ~0.9 s
    # (and web workers that never compute a mean should not carry SciPy at all).
    from scipy.special import stdtrit

    half = float(stdtrit(n - 1, 0.5 + CONFIDENCE / 2)) * sd / math.sqrt(n)
    return mean - half, mean + half


def kish_effective_n(weights_and_counts: Iterable[tuple[float, int]]) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2 over respondents, given
    (weight, number of respondents with that weight) pairs."""
    total = squares = 0.0
    for weight, count in weights_and_counts:
        total += weight * count
        squares += weight * weight * count
    return total * total / squares if squares else 0.0


@dataclass
class Cell:
    """Sufficient statistics of one mapping in one region and period."""

    n: int = 0
    hits: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add(self, other: Cell) -> None:
        self.n += other.n
        self.hits += other.hits
        self.total += other.total
        self.squares += other.squares

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def sd(self) -> float:
        if self.n < 2:
            return 0.0
        variance = (self.squares - self.n * self.mean**2) / (self.n - 1)
        return math.sqrt(max(variance, 0.0))


def indicator_observations(
    snapshot: TallySnapshot,
    mappings: Iterable[IndicatorMapping],
    kinds: Mapping[str, str],
    *,
    frequencies: Mapping[str, str] | None = None,
    default_frequency: str = "M",
    minimum_n: int = 1,
    population: Mapping[str, float] | None = None,
    national_code: str | None = None,
    coverage: Mapping[str, Coverage] | None = None,
) -> pd.DataFrame:
    """Observations (data contract) for every mapping, region and period with responses.

    ``frequencies`` maps indicator codes to ``M``/``Q``/``Y`` (e.g. from the catalogue);
    others use ``default_frequency``. Months are the tally grain: a quarter sums its months.
    Rows resting on fewer than ``minimum_n`` responses are left out. With ``population``
    (region code -> people) and ``national_code``, a national row per period is added,
    post-stratified by population (regions without a population figure are left out of it).
    Responses without a region count only towards nothing: they cannot be placed.
    ``coverage`` (question -> the versions holding it and offering each choice, from
    ``figures.question_coverage``) restricts a share to the versions offering its codes;
    without it every version counts as offering every choice. Periods still under way are
    included: ``split_running`` sets them apart before anything feeds scoring.
    """
    mappings = list(mappings)
    for mapping in mappings:
        mapping.check(kinds.get(mapping.question))
    rows: list[dict[str, object]] = []
    for mapping in mappings:
        frequency = (frequencies or {}).get(mapping.indicator, default_frequency)
        cells = indicator_cells(
            snapshot, mapping, frequency, (coverage or {}).get(mapping.question)
        )
        rows += cell_rows(
            mapping, cells, minimum_n=minimum_n, population=population, national_code=national_code
        )
    return observations_frame(rows)


def indicator_cells(
    snapshot: TallySnapshot,
    mapping: IndicatorMapping,
    frequency: str,
    coverage: Coverage | None = None,
    *,
    block_minimum: int = 1,
) -> dict[tuple[str, pd.Period], Cell]:
    """One mapping's sufficient statistics per (region, period): what pooling adds up.

    With ``block_minimum`` (the suppression threshold, for values shown to non-analysts)
    a region-month block with fewer responses (``snapshot.blocks``) is left out, as the
    results pages leave it out of every figure: a quarter of 15 January answers and 3
    February ones would otherwise publish n = 18 beside a results page showing 15, and
    the difference would tell the three February respondents' number and answers.
    """
    cells: dict[tuple[str, pd.Period], Cell] = defaultdict(Cell)
    offering = offering_versions(mapping, coverage)
    by_version = snapshot.version_answers.get(mapping.question, {})
    blocks = snapshot.blocks if block_minimum > 1 else {}
    for (region, month), counts in snapshot.answers.get(mapping.question, {}).items():
        if region == NO_REGION:
            continue
        if block_minimum > 1 and blocks.get((region, month), 0) < block_minimum:
            continue
        period = pd.Period(month, freq="M").asfreq(frequency)
        cell = _block_cell(mapping, counts)
        if offering is not None and snapshot.version_answers:
            _restrict(cell, offering, by_version.get((region, month), {}))
        cells[(region, period)].add(cell)
    return dict(cells)


def cell_rows(
    mapping: IndicatorMapping,
    cells: Mapping[tuple[str, pd.Period], Cell],
    *,
    minimum_n: int = 1,
    population: Mapping[str, float] | None = None,
    national_code: str | None = None,
) -> list[dict[str, object]]:
    """Contract rows of one indicator from its cells (regional, then national)."""
    rows = []
    for (region, period), cell in sorted(
        cells.items(), key=lambda item: (item[0][0], item[0][1].start_time)
    ):
        if cell.n < max(minimum_n, 1):
            continue
        rows.append(_row(mapping, region, period, cell))
    if population is not None and national_code:
        rows += _national_rows(mapping, cells, population, national_code, minimum_n)
    return rows


def observations_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows as a validated contract frame (an empty frame keeps numeric columns)."""
    for row in rows:  # rounding can put an exact 0% or 100% a hair outside its interval
        if not math.isnan(row["lower"]):
            row["lower"] = min(row["lower"], row["value"])
            row["upper"] = max(row["upper"], row["value"])
    frame = pd.DataFrame(
        rows, columns=["region", "period", "indicator", "value", "source", "n", "lower", "upper"]
    )
    if frame.empty:
        return validate_observations(
            frame.astype({"value": float, "n": float, "lower": float, "upper": float})
        )
    return validate_observations(frame)


@dataclass(frozen=True)
class SurveySeries:
    """One survey's mapping of an indicator and its cells, to be combined with the others."""

    survey_id: int
    mapping: IndicatorMapping
    #: What the value measures (method, answer codes counted, the answers offered or the
    #: numeric range): series with equal signatures measure alike and are pooled.
    signature: tuple[Any, ...]
    cells: Mapping[tuple[str, pd.Period], Cell]


@dataclass(frozen=True)
class Overlap:
    """Several surveys feeding one indicator in the same periods, and what was done."""

    indicator: str
    survey_ids: tuple[int, ...]
    periods: tuple[pd.Period, ...]
    #: True: the surveys measure alike and their respondents were pooled. False: they
    #: measure differently and only ``kept`` (the surveys measuring alike with the most
    #: respondents in the period) gave the period's values.
    pooled: bool
    kept: tuple[int, ...] = ()


def combine_series(
    series: Iterable[SurveySeries],
) -> tuple[list[tuple[IndicatorMapping, dict[tuple[str, pd.Period], Cell]]], list[Overlap]]:
    """One set of cells per indicator from the surveys that map it, and the overlaps.

    Successive waves of a survey (separate surveys mapping one indicator) form one series.
    Where surveys measuring alike (equal ``signature``) have answers in the same period,
    their respondents are pooled: counts add up, so the value is the share (or mean) of
    all their answerers and ``n`` their number. Where surveys measuring differently meet in
    a period, one measurement gives the whole period (every region, so the national row
    stays one measurement): the one with the most respondents in the period, the newest
    survey on a tie; the others' values of that period are left out. Either way each
    (region, period, indicator) has one value, as the data contract requires.
    """
    by_indicator: dict[str, list[SurveySeries]] = defaultdict(list)
    for item in sorted(series, key=lambda item: item.survey_id):
        by_indicator[item.mapping.indicator].append(item)
    parts: list[tuple[IndicatorMapping, dict[tuple[str, pd.Period], Cell]]] = []
    overlaps: list[Overlap] = []
    for indicator, members in by_indicator.items():
        groups: dict[tuple[Any, ...], list[SurveySeries]] = defaultdict(list)
        for item in members:
            groups[item.signature].append(item)
        pooled_groups = []
        for group in groups.values():
            cells: dict[tuple[str, pd.Period], Cell] = defaultdict(Cell)
            contributors: dict[pd.Period, set[int]] = defaultdict(set)
            for item in group:
                for (region, period), cell in item.cells.items():
                    if cell.n > 0:
                        cells[(region, period)].add(cell)
                        contributors[period].add(item.survey_id)
            overlaps += _overlaps(indicator, contributors, pooled=True)
            pooled_groups.append((group, dict(cells)))
        if len(pooled_groups) > 1:
            _settle_conflicts(indicator, pooled_groups, overlaps)
        for group, cells in pooled_groups:
            if cells:
                parts.append((group[-1].mapping, cells))
    return parts, overlaps


def _settle_conflicts(
    indicator: str,
    groups: list[tuple[list[SurveySeries], dict[tuple[str, pd.Period], Cell]]],
    overlaps: list[Overlap],
) -> None:
    """Give each period measured differently by several groups to one group (in place)."""
    respondents: dict[pd.Period, dict[int, int]] = defaultdict(dict)
    for position, (_, cells) in enumerate(groups):
        for (_, period), cell in cells.items():
            totals = respondents[period]
            totals[position] = totals.get(position, 0) + cell.n
    settled: dict[tuple[tuple[int, ...], tuple[int, ...]], list[pd.Period]] = defaultdict(list)
    for period, totals in respondents.items():
        if len(totals) < 2:
            continue
        winner = max(totals, key=lambda pos: (totals[pos], groups[pos][0][-1].survey_id))
        for position in totals:
            if position != winner:
                cells = groups[position][1]
                for key in [key for key in cells if key[1] == period]:
                    del cells[key]
        surveys = tuple(
            sorted(item.survey_id for position in totals for item in groups[position][0])
        )
        kept = tuple(item.survey_id for item in groups[winner][0])
        settled[(surveys, kept)].append(period)
    for (surveys, kept), periods in settled.items():
        overlaps.append(
            Overlap(indicator, surveys, tuple(sorted(periods)), pooled=False, kept=kept)
        )


def _overlaps(
    indicator: str, contributors: Mapping[pd.Period, set[int]], *, pooled: bool
) -> list[Overlap]:
    by_surveys: dict[tuple[int, ...], list[pd.Period]] = defaultdict(list)
    for period, surveys in contributors.items():
        if len(surveys) > 1:
            by_surveys[tuple(sorted(surveys))].append(period)
    return [
        Overlap(indicator, surveys, tuple(sorted(periods)), pooled=pooled, kept=surveys)
        for surveys, periods in by_surveys.items()
    ]


def period_has_ended(period: pd.Period, today: date) -> bool:
    """Whether ``period`` is over on ``today`` (a day where the survey runs): its last day
    has passed. On its last day answers still arrive, so the period is not over yet."""
    return period.end_time.date() < today


def split_running(frame: pd.DataFrame, today: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(observations, running figures): the rows of ``frame`` whose period has ended by
    ``today``, and those whose period has not, which are not statistics yet and must not
    feed scoring or forecasting."""
    # A few distinct periods among many rows: ask each once (Period.end_time is slow).
    periods = frame["period"]
    verdicts = {period: period_has_ended(period, today) for period in periods.unique()}
    ended = periods.map(verdicts).astype(bool)
    return (
        frame[ended].reset_index(drop=True),
        frame[~ended].reset_index(drop=True),
    )


def offering_versions(
    mapping: IndicatorMapping, coverage: Coverage | None
) -> frozenset[int] | None:
    """The versions that offered every code of a share, when some versions holding the
    question did not; None when all of them did (or for a mean)."""
    if mapping.method != "share" or coverage is None:
        return None
    versions = set(coverage.asked)
    restricted = False
    for code in mapping.codes:
        holders = coverage.offered.get(code)
        if holders is not None:
            versions &= holders
            restricted = True
    return frozenset(versions) if restricted else None


def _restrict(cell: Cell, offering: frozenset[int], answered: Mapping[int, int]) -> None:
    """Base a block's share on the answerers of the versions that offered its codes.

    Answers of a code from a version said not to offer it (inconsistent data) would put the
    share above 100%: such a block keeps every answerer, as before versions were told apart.
    When no version offered all the codes together, the share rests on nobody.
    """
    if not offering:
        cell.n = cell.hits = 0
        return
    base = sum(count for version, count in answered.items() if version in offering)
    if cell.hits <= base:
        cell.n = base


def _block_cell(mapping: IndicatorMapping, counts: Mapping[str, int]) -> Cell:
    cell = Cell(n=counts.get(ANSWERED, 0))
    if mapping.method == "share":
        cell.hits = sum(counts.get(code, 0) for code in mapping.codes)
    else:
        for value, count in counts.items():
            if value != ANSWERED:
                number = float(value)
                cell.total += number * count
                cell.squares += number * number * count
    return cell


def _row(
    mapping: IndicatorMapping, region: str, period: pd.Period, cell: Cell
) -> dict[str, object]:
    if mapping.method == "share":
        value = 100.0 * cell.hits / cell.n
        lower, upper = wilson_interval(cell.hits, cell.n)
    else:
        value = cell.mean
        lower, upper = t_interval(cell.mean, cell.sd, cell.n)
    return {
        "region": region,
        "period": period,
        "indicator": mapping.indicator,
        "value": value,
        "source": "survey",
        "n": float(cell.n),
        "lower": lower,
        "upper": upper,
    }


def _national_rows(
    mapping: IndicatorMapping,
    cells: Mapping[tuple[str, pd.Period], Cell],
    population: Mapping[str, float],
    national_code: str,
    minimum_n: int,
) -> list[dict[str, object]]:
    """Post-stratified national values: region r's respondents weigh population_r / n_r."""
    by_period: dict[pd.Period, list[tuple[str, Cell]]] = defaultdict(list)
    for (region, period), cell in cells.items():
        if cell.n > 0 and population.get(region, 0) > 0:
            by_period[period].append((region, cell))
    rows = []
    for period in sorted(by_period, key=lambda p: p.start_time):
        members = by_period[period]
        n = sum(cell.n for _, cell in members)
        if n < max(minimum_n, 1):
            continue
        people = sum(population[region] for region, _ in members)
        # Weight per respondent, normalised to average 1 so that sums stay on the n scale.
        weights = [(population[region] / people * n / cell.n, cell) for region, cell in members]
        effective_n = kish_effective_n((weight, cell.n) for weight, cell in weights)
        if mapping.method == "share":
            share = sum(weight * cell.hits for weight, cell in weights) / n
            value = 100.0 * share
            lower, upper = wilson_interval(share * effective_n, effective_n)
        else:
            value = sum(weight * cell.total for weight, cell in weights) / n
            # Weighted variance of respondents around the weighted mean.
            spread = (
                sum(
                    weight * (cell.squares - 2 * value * cell.total + cell.n * value * value)
                    for weight, cell in weights
                )
                / n
            )
            sd = math.sqrt(max(spread, 0.0) * effective_n / max(effective_n - 1, 1))
            lower, upper = t_interval(value, sd, effective_n)
        rows.append(
            {
                "region": national_code,
                "period": period,
                "indicator": mapping.indicator,
                "value": value,
                "source": "survey",
                "n": effective_n,
                "lower": lower,
                "upper": upper,
            }
        )
    return rows
