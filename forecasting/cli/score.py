"""``python -m forecasting score``: score each region's social risk from a statistics file.

Reads a tidy CSV (or XLSX) of observations, scores every region at one period (default: the
latest) or at every period, prints a table of score, risk class, reliability and domain
scores, and optionally writes everything (method, reference bounds, each score's exact
decomposition by domain and indicator, warnings) as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.cli import CommandError
from forecasting.cli.reading import add_reader_arguments, reader_options, resolver_of
from forecasting.contract import ContractError, read_catalogue
from forecasting.geography import RegionResolver, load_units
from forecasting.index import (
    AGGREGATIONS,
    NORMALISATIONS,
    RiskIndex,
    RiskIndexError,
    ScoreResult,
    default_catalogue_path,
    uncertainty_analysis,
)
from forecasting.index.scoring import _prepare, _scoring_periods
from forecasting.periods import PeriodError
from forecasting.readers import read_observations


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, required=True, metavar="FILE.csv", help="observations file"
    )
    parser.add_argument(
        "--catalogue",
        type=Path,
        metavar="CAT.csv",
        help="indicator catalogue (default: the packaged one)",
    )
    add_reader_arguments(parser)
    parser.add_argument(
        "--keep-region-labels",
        action="store_true",
        help="use region labels as they are instead of matching them to Kazakhstan's units",
    )
    periods = parser.add_mutually_exclusive_group()
    periods.add_argument(
        "--period", metavar="P", help="period to score, e.g. 2026-10 (default: the latest)"
    )
    periods.add_argument(
        "--all-periods", action="store_true", help="score every period at the finest frequency"
    )
    parser.add_argument("--reference-start", metavar="P", help="first period of the reference")
    parser.add_argument("--reference-end", metavar="P", help="last period of the reference")
    parser.add_argument(
        "--normalisation", choices=NORMALISATIONS, default="minmax", help="default: minmax"
    )
    parser.add_argument(
        "--index-aggregation",
        choices=AGGREGATIONS,
        default="geometric",
        help="how domains combine (default: geometric)",
    )
    parser.add_argument(
        "--uncertainty",
        type=int,
        default=0,
        metavar="DRAWS",
        help="also report rank intervals from this many draws over weights, normalisations, "
        "aggregations and left-out indicators (e.g. 200; nominal method: the defaults)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="write the results as JSON")


def run(args: argparse.Namespace) -> int:
    catalogue_path = (
        args.catalogue if args.catalogue is not None else Path(default_catalogue_path())
    )
    if not args.data.is_file():
        raise CommandError(f"no such file: {args.data}")
    if not catalogue_path.is_file():
        raise CommandError(f"no such catalogue file: {catalogue_path}")
    if args.uncertainty < 0:
        raise CommandError("--uncertainty must be 0 (off) or a number of draws")
    options = reader_options(args)
    resolver = resolver_of(options)
    try:
        read = read_observations(
            args.data,
            catalogue=catalogue_path,
            **options,
            resolve_regions=not args.keep_region_labels,
            unknown_indicators="keep",
        )
    except ContractError as error:
        raise CommandError(f"the catalogue {catalogue_path} is not usable:\n{error}") from None
    if not read.ok or read.observations is None:
        raise CommandError(f"{args.data} cannot be scored:\n{read.report.to_text()}")
    observations = read.observations
    totals = read.national_totals
    if observations.empty and totals is not None and not totals.empty:
        raise CommandError(
            f"{args.data} holds national totals only ({len(totals)} value(s), kept apart): "
            "the risk score compares regions, so there is nothing to score"
        )
    catalogue = read_catalogue_frame(catalogue_path)

    index = RiskIndex(
        catalogue,
        reference_start=args.reference_start,
        reference_end=args.reference_end,
        normalisation=args.normalisation,
        index_aggregation=args.index_aggregation,
        resolver=resolver,
    )
    try:
        index.fit(observations)
        periods = None if args.all_periods else _period_to_score(index, observations, args.period)
        # The index leaves a unit out of the periods after it ended (geography.has_ended),
        # saying so in its warnings.
        result = index.score(observations, periods=periods)
        uncertainty = None
        if args.uncertainty:
            uncertainty = uncertainty_analysis(
                observations,
                catalogue,
                n_draws=args.uncertainty,
                period=periods if not args.all_periods else None,
                reference_start=args.reference_start,
                reference_end=args.reference_end,
                resolver=resolver,
            )
    except (RiskIndexError, ContractError, PeriodError) as error:
        raise CommandError(str(error)) from None

    print(score_table(result, resolver))
    if read.report.warnings:
        print("\nWhile reading the file:")
        for issue in read.report.warnings:
            print(f"  - {issue}")
    if uncertainty is not None:
        print()
        print(uncertainty.summary())
    if args.json is not None:
        payload = {
            "input": {"data": str(args.data), "catalogue": str(catalogue_path)},
            **result.to_dict(),
        }
        if uncertainty is not None:
            payload["uncertainty"] = {
                "period": str(uncertainty.period),
                "draws": len(uncertainty.draws),
                "regions": json.loads(uncertainty.to_frame().to_json(orient="records")),
            }
        try:
            args.json.write_text(
                json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        except OSError as error:
            raise CommandError(f"cannot write {args.json}: {error.strerror or error}") from None
        print(f"\nwrote {args.json}")
    return 0


def read_catalogue_frame(path: Path) -> pd.DataFrame:
    """The catalogue as a validated frame, or a clear command error."""
    try:
        return read_catalogue(path)
    except ContractError as error:
        raise CommandError(f"the catalogue {path} is not usable:\n{error}") from None


def _period_to_score(index: RiskIndex, observations: pd.DataFrame, period: str | None) -> list:
    """The requested period, or the latest one at the data's finest frequency."""
    if period is not None:
        return [period]
    data, _ = _prepare(observations, index.catalogue_)
    return [_scoring_periods(data, None)[-1]]


def score_table(result: ScoreResult, resolver: RegionResolver | None = None) -> str:
    """Regions by period, highest score first, with English names where known (from
    ``resolver``'s region list, Kazakhstan's by default)."""
    units = resolver.units if resolver is not None else load_units()
    names = {unit.code: unit.name_en for unit in units}
    frame = result.to_frame()
    domains = result.domains
    header = (
        f"{'period':<8} {'region':<7} {'name':<18} {'score':>5}  {'class':<9} {'rel.':>4}  "
        + " ".join(f"{_short(domain):>6}" for domain in domains)
    )
    lines = [header, "-" * len(header)]
    frame = frame.assign(period_label=frame["period"].astype(str))
    for _, group in frame.groupby("period_label", sort=False):
        for row in group.sort_values("score", ascending=False).itertuples(index=False):
            domain_scores = " ".join(
                f"{getattr(row, domain):6.2f}" if pd.notna(getattr(row, domain)) else f"{'-':>6}"
                for domain in domains
            )
            lines.append(
                f"{row.period_label:<8} {row.region:<7} {names.get(row.region, '')[:18]:<18} "
                f"{row.score:5.2f}  {row.risk_class:<9} {row.reliability:4.1f}  {domain_scores}"
            )
    lines += stale_notes(result)
    lines.append("")
    lines.append(
        "score 0-10 (10 = highest risk); rel. = reliability 0-10 (10 = all inputs present "
        "and recent); domains: " + ", ".join(f"{_short(d)} = {d}" for d in domains)
    )
    if result.warnings:
        lines.append("\nWarnings:")
        lines += [f"  - {warning}" for warning in result.warnings]
    return "\n".join(lines)


def stale_notes(result: ScoreResult) -> list[str]:
    """One line per scored period with stale inputs: ``--period 1999`` on figures that end
    in 1954 printed a full table of classes with nothing but ``rel. 5.0`` to say that every
    input was 45 years old."""
    inputs = result.inputs
    labels = np.asarray([str(period) for period in inputs.periods])
    lines = []
    for label in dict.fromkeys(labels):
        rows = labels == label
        available = int(inputs.available[rows].sum())
        stale = inputs.stale[rows] & inputs.available[rows]
        if not stale.any():
            continue
        oldest = int(np.max(inputs.ages[rows][stale]))
        everything = int(stale.sum()) == available
        lines.append(
            f"note: {label}: {int(stale.sum())} of {available} input(s) are stale (older than "
            f"their staleness limit, up to {oldest} months before the period's end); they "
            "count half in rel."
            + (
                ": every input is stale, so these scores carry old values forward"
                if everything
                else ""
            )
        )
    if len(lines) > 5:  # --all-periods over a long history: the first ones and a count
        lines = [*lines[:3], f"note: ... and {len(lines) - 3} more period(s) with stale inputs"]
    return lines


def _short(domain: str) -> str:
    parts = domain.split("_")
    return "".join(part[0] for part in parts).upper() if len(parts) > 1 else domain[:6]
