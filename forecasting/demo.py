"""A synthetic but realistic regional panel for demonstrations, tests and benchmarks.

Real regional statistics are short, late and patchy; a demo still needs something that looks
and behaves like them, so that scoring and forecasting can be shown end to end and
forecasting methods can be benchmarked against a known signal. ``generate_panel`` builds
that panel, reproducibly from a seed:

* the 20 current first-level units of Kazakhstan (or any region codes you pass);
* monthly, quarterly and annual indicators of the default catalogue, each published at its
  own frequency (quarters and years only once complete);
* a slow trend, seasonality where it is real (unemployment peaks in late winter, complaints
  after the January utility bills, crime in summer), persistent regional differences (for
  example Turkistan, Mangystau and Shymkent have more young people not in work or education),
  a national business cycle and an inflation surge, one regional shock (Mangystau, 26 months
  before the end, fading with a 6-month half-life, moving complaints, dissatisfaction and
  trust most), and a common latent stress factor per region so that indicators move
  together;
* survey indicators carry the number of respondents ``n`` and a 95% Wilson interval
  (``lower``/``upper``), with the binomial sampling noise a real survey would have.

Shares live on a logit scale and rates on a log scale before they are turned back into
natural units, so shares stay in [0, 100] and rates stay positive. Every row's ``source`` is
``"synthetic demo data"``: the numbers are invented and must never be shown as statistics.

A region's series depend only on the seed, the window and the region code, so a subset of
regions reproduces the same numbers as the full panel.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from statsmodels.stats.proportion import proportion_confint

from forecasting.index.catalogue import default_catalogue
from forecasting.periods import parse_period

#: The ``source`` written on every synthetic row.
DEMO_SOURCE = "synthetic demo data"

#: Region code of the regional shock and how many months before the panel's end it starts.
SHOCK_REGION = "KZ-47"
SHOCK_MONTHS_BEFORE_END = 26
SHOCK_HALF_LIFE_MONTHS = 6.0


@dataclass(frozen=True)
class RegionProfile:
    """Persistent features of a region, in standard-deviation units of the latent scale."""

    #: Poverty and unemployment above (positive) or below the national level.
    deprivation: float = 0.0
    #: Extra youth inactivity and unemployment (young, fast-growing southern populations).
    youth: float = 0.0
    #: 1 for the three cities of republican significance: more complaints, crime, e-services.
    urban: float = 0.0
    #: Typical survey sample size of one wave in the region.
    survey_size: int = 600


# Invented profiles, loosely following the known regional pattern of Kazakhstan (the south
# poorer and younger, the capital and Almaty city better off, Atyrau richer from oil).
REGION_PROFILES: dict[str, RegionProfile] = {
    "KZ-10": RegionProfile(deprivation=0.4, youth=0.2),  # Abai
    "KZ-11": RegionProfile(deprivation=0.0, youth=-0.2),  # Akmola
    "KZ-15": RegionProfile(deprivation=0.0, youth=0.1),  # Aktobe
    "KZ-19": RegionProfile(deprivation=0.3, youth=0.3, survey_size=700),  # Almaty region
    "KZ-23": RegionProfile(deprivation=-0.7, youth=0.2),  # Atyrau
    "KZ-27": RegionProfile(deprivation=-0.1, youth=0.0),  # West Kazakhstan
    "KZ-31": RegionProfile(deprivation=0.9, youth=0.7),  # Jambyl
    "KZ-33": RegionProfile(deprivation=0.5, youth=0.3),  # Jetisu
    "KZ-35": RegionProfile(deprivation=-0.3, youth=-0.3, survey_size=700),  # Karaganda
    "KZ-39": RegionProfile(deprivation=-0.1, youth=-0.3),  # Kostanay
    "KZ-43": RegionProfile(deprivation=0.8, youth=0.6),  # Kyzylorda
    "KZ-47": RegionProfile(deprivation=0.5, youth=1.3),  # Mangystau
    "KZ-55": RegionProfile(deprivation=-0.4, youth=-0.4),  # Pavlodar
    "KZ-59": RegionProfile(deprivation=0.3, youth=-0.2, survey_size=450),  # North Kazakhstan
    "KZ-61": RegionProfile(deprivation=1.4, youth=1.5, survey_size=800),  # Turkistan
    "KZ-62": RegionProfile(deprivation=0.2, youth=0.0, survey_size=400),  # Ulytau
    "KZ-63": RegionProfile(deprivation=-0.1, youth=-0.3),  # East Kazakhstan
    "KZ-71": RegionProfile(deprivation=-1.2, youth=-0.6, urban=1.0, survey_size=1000),  # Astana
    "KZ-75": RegionProfile(deprivation=-1.0, youth=-0.4, urban=1.0, survey_size=1000),  # Almaty
    "KZ-79": RegionProfile(deprivation=0.8, youth=0.8, urban=1.0, survey_size=900),  # Shymkent
}


@dataclass(frozen=True)
class IndicatorSpec:
    """How one indicator is simulated, on its link scale (logit for shares, log for rates)."""

    code: str
    scale: str  # "logit" (share in %), "log" (positive rate) or "linear"
    base: float  # national level in natural units
    profile: dict[str, float] = field(default_factory=dict)  # coefficient per profile feature
    regional_sd: float = 0.1  # spread of unexplained but persistent regional levels
    trend: float = 0.0  # change per year
    season: float = 0.0  # amplitude of the seasonal cosine
    season_peak: int = 1  # calendar month of the seasonal peak
    loading: float = 0.0  # response to the region's latent stress factor
    inflation: float = 0.0  # response to national inflation above its base (per point)
    shock: float = 0.0  # response to the regional shock (which starts at 1 and fades)
    noise_sd: float = 0.02  # month-to-month idiosyncratic noise (AR(1), phi 0.6)
    observation_sd: float = 0.0  # measurement noise added at the published frequency
    survey: bool = False  # a share estimated from a survey of ``survey_size`` respondents
    decimals: int = 1


INFLATION_BASE = 8.5

# The latent processes (AR(1) persistence per month and marginal standard deviation).
CYCLE_PERSISTENCE, CYCLE_SD = 0.92, 1.0  # national business cycle
REGIONAL_STRESS_PERSISTENCE, REGIONAL_STRESS_SD = 0.85, 0.8  # a region's own stress
NOISE_PERSISTENCE = 0.6  # idiosyncratic noise of each indicator (sd: IndicatorSpec.noise_sd)
#: Share of the national cycle in every region's stress, and in the inflation gap.
CYCLE_IN_STRESS = 0.6
CYCLE_IN_INFLATION = 0.6

SPECS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        "unemployment_rate",
        "logit",
        4.8,
        {"deprivation": 0.08},
        regional_sd=0.04,
        trend=-0.01,
        season=0.03,
        season_peak=2,
        loading=0.04,
        noise_sd=0.012,
        shock=0.05,
    ),
    IndicatorSpec(
        "registered_unemployment",
        "logit",
        2.4,
        {"deprivation": 0.12},
        regional_sd=0.08,
        trend=-0.015,
        season=0.05,
        season_peak=2,
        loading=0.05,
        noise_sd=0.015,
        shock=0.08,
    ),
    IndicatorSpec(
        "poverty_share",
        "logit",
        5.2,
        {"deprivation": 0.35},
        regional_sd=0.1,
        trend=-0.03,
        loading=0.08,
        inflation=0.01,
        noise_sd=0.02,
        observation_sd=0.03,
    ),
    IndicatorSpec(
        "real_wage_growth",
        "linear",
        4.0,
        {"deprivation": -0.5},
        regional_sd=0.8,
        loading=-0.8,
        inflation=-0.45,
        noise_sd=0.5,
        observation_sd=0.5,
    ),
    IndicatorSpec(
        "inflation_yoy",
        "linear",
        INFLATION_BASE,
        {},
        regional_sd=0.6,
        loading=0.3,
        inflation=1.0,
        noise_sd=0.25,
    ),
    IndicatorSpec(
        "survey_economic_pessimism",
        "logit",
        28.0,
        {"deprivation": 0.15},
        regional_sd=0.15,
        loading=0.25,
        inflation=0.03,
        noise_sd=0.03,
        survey=True,
        shock=0.3,
    ),
    IndicatorSpec(
        "youth_neet_share",
        "logit",
        7.5,
        {"youth": 0.25, "deprivation": 0.1},
        regional_sd=0.08,
        trend=-0.02,
        season=0.02,
        season_peak=8,
        loading=0.08,
        noise_sd=0.02,
        observation_sd=0.03,
        shock=0.1,
    ),
    IndicatorSpec(
        "youth_unemployment_rate",
        "logit",
        3.8,
        {"youth": 0.2, "deprivation": 0.05},
        regional_sd=0.06,
        season=0.04,
        season_peak=2,
        loading=0.06,
        noise_sd=0.02,
        observation_sd=0.03,
        shock=0.15,
    ),
    IndicatorSpec(
        "complaints_per_10k",
        "log",
        12.0,
        {"urban": 0.25, "deprivation": 0.05},
        regional_sd=0.12,
        trend=0.05,
        season=0.08,
        season_peak=1,
        loading=0.12,
        noise_sd=0.05,
        decimals=2,
        shock=0.4,
    ),
    IndicatorSpec(
        "registered_crime_per_10k",
        "log",
        8.5,
        {"urban": 0.3},
        regional_sd=0.12,
        trend=-0.04,
        season=0.06,
        season_peak=7,
        loading=0.05,
        noise_sd=0.05,
        decimals=2,
        shock=0.1,
    ),
    IndicatorSpec(
        "survey_dissatisfied_services",
        "logit",
        24.0,
        {"urban": -0.1},
        regional_sd=0.15,
        trend=-0.03,
        loading=0.2,
        noise_sd=0.03,
        survey=True,
        shock=0.5,
    ),
    IndicatorSpec(
        "survey_trust_local_government",
        "logit",
        52.0,
        {"deprivation": -0.05},
        regional_sd=0.2,
        trend=0.02,
        loading=-0.2,
        noise_sd=0.03,
        survey=True,
        shock=-0.5,
    ),
    IndicatorSpec(
        "survey_information_access",
        "logit",
        58.0,
        {"urban": 0.2},
        regional_sd=0.15,
        trend=0.04,
        loading=-0.1,
        noise_sd=0.03,
        survey=True,
        shock=-0.2,
    ),
    IndicatorSpec(
        "survey_interethnic_tension",
        "logit",
        7.0,
        {},
        regional_sd=0.2,
        loading=0.12,
        noise_sd=0.03,
        survey=True,
        shock=0.3,
    ),
    IndicatorSpec(
        "survey_religious_tension",
        "logit",
        5.0,
        {},
        regional_sd=0.2,
        loading=0.1,
        noise_sd=0.03,
        survey=True,
        shock=0.1,
    ),
)


def generate_panel(
    seed: int = 2026,
    regions: Iterable[str] | None = None,
    months: int = 60,
    end: str | pd.Period = "2026-10",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build a synthetic observations panel and the catalogue that describes it.

    Parameters
    ----------
    seed
        Seeds every random draw; the same arguments always give the same panel.
    regions
        Region codes; by default the 20 current units of Kazakhstan. Codes without a
        built-in profile get a neutral one (only their random regional levels differ).
    months
        Length of the window in months, ending at ``end`` (inclusive).
    end
        The last month of the window (anything ``parse_period`` reads as a month).

    Returns
    -------
    (observations, catalogue)
        ``observations`` follows the data contract (columns ``region``, ``period``,
        ``indicator``, ``value``, ``source``, ``n``, ``lower``, ``upper``; periods of mixed
        frequency in an object column); ``catalogue`` is the packaged default catalogue.
    """
    observations, catalogue, _ = _generate(seed, regions, months, end, trace=None)
    return observations, catalogue


def _generate(
    seed: int,
    regions: Iterable[str] | None,
    months: int,
    end: str | pd.Period,
    trace: dict | None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The panel, its catalogue and the national paths; ``trace`` (a dict) receives each
    series' latent parts, for :func:`oracle_forecasts`."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(months, bool) or not isinstance(months, int | np.integer) or months < 1:
        raise ValueError(f"months must be a positive integer, got {months!r}")
    codes = _region_codes(regions)
    last_month = parse_period(end, "M")
    month_index = pd.period_range(end=last_month, periods=int(months), freq="M")
    catalogue = default_catalogue()
    frequencies = dict(zip(catalogue["code"], catalogue["frequency"], strict=True))

    national = _national_paths(int(seed), month_index)
    layouts = {frequency: _Layout.build(month_index, frequency) for frequency in ("Y", "Q", "M")}
    columns: dict[str, list] = {name: [] for name in _OUTPUT_COLUMNS}
    for code in codes:
        _simulate_region(
            int(seed), code, month_index, national, frequencies, layouts, columns, trace
        )
    observations = pd.DataFrame(
        {
            "region": pd.array(np.concatenate(columns["region"]), dtype=str),
            "period": pd.Series(
                [period for chunk in columns["period"] for period in chunk], dtype=object
            ),
            "indicator": pd.array(np.concatenate(columns["indicator"]), dtype=str),
            "value": np.concatenate(columns["value"]),
            "source": DEMO_SOURCE,
            "n": np.concatenate(columns["n"]),
            "lower": np.concatenate(columns["lower"]),
            "upper": np.concatenate(columns["upper"]),
        }
    )
    # The contract's order: indicator, region, then time.
    start_month = np.concatenate(columns["start_month"])
    order = np.lexsort(
        (start_month, observations["region"].to_numpy(), observations["indicator"].to_numpy())
    )
    observations = observations.iloc[order].reset_index(drop=True)
    national["month_index"] = month_index
    return observations, catalogue, national


def oracle_forecasts(
    targets: pd.DataFrame,
    seed: int = 2026,
    regions: Iterable[str] | None = None,
    months: int = 60,
    end: str | pd.Period = "2026-10",
) -> np.ndarray:
    """What someone who knows the generator would forecast: an attainable-accuracy yardstick.

    For each row of ``targets`` (columns ``region``, ``indicator``, ``cutoff``, ``period``,
    as in a backtest's records), the expected value of ``period`` given every latent state
    of the panel built by ``generate_panel(seed, regions, months, end)`` at the last month
    of ``cutoff``: the region's level, trend and season, the national cycle, the region's
    own stress and each indicator's noise (each AR(1) decays by its persistence), the
    inflation surge (a fixed function of the calendar) and the regional shock once it has
    started. Only the random draws after the cut-off are unknown to it (and the survey and
    measurement noise of the target itself). No model can do this (the latent states are
    never observed), so its error is close to the least a forecast can have on this panel:
    a target a real model cannot be expected to beat by much. The mean is taken on the link
    scale and transformed back, which ignores a small Jensen term.
    """
    trace: dict = {}
    _, _, national = _generate(seed, regions, months, end, trace)
    month_index = national["month_index"]
    position = {period: number for number, period in enumerate(month_index)}
    cycle, surge = national["cycle"], national["surge"]
    result = np.full(len(targets), np.nan)
    columns = zip(
        targets["region"], targets["indicator"], targets["cutoff"], targets["period"], strict=True
    )
    for row, (region, indicator, cutoff, period) in enumerate(columns):
        parts = trace.get((str(region), str(indicator)))
        cut = position.get(cutoff.asfreq("M", how="end"))
        first = position.get(period.asfreq("M", how="start"))
        last = position.get(period.asfreq("M", how="end"))
        if parts is None or cut is None or first is None or last is None or first <= cut:
            continue
        spec: IndicatorSpec = parts["spec"]
        target = np.arange(first, last + 1)
        ahead = target - cut
        cycle_ahead = CYCLE_PERSISTENCE**ahead * cycle[cut]
        shock = parts["shock"][target] if parts["shock"][cut] > 0 else 0.0
        link = (
            parts["calendar"][target]
            + spec.loading
            * (
                CYCLE_IN_STRESS * cycle_ahead
                + REGIONAL_STRESS_PERSISTENCE**ahead * parts["own_stress"][cut]
            )
            + spec.inflation * (surge[target] + CYCLE_IN_INFLATION * cycle_ahead)
            + spec.shock * shock
            + NOISE_PERSISTENCE**ahead * parts["noise"][cut]
        )
        result[row] = float(_from_link(spec.scale, np.array([link.mean()]))[0])
    return result


def _region_codes(regions: Iterable[str] | None) -> list[str]:
    if regions is None:
        return list(REGION_PROFILES)
    if isinstance(regions, str):
        raise ValueError("regions must be a list of region codes, not a single string")
    codes = [str(code).strip() for code in regions]
    if not codes:
        raise ValueError("regions is empty: give at least one region code")
    blank = [position for position, code in enumerate(codes) if not code]
    if blank:
        raise ValueError(f"regions has empty codes at position(s) {blank}")
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise ValueError(f"regions repeats {', '.join(repeated)}")
    return codes


def _ar1(rng: np.random.Generator, length: int, phi: float, sd: float) -> np.ndarray:
    """A stationary AR(1) path with marginal standard deviation ``sd``."""
    innovations = rng.normal(0.0, sd * np.sqrt(1.0 - phi**2), size=length)
    path = np.empty(length)
    path[0] = rng.normal(0.0, sd)
    for step in range(1, length):
        path[step] = phi * path[step - 1] + innovations[step]
    return path


def _national_paths(seed: int, month_index: pd.PeriodIndex) -> dict[str, np.ndarray]:
    """The business cycle and the inflation surge that every region shares."""
    rng = np.random.default_rng([seed, 0])
    length = len(month_index)
    cycle = _ar1(rng, length, phi=CYCLE_PERSISTENCE, sd=CYCLE_SD)
    # Months since 2020-01 place the inflation surge on the calendar, not on the window.
    calendar_month = np.asarray(month_index.asi8, dtype=float) - pd.Period("2020-01", "M").ordinal
    surge = 9.0 * np.exp(-0.5 * ((calendar_month - 37.0) / 7.0) ** 2)  # peaks 2023-02
    inflation_gap = surge + CYCLE_IN_INFLATION * cycle  # points above INFLATION_BASE
    return {"cycle": cycle, "inflation_gap": inflation_gap, "surge": surge}


def _region_rng(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng([seed, 1, zlib.crc32(code.encode("utf-8"))])


_OUTPUT_COLUMNS = ("region", "period", "indicator", "value", "n", "lower", "upper", "start_month")


@dataclass(frozen=True)
class _Layout:
    """Which months make up each published period of one frequency (complete periods only)."""

    periods: list[pd.Period]
    group: np.ndarray  # for each month, the position of its period (-1: period incomplete)
    start_month: np.ndarray  # month ordinal where each published period starts

    @classmethod
    def build(cls, month_index: pd.PeriodIndex, frequency: str) -> _Layout:
        if frequency == "M":
            positions = np.arange(len(month_index))
            return cls(list(month_index), positions, np.asarray(month_index.asi8))
        coarse = month_index.asfreq(frequency)
        months_in = 12 if frequency == "Y" else 3
        unique, inverse, counts = np.unique(coarse.asi8, return_inverse=True, return_counts=True)
        complete = counts == months_in
        renumber = np.where(complete, np.cumsum(complete) - 1, -1)
        periods = [pd.Period(ordinal=int(o), freq=frequency) for o in unique[complete]]
        starts = np.asarray([period.asfreq("M", how="start").ordinal for period in periods])
        return cls(periods, renumber[inverse], starts.astype(np.int64))

    def aggregate(self, monthly: np.ndarray) -> np.ndarray:
        """Average the months of each complete period."""
        used = self.group >= 0
        sums = np.bincount(self.group[used], weights=monthly[used], minlength=len(self.periods))
        counts = np.bincount(self.group[used], minlength=len(self.periods))
        return sums / np.maximum(counts, 1)


def _simulate_region(
    seed: int,
    code: str,
    month_index: pd.PeriodIndex,
    national: dict[str, np.ndarray],
    frequencies: dict[str, str],
    layouts: dict[str, _Layout],
    columns: dict[str, list],
    trace: dict | None = None,
) -> None:
    rng = _region_rng(seed, code)
    profile = REGION_PROFILES.get(code, RegionProfile())
    length = len(month_index)
    steps = np.arange(length, dtype=float)
    shock = np.zeros(length)
    if code == SHOCK_REGION:
        after = steps - (length - SHOCK_MONTHS_BEFORE_END)
        decay = np.log(2.0) / SHOCK_HALF_LIFE_MONTHS
        shock = np.where(after >= 0, np.exp(-decay * np.maximum(after, 0)), 0.0)
    own_stress = _ar1(rng, length, phi=REGIONAL_STRESS_PERSISTENCE, sd=REGIONAL_STRESS_SD)
    stress = CYCLE_IN_STRESS * national["cycle"] + own_stress
    calendar_months = ((np.asarray(month_index.asi8) % 12) + 1).astype(float)

    for spec in SPECS:
        if spec.code not in frequencies:
            continue
        level = _to_link(spec.scale, spec.base)
        level += sum(getattr(profile, name) * coef for name, coef in spec.profile.items())
        level += rng.normal(0.0, spec.regional_sd)
        calendar = (
            level
            + spec.trend * steps / 12.0
            + spec.season * np.cos(2 * np.pi * (calendar_months - spec.season_peak) / 12.0)
        )
        noise = _ar1(rng, length, phi=NOISE_PERSISTENCE, sd=spec.noise_sd)
        link = (
            calendar
            + spec.loading * stress
            + spec.inflation * national["inflation_gap"]
            + spec.shock * shock
            + noise
        )
        if trace is not None:
            trace[(code, spec.code)] = {
                "spec": spec,
                "calendar": calendar,
                "own_stress": own_stress,
                "shock": shock,
                "noise": noise,
            }
        layout = layouts[frequencies[spec.code]]
        _publish(rng, code, spec, layout, link, profile, columns)


def _publish(
    rng: np.random.Generator,
    code: str,
    spec: IndicatorSpec,
    layout: _Layout,
    link: np.ndarray,
    profile: RegionProfile,
    columns: dict[str, list],
) -> None:
    """Aggregate the monthly signal to the published frequency and add measurement noise."""
    link_values = layout.aggregate(link)
    link_values = link_values + rng.normal(0.0, spec.observation_sd, size=len(link_values))
    value = _from_link(spec.scale, link_values)
    count = len(value)
    n = np.full(count, np.nan)
    lower = np.full(count, np.nan)
    upper = np.full(count, np.nan)
    if spec.survey and count:
        sizes = np.round(profile.survey_size * rng.uniform(0.9, 1.1, size=count)).astype(int)
        successes = rng.binomial(sizes, value / 100.0)
        value = 100.0 * successes / sizes
        low, high = proportion_confint(successes, sizes, alpha=0.05, method="wilson")
        n = sizes.astype(float)
        lower = np.round(100.0 * np.asarray(low), spec.decimals)
        upper = np.round(100.0 * np.asarray(high), spec.decimals)
    columns["region"].append(np.full(count, code, dtype=object))
    columns["period"].append(layout.periods)
    columns["indicator"].append(np.full(count, spec.code, dtype=object))
    columns["value"].append(np.round(value, spec.decimals))
    columns["n"].append(n)
    columns["lower"].append(lower)
    columns["upper"].append(upper)
    columns["start_month"].append(layout.start_month)


def _to_link(scale: str, value: float) -> float:
    if scale == "logit":
        return float(logit(value / 100.0))
    if scale == "log":
        return float(np.log(value))
    return float(value)


def _from_link(scale: str, values: np.ndarray) -> np.ndarray:
    if scale == "logit":
        return 100.0 * expit(values)
    if scale == "log":
        return np.exp(values)
    return np.asarray(values, dtype=float)
