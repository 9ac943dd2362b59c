"""The regional social-risk index: catalogue, scoring, decomposition and uncertainty."""

from forecasting.index.catalogue import (
    SURVEY_INDICATORS,
    default_catalogue,
    default_catalogue_path,
    default_domains,
)

__all__ = ["SURVEY_INDICATORS", "default_catalogue", "default_catalogue_path", "default_domains"]
