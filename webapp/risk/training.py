"""The one place where the web app calls ``forecasting`` to train: database in, run out.

It turns the stored observations and catalogue into the data contract's frames, calls
``forecasting.pipeline.train`` and returns what the registry and the output tables need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from forecasting.index import RiskIndexError, uncertainty_analysis
from webapp.regions.services import region_resolver
from webapp.risk.catalogue import catalogue_frame, domain_weights
from webapp.risk.imports import observations_frame

Progress = Callable[[float, str], None]


class TrainingInputError(ValueError):
    """The stored data cannot be trained on (nothing imported, nothing scoreable)."""


@dataclass
class TrainingOutcome:
    """A trained pipeline run and a summary of the data it was trained on."""

    run: Any
    #: ``forecasting.index.ScoreResult``: scores with their decomposition.
    score_result: Any
    #: ``forecasting.index.UncertaintyResult`` (None when the data are too thin for it).
    uncertainty: Any = None
    summary: dict[str, Any] = field(default_factory=dict)


def training_data() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Observations, the catalogue restricted to the indicators observed, and a summary."""
    observations, summary = observations_frame()
    if observations.empty:
        raise TrainingInputError(
            "no observations are stored: import statistics (or load the demo data) first"
        )
    catalogue = catalogue_frame()
    observed = set(observations["indicator"])
    catalogue = catalogue[catalogue["code"].isin(observed)].reset_index(drop=True)
    summary.update(
        {
            "values": len(observations),
            "indicators": len(observed),
            "regions": int(observations["region"].nunique()),
        }
    )
    return observations, catalogue, summary


#: Model sets an analyst can choose. "fast" is the package's default set
#: (``forecasting.models.auto.DEFAULT_MODELS``: the baselines, pooled and per-series exponential
#: smoothing and the panel model, all in numpy): the quickest and, on the demo panel, the most
#: accurate. "full" is every model the package offers, adding statsmodels' exponential
#: smoothing per series and the global linear and gradient-boosting models.
MODEL_SETS = ("fast", "full")


def candidates_for(model_set: str, horizon: int) -> Any:
    """The pipeline's ``candidates`` for a model set (None: the pipeline's default)."""
    from forecasting.models.auto import available_models

    if model_set not in MODEL_SETS:
        raise TrainingInputError(
            f"unknown model set {model_set!r}; use one of {', '.join(MODEL_SETS)}"
        )
    return None if model_set == "fast" else available_models(horizon)


def train_from_database(options: dict[str, Any], progress: Progress) -> TrainingOutcome:
    """Train on everything stored; raises on any problem (the job records it)."""
    from forecasting.pipeline import train

    observations, catalogue, summary = training_data()
    progress(
        0.05,
        f"training on {summary['values']} values of {summary['indicators']} indicators in "
        f"{summary['regions']} regions",
    )
    domains = set(catalogue["domain"])
    weights = {code: weight for code, weight in domain_weights().items() if code in domains}
    horizon = int(options.get("horizon", 8))
    # This installation's region list: its end dates leave a unit out of the periods after it
    # ended, by the same rule as the CLI (forecasting.geography.has_ended).
    resolver = region_resolver()
    run = train(
        observations,
        catalogue,
        horizon=horizon,
        n_origins=int(options.get("n_origins", 3)),
        candidates=candidates_for(options.get("models", "fast"), horizon),
        domain_weights=weights or None,
        progress=lambda fraction, message="": progress(0.05 + 0.85 * float(fraction), message),
        resolver=resolver,
    )
    progress(0.9, "explaining the scores and measuring rank uncertainty")
    score_result = _score_result(run)
    uncertainty = _uncertainty(observations, catalogue, weights, options, progress, resolver)
    return TrainingOutcome(
        run=run, score_result=score_result, uncertainty=uncertainty, summary=summary
    )


def _score_result(run: Any) -> Any:
    """The run's scores with their decomposition; a run that could not score is refused.

    Pages show scores, so a run without them must fail visibly (with the index's reason)
    rather than be published empty.
    """
    result = getattr(run, "score_result", None)
    if result is not None:
        return result
    reasons = [
        item.get("message", "")
        for item in getattr(run, "warnings", [])
        if item.get("category") in {"score_skipped", "unknown_indicators"}
    ]
    raise TrainingInputError(
        "the risk score could not be computed: " + ("; ".join(reasons) or "no scoreable data")
    )


def _uncertainty(
    observations: pd.DataFrame,
    catalogue: pd.DataFrame,
    weights: dict[str, float],
    options: dict[str, Any],
    progress: Progress,
    resolver: Any = None,
) -> Any:
    try:
        return uncertainty_analysis(
            observations,
            catalogue,
            n_draws=int(options.get("n_draws", 100)),
            domain_weights=weights or None,
            resolver=resolver,
        )
    except RiskIndexError as error:
        progress(0.92, f"rank uncertainty skipped: {error}")
        return None
