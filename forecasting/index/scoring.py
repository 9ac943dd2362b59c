"""The social-risk index: normalise, aggregate, classify and explain (``docs/methodology.md``).

``RiskIndex`` follows the scikit-learn estimator contract: ``__init__`` stores parameters,
``fit`` learns each indicator's reference bounds from a fixed reference window, ``score``
turns observations into a ``ScoreResult``. The steps follow the INFORM Risk Index and the
OECD/JRC Handbook on Constructing Composite Indicators:

1. each indicator is capped at reference quantiles and rescaled to 0-10 (10 = most risk)
   against the fixed reference window, so later values are comparable with earlier ones;
2. indicators average (weighted, arithmetic) into domains;
3. domains combine by a weighted geometric mean, shifted by one so that a zero domain does
   not zero the index: ``score = exp(sum_d w_d * ln(1 + D_d)) - 1``;
4. the score falls into one of five classes with fixed bounds;
5. a reliability (0-10, 10 = every input present and recent) travels with each score, and
   every score is decomposed exactly into domain and indicator contributions.
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from forecasting.contract import (
    ContractError,
    valid_range,
    validate_catalogue,
    validate_observations,
)
from forecasting.geography import RegionResolver, ended_rows
from forecasting.index.classes import (
    CLASS_BOUNDS,
    CLASS_LABELS,
    RISK_CLASSES,
    check_bounds,
    classify,
)
from forecasting.periods import FREQUENCIES, PeriodError, frequency_of, parse_period

#: Ways to put an indicator on the 0-10 scale.
NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore", "rank")
#: Ways to average indicators into a domain or domains into the index.
AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")
#: A z-score of +-ZSCORE_SPAN maps to 10 and 0 under the "zscore" normalisation.
ZSCORE_SPAN = 3.0
#: Default age (months between the end of the observed period and the end of the scored
#: period) above which an input counts as stale, by the frequency it was published at.
DEFAULT_STALENESS_MONTHS: dict[str, int] = {"Y": 24, "Q": 6, "M": 3}
#: Share of an indicator's weight that a stale input still earns in the reliability.
STALE_CREDIT = 0.5
#: Percentile (0-10 scale) of the reference at and above which an input is flagged, as the
#: CDC Social Vulnerability Index flags values at or above the 90th percentile: one extreme
#: input stays visible even when averaging hides it.
FLAG_PERCENTILE = 9.0
#: Names the score table uses itself, so no domain may take them.
RESERVED_COLUMNS = frozenset(
    {"region", "period", "score", "risk_class", "reliability", "n_missing", "n_stale", "n_flags"}
)
_MAX_LISTED = 10


class RiskIndexError(ValueError):
    """A risk index that cannot be built or applied; ``problems`` lists every reason."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = "the risk index cannot be computed:\n" + "\n".join(
                f"- {problem}" for problem in self.problems
            )
        super().__init__(message)


# --- Preparing observations --------------------------------------------------------------


def _month_bounds(periods: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First and last month (as monthly ordinals) and the frequency code of each period."""
    frequency = periods.map(frequency_of).to_numpy(dtype=object)
    start = np.zeros(len(periods), dtype=np.int64)
    end = np.zeros(len(periods), dtype=np.int64)
    values = periods.to_numpy(dtype=object)
    for code in pd.unique(frequency):
        rows = frequency == code
        index = pd.PeriodIndex(list(values[rows]))
        start[rows] = index.asfreq("M", how="start").asi8
        end[rows] = index.asfreq("M", how="end").asi8
    return start, end, frequency


def _note(code: str, message: str, **params: Any) -> dict[str, Any]:
    """One warning of the index: a stable ``code`` and its ``params`` beside the English
    ``message`` (``ScoreResult.issues``), so a web page can word it in its own language."""
    return {"code": code, "params": params, "message": message}


def _prepare(
    observations: pd.DataFrame, catalogue: pd.DataFrame
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Validate observations against the contract and keep what the index can use.

    Values of indicators missing from the catalogue, and values outside the valid range of
    their unit (a negative share), are left out; each is reported in the returned warnings
    (``_note`` dicts).
    """
    if isinstance(observations, pd.DataFrame) and len(observations) == 0:
        raise RiskIndexError("the observations are empty: there is nothing to score")
    if isinstance(observations, pd.DataFrame):
        # Row labels from a concat may repeat; the contract reports rows by position.
        observations = observations.reset_index(drop=True)
    data = validate_observations(observations)
    warnings: list[dict[str, Any]] = []
    known = set(catalogue["code"])
    unknown = sorted(set(data["indicator"]) - known)
    if unknown:
        warnings.append(
            _note(
                "index.unknown_indicators",
                f"{len(unknown)} indicator(s) are not in the catalogue and were ignored: "
                + _listing(unknown),
                indicators=list(unknown),
            )
        )
        data = data[data["indicator"].isin(known)]
    if data.empty:
        raise RiskIndexError(
            "none of the observed indicators is in the catalogue "
            f"(observed: {_listing(unknown)}; catalogue: {_listing(sorted(known))})"
        )
    units = dict(zip(catalogue["code"], catalogue["unit"], strict=True))
    bad = np.zeros(len(data), dtype=bool)
    for code, rows in data.groupby("indicator", sort=True).groups.items():
        bounds = valid_range(units[code])
        if bounds is None:
            continue
        values = data.loc[rows, "value"]
        outside = (values < bounds[0]) | (values > bounds[1])
        if outside.any():
            examples = [
                f"{data.at[row, 'region']} {data.at[row, 'period']}: {data.at[row, 'value']:g}"
                for row in outside[outside].index[:_MAX_LISTED]
            ]
            warnings.append(
                _note(
                    "index.outside_range",
                    f"indicator {code} (unit {units[code]!r}): {int(outside.sum())} value(s) "
                    f"outside [{bounds[0]:g}, {bounds[1]:g}] were left out "
                    f"({'; '.join(examples)})",
                    indicator=str(code),
                    unit=str(units[code]),
                    count=int(outside.sum()),
                    low=float(bounds[0]),
                    high=float(bounds[1]),
                    examples=examples,
                )
            )
            bad[data.index.get_indexer(outside[outside].index)] = True
    data = data[~bad]
    if data.empty:
        raise RiskIndexError("every observed value is outside the valid range of its unit")
    start, end, frequency = _month_bounds(data["period"])
    prepared = pd.DataFrame(
        {
            "region": data["region"].to_numpy(dtype=object),
            "indicator": data["indicator"].to_numpy(dtype=object),
            "period": data["period"].to_numpy(dtype=object),
            "value": data["value"].to_numpy(dtype=float),
            "start_month": start,
            "end_month": end,
            "frequency": frequency,
        }
    )
    return prepared, warnings


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(map(str, items[:_MAX_LISTED]))
    return shown + (f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else "")


# --- Normalisation -----------------------------------------------------------------------


def normalise(
    values: np.ndarray,
    *,
    cap_low: float,
    cap_high: float,
    direction: int,
    method: str = "minmax",
    mean: float = math.nan,
    std: float = math.nan,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Put raw values on the 0-10 risk scale against an indicator's reference.

    Values are first capped to ``[cap_low, cap_high]`` (the reference quantiles), so a value
    outside the reference range scores 0 or 10. ``direction`` -1 flips the scale (higher
    value, less risk). An indicator without spread in its reference scores NaN (missing)
    for every value: the reference gives no way to tell high from low, and any fixed score
    would move the regions' scores and classes by a figure that measures nothing (5, the
    midpoint, is the lower bound of "high").
    """
    raw = np.asarray(values, dtype=float)
    if not cap_high - cap_low > 1e-12 * max(1.0, abs(cap_high)):
        return np.full(raw.shape, np.nan)
    capped = np.clip(raw, cap_low, cap_high)
    if method == "minmax":
        scaled = 10.0 * (capped - cap_low) / (cap_high - cap_low)
        return scaled if direction == 1 else 10.0 - scaled
    if method == "zscore":
        if not std > 0:
            return np.full(raw.shape, np.nan)
        z = direction * (capped - mean) / std
        return np.clip(5.0 + 5.0 * z / ZSCORE_SPAN, 0.0, 10.0)
    if method == "rank":
        if reference is None or len(reference) < 2:
            return np.full(raw.shape, np.nan)
        oriented = np.sort(direction * np.asarray(reference, dtype=float))
        below = np.searchsorted(oriented, direction * capped, side="left").astype(float)
        scaled = 10.0 * np.clip(below / (len(oriented) - 1), 0.0, 1.0)
        return np.where(np.isnan(raw), np.nan, scaled)
    raise RiskIndexError(
        f"normalisation must be one of {', '.join(NORMALISATIONS)}, got {method!r}"
    )


# --- Aggregation -------------------------------------------------------------------------


@dataclass
class Aggregation:
    """Every intermediate of one aggregation, row by row (a row is a region and period)."""

    score: np.ndarray  # (rows,) NaN where no domain has data
    domain_scores: np.ndarray  # (rows, domains) NaN where the domain has no data
    domain_weights: np.ndarray  # (rows, domains) effective weights, 0 where absent
    indicator_weights: np.ndarray  # (rows, indicators) weights within the domain, 0 if absent
    domain_contributions: np.ndarray  # (rows, domains), sums to score
    indicator_contributions: np.ndarray  # (rows, indicators), sums to score


def aggregate(
    scores: np.ndarray,
    available: np.ndarray,
    membership: np.ndarray,
    indicator_weights: np.ndarray,
    domain_weights: np.ndarray,
    domain_aggregation: str = "arithmetic",
    index_aggregation: str = "geometric",
) -> Aggregation:
    """Average indicator scores into domains and domains into the index, with contributions.

    ``scores`` (rows x indicators) are on 0-10; ``available`` marks usable ones;
    ``membership`` (indicators x domains) is 1 where an indicator belongs to a domain.
    Weights may be vectors or have one row per row of ``scores`` (uncertainty analysis).
    Missing indicators are skipped and the weights of the others rescaled within their
    domain; a domain without any data is skipped the same way at the index level.

    Geometric means are shifted by one, ``exp(sum w ln(1 + x)) - 1``: they stay on 0-10,
    punish an uneven profile like a geometric mean, and a zero does not zero the index.
    Contributions: arithmetic, ``w_d * D_d``; geometric, the score split in proportion to
    the log terms ``w_d ln(1 + D_d)``. Indicator contributions split their domain's in
    proportion to ``v_i x_i`` (or ``v_i ln(1 + x_i)``). Both sum exactly to the score.
    """
    for name, method in (("domain", domain_aggregation), ("index", index_aggregation)):
        if method not in AGGREGATIONS:
            raise RiskIndexError(
                f"{name} aggregation must be one of {', '.join(AGGREGATIONS)}, got {method!r}"
            )
    x = np.where(available, scores, 0.0)
    raw_weights = np.where(available, indicator_weights, 0.0)
    domain_totals = raw_weights @ membership
    present = domain_totals > 0
    per_indicator_total = domain_totals @ membership.T
    v = np.divide(
        raw_weights, per_indicator_total, out=np.zeros_like(raw_weights), where=raw_weights > 0
    )
    terms = v * x if domain_aggregation == "arithmetic" else v * np.log1p(x)
    domain_terms = terms @ membership
    domains = domain_terms if domain_aggregation == "arithmetic" else np.expm1(domain_terms)
    domains = np.where(present, domains, 0.0)

    w = np.where(present, domain_weights, 0.0)
    w_total = w.sum(axis=1, keepdims=True)
    w = np.divide(w, w_total, out=np.zeros_like(w), where=w_total > 0)
    if index_aggregation == "arithmetic":
        domain_contributions = w * domains
        score = domain_contributions.sum(axis=1)
    else:
        log_terms = w * np.log1p(domains)
        log_total = log_terms.sum(axis=1, keepdims=True)
        score = np.expm1(log_total[:, 0])
        domain_contributions = np.divide(
            score[:, None] * log_terms,
            log_total,
            out=np.zeros_like(log_terms),
            where=log_total > 0,
        )
    own_domain_terms = domain_terms @ membership.T
    shares = np.divide(
        terms, own_domain_terms, out=np.zeros_like(terms), where=own_domain_terms > 0
    )
    indicator_contributions = shares * (domain_contributions @ membership.T)
    scored = w_total[:, 0] > 0
    return Aggregation(
        score=np.where(scored, score, np.nan),
        domain_scores=np.where(present, domains, np.nan),
        domain_weights=w,
        indicator_weights=v,
        domain_contributions=domain_contributions,
        indicator_contributions=indicator_contributions,
    )


def _log_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Logarithmic mean (a - b) / (ln a - ln b), equal to a when a == b (a, b > 0)."""
    difference = np.log(a) - np.log(b)
    close = np.abs(difference) < 1e-12
    return np.where(close, a, np.divide(a - b, np.where(close, 1.0, difference)))


# --- The estimator -----------------------------------------------------------------------


class RiskIndex(BaseEstimator):
    """Composite social-risk index on a 0-10 scale (INFORM-style; see docs/methodology.md).

    Parameters
    ----------
    catalogue
        Indicator catalogue (data contract): code, names, unit, direction, domain, weight,
        frequency, source.
    reference_start, reference_end
        The fixed reference window (periods, any frequency) whose values set each indicator's
        bounds; ``None`` uses all data. Keep it fixed so that scores stay comparable in time.
    normalisation
        "minmax" (default), "zscore" (z of +-3 mapped to 0/10) or "rank" (percentile rank).
    outlier_quantiles
        Reference quantiles at which values are capped before rescaling; ``None`` disables.
    domain_weights
        Mapping domain code -> weight (> 0); ``None`` weighs the catalogue's domains equally.
    domain_aggregation, index_aggregation
        "arithmetic" or "geometric" (shifted by one), for indicators into domains and domains
        into the index.
    class_bounds
        Four increasing bounds of the five risk classes.
    staleness_limits
        Mapping of frequency ("Y", "Q", "M") or indicator code to the age in months above
        which an input is stale; unspecified ones use ``DEFAULT_STALENESS_MONTHS``.
    resolver
        The region list (``forecasting.geography.RegionResolver``) whose end dates leave a
        unit out of the periods after it ended (``geography.has_ended``): its last values
        would otherwise be carried forward as stale inputs. ``None`` uses the packaged
        Kazakhstan units; codes the list does not know are scored as they are.
    """

    def __init__(
        self,
        catalogue: pd.DataFrame,
        reference_start: str | pd.Period | None = None,
        reference_end: str | pd.Period | None = None,
        normalisation: str = "minmax",
        outlier_quantiles: tuple[float, float] | None = (0.025, 0.975),
        domain_weights: Mapping[str, float] | None = None,
        domain_aggregation: str = "arithmetic",
        index_aggregation: str = "geometric",
        class_bounds: Sequence[float] = CLASS_BOUNDS,
        staleness_limits: Mapping[str, int] | None = None,
        resolver: RegionResolver | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.reference_start = reference_start
        self.reference_end = reference_end
        self.normalisation = normalisation
        self.outlier_quantiles = outlier_quantiles
        self.domain_weights = domain_weights
        self.domain_aggregation = domain_aggregation
        self.index_aggregation = index_aggregation
        self.class_bounds = class_bounds
        self.staleness_limits = staleness_limits
        self.resolver = resolver

    def __repr__(self) -> str:
        # The default estimator repr would print the whole catalogue table.
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params(deep=False).items()
            if name != "catalogue" and not _same(value, defaults.get(name))
        ]
        size = len(self.catalogue) if hasattr(self.catalogue, "__len__") else "?"
        return f"RiskIndex(<{size} indicators>{''.join(', ' + item for item in changed)})"

    # -- fitting --

    def fit(self, observations: pd.DataFrame, y: None = None) -> RiskIndex:
        """Learn each indicator's reference bounds from the reference window; return self."""
        catalogue, domain_weights = self._checked_specification()
        data, warnings = _prepare(observations, catalogue)
        return self._fit_prepared(data, catalogue, domain_weights, warnings)

    def _checked_specification(self) -> tuple[pd.DataFrame, pd.Series]:
        problems: list[str] = []
        if self.normalisation not in NORMALISATIONS:
            problems.append(
                f"normalisation must be one of {', '.join(NORMALISATIONS)}, "
                f"got {self.normalisation!r}"
            )
        for name in ("domain_aggregation", "index_aggregation"):
            if getattr(self, name) not in AGGREGATIONS:
                problems.append(
                    f"{name} must be one of {', '.join(AGGREGATIONS)}, got {getattr(self, name)!r}"
                )
        if self.outlier_quantiles is not None:
            try:
                low, high = (float(q) for q in self.outlier_quantiles)
                if not 0.0 <= low < high <= 1.0:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(
                    "outlier_quantiles must be two quantiles 0 <= low < high <= 1 or None, "
                    f"got {self.outlier_quantiles!r}"
                )
        try:
            check_bounds(self.class_bounds)
        except ValueError as error:
            problems.append(str(error))
        if not isinstance(self.catalogue, pd.DataFrame):
            problems.append(f"catalogue must be a DataFrame, got {type(self.catalogue).__name__}")
        if problems:
            raise RiskIndexError(problems)

        known = None if self.domain_weights is None else list(self.domain_weights)
        catalogue = validate_catalogue(self.catalogue, known_domains=known)
        if catalogue.empty:
            raise RiskIndexError("the catalogue has no indicators")
        domains = list(dict.fromkeys(catalogue["domain"]))
        reserved = sorted(set(domains) & RESERVED_COLUMNS)
        if reserved:
            problems.append(
                f"domain code(s) {', '.join(reserved)} clash with score table columns; rename them"
            )
        if self.domain_weights is None:
            weights = pd.Series(1.0, index=domains)
        else:
            unused = [code for code in self.domain_weights if code not in domains]
            if unused:
                problems.append(
                    f"domain_weights names domain(s) without any indicator: {', '.join(unused)}"
                )
            weights = pd.Series({code: self.domain_weights[code] for code in domains}, dtype=object)
            for code, weight in weights.items():
                try:
                    value = float(weight)
                except (TypeError, ValueError):
                    value = math.nan
                if not (math.isfinite(value) and value > 0):
                    problems.append(
                        f"domain_weights[{code!r}] must be a number above 0, got {weight!r}"
                    )
            if not problems:
                weights = weights.astype(float)
        problems += self._staleness_problems(catalogue)
        if problems:
            raise RiskIndexError(problems)
        return catalogue, weights / weights.sum()

    def _staleness_problems(self, catalogue: pd.DataFrame) -> list[str]:
        if self.staleness_limits is None:
            return []
        problems = []
        codes = set(catalogue["code"])
        for key, months in self.staleness_limits.items():
            if key not in codes and key not in FREQUENCIES:
                problems.append(
                    f"staleness_limits key {key!r} is neither a frequency "
                    f"({', '.join(FREQUENCIES)}) nor an indicator of the catalogue"
                )
            if isinstance(months, bool) or not isinstance(months, int | float) or months < 0:
                problems.append(f"staleness_limits[{key!r}] must be a number of months >= 0")
        return problems

    def _window(self) -> tuple[int, int]:
        bounds = []
        for name, how, default in (
            ("reference_start", "start", -(2**62)),
            ("reference_end", "end", 2**62),
        ):
            value = getattr(self, name)
            if value is None:
                bounds.append(default)
                continue
            try:
                period = parse_period(value)
            except PeriodError as error:
                raise RiskIndexError(f"{name}: {error}") from None
            bounds.append(int(period.asfreq("M", how=how).ordinal))
        if bounds[0] > bounds[1]:
            raise RiskIndexError(
                f"reference_start {self.reference_start} is after reference_end {self.reference_end}"
            )
        return bounds[0], bounds[1]

    def _fit_prepared(
        self,
        data: pd.DataFrame,
        catalogue: pd.DataFrame,
        domain_weights: pd.Series,
        warnings: list[dict[str, Any]],
    ) -> RiskIndex:
        warnings = list(warnings) + _domain_warnings(list(domain_weights.index))
        first, last = self._window()
        in_window = (data["start_month"] >= first) & (data["end_month"] <= last)
        reference = data[in_window]
        quantiles = self.outlier_quantiles
        rows = []
        values_by_code: dict[str, np.ndarray] = {}
        without_data: list[str] = []
        for _, item in catalogue.iterrows():
            code = item["code"]
            subset = reference[reference["indicator"] == code]
            values = subset["value"].to_numpy(dtype=float)
            row = {
                "indicator": code,
                "domain": item["domain"],
                "direction": int(item["direction"]),
                "unit": item["unit"],
                "n_values": len(values),
                "first_period": None,
                "last_period": None,
                "cap_low": math.nan,
                "cap_high": math.nan,
                "mean": math.nan,
                "std": math.nan,
            }
            if len(values) == 0:
                without_data.append(code)
                rows.append(row)
                continue
            if quantiles is None:
                low, high = float(values.min()), float(values.max())
            else:
                low, high = (float(q) for q in np.quantile(values, [float(q) for q in quantiles]))
            capped = np.clip(values, low, high)
            order = subset["end_month"].to_numpy()
            row.update(
                first_period=str(subset["period"].iloc[int(np.argmin(order))]),
                last_period=str(subset["period"].iloc[int(np.argmax(order))]),
                cap_low=low,
                cap_high=high,
                mean=float(capped.mean()),
                std=float(capped.std()),
            )
            if not high - low > 1e-12 * max(1.0, abs(high)):
                warnings.append(
                    _note(
                        "index.constant",
                        f"indicator {code} does not vary in the reference window (all "
                        f"{low:g}): it cannot tell regions apart and counts as missing in "
                        "every score",
                        indicator=str(code),
                        value=low,
                    )
                )
            values_by_code[code] = np.sort(capped)
            rows.append(row)
        if without_data:
            warnings.append(
                _note(
                    "index.no_reference",
                    f"{len(without_data)} indicator(s) have no observations in the reference "
                    f"window and count as missing in every score: {_listing(without_data)}",
                    indicators=list(without_data),
                )
            )
        table = pd.DataFrame(rows).set_index("indicator")
        if table["n_values"].sum() == 0:
            raise RiskIndexError(
                "no catalogue indicator has observations in the reference window "
                f"{self.reference_start or 'start'} .. {self.reference_end or 'end'}"
            )
        within = catalogue.groupby("domain")["weight"].transform("sum")
        indicator_weights = pd.Series(
            (catalogue["weight"] / within).to_numpy(), index=catalogue["code"].to_numpy()
        )
        self.catalogue_ = catalogue.reset_index(drop=True)
        self.domains_ = list(domain_weights.index)
        self.domain_weights_ = domain_weights
        self.indicator_weights_ = indicator_weights
        self.nominal_weights_ = (
            indicator_weights * catalogue["domain"].map(domain_weights).to_numpy()
        )
        self.reference_ = table
        self.reference_values_ = values_by_code
        self.class_bounds_ = check_bounds(self.class_bounds)
        self.staleness_limits_ = {**DEFAULT_STALENESS_MONTHS, **dict(self.staleness_limits or {})}
        self.issues_ = warnings
        self.warnings_ = [item["message"] for item in warnings]
        return self

    # -- scoring --

    def score(
        self, observations: pd.DataFrame, periods: object | Iterable[object] | None = None
    ) -> ScoreResult:
        """Score every region at each period (default: every period at the finest frequency).

        For each indicator the latest observation whose period ends at or before the scored
        period's end is used; older than its staleness limit, it counts as stale.
        """
        check_is_fitted(self, "reference_")
        data, warnings = _prepare(observations, self.catalogue_)
        return self._score_prepared(data, periods, warnings)

    def _normalised_inputs(
        self, data: pd.DataFrame, periods: object | Iterable[object] | None = None
    ) -> _Inputs:
        """The as-of inputs and their 0-10 scores for each region and period."""
        check_is_fitted(self, "reference_")
        targets = _scoring_periods(data, periods)
        return self._inputs(data, targets)

    def _inputs(self, data: pd.DataFrame, targets: list[pd.Period]) -> _Inputs:
        codes = list(self.catalogue_["code"])
        regions = sorted(pd.unique(data["region"]))
        target_end = np.asarray(
            [period.asfreq("M", how="end").ordinal for period in targets], dtype=np.int64
        )
        n_rows, n_codes = len(regions) * len(targets), len(codes)
        values = np.full((n_rows, n_codes), np.nan)
        ages = np.full((n_rows, n_codes), -1, dtype=np.int64)
        limits = np.zeros((n_rows, n_codes))
        observed = np.full((n_rows, n_codes), None, dtype=object)
        region_index = {region: position for position, region in enumerate(regions)}
        code_index = {code: position for position, code in enumerate(codes)}
        # One pass over the data sorted by region, indicator and time; each (region,
        # indicator) series is a contiguous block searched for every target at once.
        region_of = data["region"].map(region_index).to_numpy(dtype=np.int64)
        code_of = data["indicator"].map(code_index).to_numpy(dtype=np.int64)
        all_ends = data["end_month"].to_numpy(dtype=np.int64)
        order = np.lexsort((all_ends, code_of, region_of))
        region_of, code_of, all_ends = region_of[order], code_of[order], all_ends[order]
        all_values = data["value"].to_numpy(dtype=float)[order]
        all_periods = data["period"].to_numpy(dtype=object)[order]
        all_limits = np.asarray(
            [self.staleness_limits_.get(code, math.inf) for code in codes], dtype=float
        )[code_of]
        by_frequency = data["frequency"].to_numpy(dtype=object)[order]
        for frequency, months in self.staleness_limits_.items():
            if frequency in FREQUENCIES:
                explicit = np.asarray([code in self.staleness_limits_ for code in codes])[code_of]
                all_limits = np.where((by_frequency == frequency) & ~explicit, months, all_limits)
        block_starts = np.flatnonzero(
            np.r_[True, (np.diff(region_of) != 0) | (np.diff(code_of) != 0)]
        )
        block_ends = np.r_[block_starts[1:], len(order)]
        n_targets = len(targets)
        for first, last in zip(block_starts, block_ends, strict=True):
            ends = all_ends[first:last]
            position = np.searchsorted(ends, target_end, side="right") - 1
            found = position >= 0
            picked = first + np.where(found, position, 0)
            rows = slice(region_of[first] * n_targets, (region_of[first] + 1) * n_targets)
            column = code_of[first]
            values[rows, column] = np.where(found, all_values[picked], np.nan)
            ages[rows, column] = np.where(found, target_end - all_ends[picked], -1)
            observed[rows, column] = np.where(found, all_periods[picked], None)
            limits[rows, column] = all_limits[picked]
        has_reference = self.reference_.loc[codes, "n_values"].to_numpy() > 0
        available = ~np.isnan(values) & has_reference[None, :]
        scores = np.full(values.shape, np.nan)
        percentiles = np.full(values.shape, np.nan)
        for column, code in enumerate(codes):
            if not has_reference[column]:
                continue
            reference = self.reference_.loc[code]
            for method, target in ((self.normalisation, scores), ("rank", percentiles)):
                target[:, column] = normalise(
                    values[:, column],
                    cap_low=reference["cap_low"],
                    cap_high=reference["cap_high"],
                    direction=int(reference["direction"]),
                    method=method,
                    mean=reference["mean"],
                    std=reference["std"],
                    reference=self.reference_values_.get(code),
                )
        # An indicator its reference cannot scale (constant) has no score: it is missing.
        available &= ~np.isnan(scores)
        stale = available & (ages > limits)
        flags = available & (np.nan_to_num(percentiles) >= FLAG_PERCENTILE)
        inputs = _Inputs(
            regions=np.repeat(np.asarray(regions, dtype=object), len(targets)),
            periods=np.tile(np.asarray(targets, dtype=object), len(regions)),
            codes=codes,
            values=values,
            observed=observed,
            ages=ages,
            available=available,
            stale=stale,
            scores=scores,
            flags=flags,
        )
        return self._without_ended(inputs)

    def _without_ended(self, inputs: _Inputs) -> _Inputs:
        """The rows of units that had ended by the period's last day left out, with a note
        each: South Kazakhstan (ended 2018-06-18) is not scored for 2018 or 2022 from its
        2017 values. Its values still count in the reference window."""
        flags, ended = ended_rows(inputs.regions, inputs.periods, self.resolver)
        if not ended:
            return inputs
        kept = inputs.subset(~np.asarray(flags, dtype=bool))
        kept.notes = [
            _note(
                "index.ended_unit",
                unit.message("scored period(s)")
                + "; its values still count in the reference window",
                **unit.params(),
            )
            for unit in ended
        ]
        return kept

    def _membership(self) -> np.ndarray:
        """Indicator x domain 0/1 matrix in catalogue and domain order."""
        domain_position = {code: position for position, code in enumerate(self.domains_)}
        matrix = np.zeros((len(self.catalogue_), len(self.domains_)))
        for row, domain in enumerate(self.catalogue_["domain"]):
            matrix[row, domain_position[domain]] = 1.0
        return matrix

    def _score_prepared(
        self,
        data: pd.DataFrame,
        periods: object | Iterable[object] | None,
        warnings: list[dict[str, Any]],
    ) -> ScoreResult:
        inputs = self._normalised_inputs(data, periods)
        membership = self._membership()
        parts = aggregate(
            inputs.scores,
            inputs.available,
            membership,
            self.indicator_weights_.to_numpy(),
            self.domain_weights_.to_numpy(),
            self.domain_aggregation,
            self.index_aggregation,
        )
        credit = np.where(inputs.available, np.where(inputs.stale, STALE_CREDIT, 1.0), 0.0)
        reliability = 10.0 * (credit * self.nominal_weights_.to_numpy()[None, :]).sum(axis=1)
        scored = ~np.isnan(parts.score)
        # fit and score read the same data when scoring the history: say each thing once.
        fitted = getattr(self, "issues_", None)  # an index pickled before issues existed
        if fitted is None:
            fitted = [_note("index.note", text) for text in self.warnings_]
        issues = list(
            {
                item["message"]: item
                for item in [*fitted, *warnings, *inputs.notes, *_unscored_notes(inputs, scored)]
            }.values()
        )
        if not scored.any():
            raise RiskIndexError(
                "no region has any usable indicator at or before the scored period(s) "
                + _listing([str(period) for period in pd.unique(inputs.periods)])
            )
        return ScoreResult(
            inputs=inputs.subset(scored),
            parts=_subset_aggregation(parts, scored),
            reliability=reliability[scored],
            domains=list(self.domains_),
            domain_of=np.asarray(self.catalogue_["domain"], dtype=object),
            membership=membership,
            class_bounds=self.class_bounds_,
            domain_aggregation=self.domain_aggregation,
            index_aggregation=self.index_aggregation,
            method=self._method(),
            reference=self.reference_.copy(),
            warnings=[item["message"] for item in issues],
            issues=issues,
        )

    def _method(self) -> dict[str, Any]:
        return {
            "normalisation": self.normalisation,
            "outlier_quantiles": None
            if self.outlier_quantiles is None
            else [float(q) for q in self.outlier_quantiles],
            "reference_start": None if self.reference_start is None else str(self.reference_start),
            "reference_end": None if self.reference_end is None else str(self.reference_end),
            "domain_aggregation": self.domain_aggregation,
            "index_aggregation": self.index_aggregation,
            "domain_weights": {code: float(w) for code, w in self.domain_weights_.items()},
            "indicator_weights": {code: float(w) for code, w in self.indicator_weights_.items()},
            "class_bounds": list(self.class_bounds_),
            "staleness_limits_months": {k: float(v) for k, v in self.staleness_limits_.items()},
            "stale_credit": STALE_CREDIT,
        }


def _same(value: object, default: object) -> bool:
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def _domain_warnings(domains: list[str]) -> list[dict[str, Any]]:
    """Flag a domain that looks like a misspelt default domain (it would become a sixth one)."""
    from forecasting.index.catalogue import default_domains

    defaults = list(default_domains()["code"])
    if not set(domains) & set(defaults):
        return []  # a framework of its own, nothing to compare with
    notes = []
    for domain in domains:
        if domain in defaults:
            continue
        close = difflib.get_close_matches(domain, defaults, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        notes.append(
            _note(
                "index.domain_unknown",
                f"domain {domain} is not one of the default domains{hint}; it is weighted as "
                "a domain of its own",
                domain=str(domain),
                suggestion=close[0] if close else None,
            )
        )
    return notes


def _scoring_periods(data: pd.DataFrame, periods: object | Iterable[object] | None) -> list:
    """The periods to score: given ones, or every period at the data's finest frequency."""
    if periods is None:
        finest = max(pd.unique(data["frequency"]), key=FREQUENCIES.index)
        first = pd.Period(ordinal=int(data["end_month"].min()), freq="M").asfreq(finest)
        last = pd.Period(ordinal=int(data["end_month"].max()), freq="M").asfreq(finest)
        return list(pd.period_range(first, last, freq=finest))
    if isinstance(periods, str | pd.Period) or not isinstance(periods, Iterable):
        periods = [periods]
    parsed = []
    for value in periods:
        try:
            period = parse_period(value)
        except PeriodError as error:
            raise RiskIndexError(f"period to score: {error}") from None
        if frequency_of(period) not in FREQUENCIES:
            raise RiskIndexError(
                f"period to score {value!r} is a day; give a month, quarter or year"
            )
        parsed.append(period)
    if not parsed:
        raise RiskIndexError("no period to score was given")
    unique = list(dict.fromkeys(parsed))
    return sorted(unique, key=lambda p: (p.asfreq("M", how="end").ordinal, p.start_time))


def _unscored_notes(inputs: _Inputs, scored: np.ndarray) -> list[dict[str, Any]]:
    notes = []
    for region in pd.unique(inputs.regions[~scored]):
        rows = (inputs.regions == region) & ~scored
        periods = [str(period) for period in inputs.periods[rows]]
        notes.append(
            _note(
                "index.unscored",
                f"{region}: not scored for {len(periods)} period(s) ({_listing(periods)}) "
                "because no indicator had data at or before them",
                region=str(region),
                periods=periods,
            )
        )
    return notes


@dataclass
class _Inputs:
    """As-of inputs of every (region, period) row and indicator."""

    regions: np.ndarray
    periods: np.ndarray
    codes: list[str]
    values: np.ndarray
    observed: np.ndarray
    ages: np.ndarray
    available: np.ndarray
    stale: np.ndarray
    scores: np.ndarray
    flags: np.ndarray  # input at or above the reference's 90th percentile of risk
    notes: list[dict[str, Any]] = field(default_factory=list)  # units left out after they ended

    def subset(self, rows: np.ndarray) -> _Inputs:
        return _Inputs(
            regions=self.regions[rows],
            periods=self.periods[rows],
            codes=self.codes,
            values=self.values[rows],
            observed=self.observed[rows],
            ages=self.ages[rows],
            available=self.available[rows],
            stale=self.stale[rows],
            scores=self.scores[rows],
            flags=self.flags[rows],
            notes=list(self.notes),
        )


def _subset_aggregation(parts: Aggregation, rows: np.ndarray) -> Aggregation:
    return Aggregation(**{name: getattr(parts, name)[rows] for name in parts.__dataclass_fields__})


# --- Results -----------------------------------------------------------------------------


def _period_series(periods: np.ndarray) -> pd.Series:
    """A ``period[...]`` column when all periods share a frequency (as in the contract)."""
    if len({period.freqstr for period in periods}) == 1:
        return pd.Series(pd.PeriodIndex(list(periods)))
    return pd.Series(list(periods), dtype=object)


def _json_number(value: float | None) -> float | None:
    """Full precision (so published contributions still sum to the score), None for NaN."""
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass
class ScoreResult:
    """Scores of every region and period with everything needed to explain them."""

    inputs: _Inputs
    parts: Aggregation
    reliability: np.ndarray
    domains: list[str]
    domain_of: np.ndarray
    membership: np.ndarray
    class_bounds: tuple[float, ...]
    domain_aggregation: str
    index_aggregation: str
    method: dict[str, Any]
    reference: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    #: The warnings as ``{"code", "params", "message"}`` dicts, in the same order.
    issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scores(self) -> np.ndarray:
        """The index values, one per row of ``to_frame()``."""
        return self.parts.score

    def to_frame(self) -> pd.DataFrame:
        """One row per region and period: score, class, reliability and domain scores."""
        inputs = self.inputs
        frame = pd.DataFrame(
            {
                "region": inputs.regions,
                "period": _period_series(inputs.periods),
                "score": self.parts.score,
                "risk_class": classify(self.parts.score, self.class_bounds),
                "reliability": self.reliability,
                "n_missing": (~inputs.available).sum(axis=1),
                "n_stale": inputs.stale.sum(axis=1),
                "n_flags": inputs.flags.sum(axis=1),
            }
        )
        for position, domain in enumerate(self.domains):
            frame[domain] = self.parts.domain_scores[:, position]
        return frame

    def decomposition(self) -> pd.DataFrame:
        """Long table of contributions: per row, domain rows and indicator rows.

        Within a region and period the ``contribution`` of the domain rows sums to the
        score, and so does the contribution of the indicator rows.
        """
        inputs, parts = self.inputs, self.parts
        n_rows = len(inputs.regions)
        n_domains, n_codes = len(self.domains), len(inputs.codes)
        # Periods stay pandas Periods (the data contract), as in ``to_frame()``.
        period_labels = np.asarray(list(inputs.periods), dtype=object)
        domain_frame = pd.DataFrame(
            {
                "region": np.repeat(inputs.regions, n_domains),
                "period": _period_series(np.repeat(period_labels, n_domains)),
                "level": "domain",
                "code": np.tile(np.asarray(self.domains, dtype=object), n_rows),
                "domain": np.tile(np.asarray(self.domains, dtype=object), n_rows),
                "value": np.nan,
                "observed_period": None,
                "age_months": np.nan,
                "stale": False,
                "flag": False,
                "normalised_value": parts.domain_scores.ravel(),
                "weight": parts.domain_weights.ravel(),
                "contribution": parts.domain_contributions.ravel(),
            }
        )
        observed = np.where(
            inputs.available,
            np.vectorize(lambda p: None if p is None else str(p), otypes=[object])(inputs.observed),
            None,
        )
        indicator_frame = pd.DataFrame(
            {
                "region": np.repeat(inputs.regions, n_codes),
                "period": _period_series(np.repeat(period_labels, n_codes)),
                "level": "indicator",
                "code": np.tile(np.asarray(inputs.codes, dtype=object), n_rows),
                "domain": np.tile(self.domain_of, n_rows),
                "value": np.where(inputs.available, inputs.values, np.nan).ravel(),
                "observed_period": observed.ravel(),
                "age_months": np.where(inputs.available, inputs.ages, np.nan).ravel(),
                "stale": inputs.stale.ravel(),
                "flag": inputs.flags.ravel(),
                "normalised_value": np.where(inputs.available, inputs.scores, np.nan).ravel(),
                "weight": parts.indicator_weights.ravel(),
                "contribution": parts.indicator_contributions.ravel(),
            }
        )
        return pd.concat([domain_frame, indicator_frame], ignore_index=True)

    def changes(self) -> pd.DataFrame:
        """What moved each score since the region's previous scored period.

        Log-mean Divisia (LMDI) attribution: the change of a geometric (shifted) index is
        ``L(1+G1, 1+G0) * sum_d [w_d1 (l_d1 - l_d0) + (w_d1 - w_d0) l_d0]`` with
        ``l_d = ln(1 + D_d)`` and ``L`` the logarithmic mean; each domain's part is split
        over its indicators by how much each one's weighted score changed. An indicator that
        did not move gets nothing (unless weights shifted because another went missing),
        and the contributions sum exactly to the change of the score.
        """
        inputs, parts = self.inputs, self.parts
        order = np.lexsort(
            (
                np.asarray([p.asfreq("M", how="end").ordinal for p in inputs.periods]),
                inputs.regions.astype(str),
            )
        )
        same_region = inputs.regions[order][1:] == inputs.regions[order][:-1]
        now, before = order[1:][same_region], order[:-1][same_region]
        membership = self.membership
        x1 = np.where(inputs.available[now], inputs.scores[now], 0.0)
        x0 = np.where(inputs.available[before], inputs.scores[before], 0.0)
        v1, v0 = parts.indicator_weights[now], parts.indicator_weights[before]
        d1 = np.nan_to_num(parts.domain_scores[now])
        d0 = np.nan_to_num(parts.domain_scores[before])
        w1, w0 = parts.domain_weights[now], parts.domain_weights[before]
        g1, g0 = parts.score[now], parts.score[before]
        if self.domain_aggregation == "arithmetic":
            terms1, terms0 = v1 * x1, v0 * x0
            level0 = d0
        else:
            terms1, terms0 = v1 * np.log1p(x1), v0 * np.log1p(x0)
            level0 = np.log1p(d0)
        own_level0 = level0 @ membership.T
        share0 = np.divide(terms0, own_level0, out=np.zeros_like(terms0), where=own_level0 > 0)
        w1_i, dw_i = w1 @ membership.T, (w1 - w0) @ membership.T
        if self.index_aggregation == "arithmetic":
            if self.domain_aggregation == "arithmetic":
                change_terms = terms1 - terms0
            else:
                change_terms = (_log_mean(1 + d1, 1 + d0) @ membership.T) * (terms1 - terms0)
            effects = w1_i * change_terms + dw_i * ((d0 @ membership.T) * share0)
        else:
            if self.domain_aggregation == "arithmetic":
                log_changes = (terms1 - terms0) / (_log_mean(1 + d1, 1 + d0) @ membership.T)
            else:
                log_changes = terms1 - terms0
            log_d0 = np.log1p(d0) @ membership.T
            effects = _log_mean(1 + g1, 1 + g0)[:, None] * (
                w1_i * log_changes + dw_i * log_d0 * share0
            )
        n_pairs, n_codes = effects.shape
        labels = np.asarray([str(period) for period in inputs.periods], dtype=object)
        indicator_frame = pd.DataFrame(
            {
                "region": np.repeat(inputs.regions[now], n_codes),
                "period": np.repeat(labels[now], n_codes),
                "previous_period": np.repeat(labels[before], n_codes),
                "score_change": np.repeat(g1 - g0, n_codes),
                "level": "indicator",
                "code": np.tile(np.asarray(inputs.codes, dtype=object), n_pairs),
                "domain": np.tile(self.domain_of, n_pairs),
                "previous_normalised_value": np.where(
                    inputs.available[before], inputs.scores[before], np.nan
                ).ravel(),
                "normalised_value": np.where(
                    inputs.available[now], inputs.scores[now], np.nan
                ).ravel(),
                "contribution": effects.ravel(),
            }
        )
        domain_effects = effects @ membership
        n_domains = len(self.domains)
        domain_frame = pd.DataFrame(
            {
                "region": np.repeat(inputs.regions[now], n_domains),
                "period": np.repeat(labels[now], n_domains),
                "previous_period": np.repeat(labels[before], n_domains),
                "score_change": np.repeat(g1 - g0, n_domains),
                "level": "domain",
                "code": np.tile(np.asarray(self.domains, dtype=object), n_pairs),
                "domain": np.tile(np.asarray(self.domains, dtype=object), n_pairs),
                "previous_normalised_value": parts.domain_scores[before].ravel(),
                "normalised_value": parts.domain_scores[now].ravel(),
                "contribution": domain_effects.ravel(),
            }
        )
        return pd.concat([domain_frame, indicator_frame], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """Everything in plain JSON types: method, reference, scores with their breakdown."""
        inputs, parts = self.inputs, self.parts
        classes = classify(parts.score, self.class_bounds)
        records = []
        for row in range(len(inputs.regions)):
            domains = [
                {
                    "code": code,
                    "score": _json_number(parts.domain_scores[row, position]),
                    "weight": _json_number(parts.domain_weights[row, position]),
                    "contribution": _json_number(parts.domain_contributions[row, position]),
                }
                for position, code in enumerate(self.domains)
            ]
            indicators = []
            for position, code in enumerate(inputs.codes):
                present = bool(inputs.available[row, position])
                indicators.append(
                    {
                        "code": code,
                        "domain": self.domain_of[position],
                        "value": _json_number(inputs.values[row, position]) if present else None,
                        "observed_period": str(inputs.observed[row, position]) if present else None,
                        "age_months": int(inputs.ages[row, position]) if present else None,
                        "stale": bool(inputs.stale[row, position]),
                        "missing": not present,
                        "flag": bool(inputs.flags[row, position]),
                        "normalised_value": _json_number(inputs.scores[row, position])
                        if present
                        else None,
                        "weight": _json_number(parts.indicator_weights[row, position]),
                        "contribution": _json_number(parts.indicator_contributions[row, position]),
                    }
                )
            records.append(
                {
                    "region": str(inputs.regions[row]),
                    "period": str(inputs.periods[row]),
                    "score": _json_number(parts.score[row]),
                    "risk_class": classes[row],
                    "risk_class_labels": CLASS_LABELS[classes[row]],
                    "reliability": _json_number(self.reliability[row]),
                    "flags": [
                        code
                        for position, code in enumerate(inputs.codes)
                        if inputs.flags[row, position]
                    ],
                    "domains": domains,
                    "indicators": indicators,
                }
            )
        reference = self.reference.reset_index()
        reference_records = [
            {
                key: (_json_number(value) if isinstance(value, float) else value)
                for key, value in record.items()
            }
            for record in reference.to_dict(orient="records")
        ]
        return {
            "method": self.method,
            "classes": {
                "codes": list(RISK_CLASSES),
                "bounds": list(self.class_bounds),
                "labels": CLASS_LABELS,
            },
            "reference": reference_records,
            "scores": records,
            "warnings": list(self.warnings),
        }

    def summary(self, period: object | None = None, top: int = 20) -> str:
        """A readable table of the latest (or given) period, highest risk first."""
        frame = self.to_frame()
        labels = frame["period"].astype(str)
        chosen = (
            str(parse_period(period))
            if period is not None
            else labels.iloc[
                int(np.argmax([p.asfreq("M", how="end").ordinal for p in frame["period"]]))
            ]
        )
        table = frame[labels == chosen].sort_values("score", ascending=False).head(top)
        lines = [
            "Social-risk index",
            f"  normalisation {self.method['normalisation']}, domains "
            f"{self.domain_aggregation} mean, index {self.index_aggregation} mean; "
            f"reference {self.method['reference_start'] or 'all'} .. "
            f"{self.method['reference_end'] or 'all'}",
            f"  {frame['region'].nunique()} region(s), {labels.nunique()} period(s); "
            f"showing {chosen}",
            "",
            f"  {'region':<12} {'score':>6}  {'class':<10} {'reliability':>11} {'flags':>5}  "
            "top domain",
        ]
        decomposition = self.decomposition()
        domains = decomposition[
            (decomposition["level"] == "domain") & (decomposition["period"] == chosen)
        ]
        for row in table.itertuples(index=False):
            own = domains[domains["region"] == row.region]
            leader = own.loc[own["contribution"].idxmax(), "code"] if len(own) else ""
            lines.append(
                f"  {row.region:<12} {row.score:6.2f}  {row.risk_class:<10} "
                f"{row.reliability:11.1f} {row.n_flags:5d}  {leader}"
            )
        counts = table["risk_class"].value_counts()
        lines += [
            "",
            "  classes: "
            + ", ".join(f"{code} {int(counts.get(code, 0))}" for code in RISK_CLASSES),
        ]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {warning}" for warning in self.warnings]
        return "\n".join(lines)


__all__ = [
    "AGGREGATIONS",
    "DEFAULT_STALENESS_MONTHS",
    "NORMALISATIONS",
    "ContractError",
    "RiskIndex",
    "RiskIndexError",
    "ScoreResult",
    "aggregate",
    "normalise",
]
