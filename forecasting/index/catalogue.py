"""The packaged default catalogue of risk indicators and the domains they belong to.

The catalogue is data, not code: ``forecasting/data/indicators.csv`` and
``forecasting/data/domains.csv`` can be edited (or replaced by a file passed on the command
line) without touching the index. ``docs/methodology.md`` explains every indicator.
"""

from __future__ import annotations

from importlib import resources
from io import StringIO

import pandas as pd

#: Columns of the domain table: a stable ASCII code, names in three languages, a weight.
DOMAIN_COLUMNS: tuple[str, ...] = ("code", "name_kk", "name_ru", "name_en", "weight")

#: Survey-derived indicators of the default catalogue. The survey module maps questions to
#: these codes; each value is the share (%) of respondents giving the answer described.
SURVEY_INDICATORS: dict[str, str] = {
    "survey_economic_pessimism": "expect their household's financial situation to worsen "
    "over the next 12 months",
    "survey_dissatisfied_services": "are rather or fully dissatisfied with the quality of "
    "public services",
    "survey_trust_local_government": "fully or rather trust the local executive bodies (akimat)",
    "survey_information_access": "find information on local government decisions easy to obtain",
    "survey_interethnic_tension": "describe interethnic relations where they live as tense",
    "survey_religious_tension": "describe interfaith relations where they live as tense",
}


def _data_file(name: str) -> str:
    return resources.files("forecasting").joinpath("data", name).read_text(encoding="utf-8")


def default_catalogue_path() -> str:
    """Filesystem path of the packaged indicator catalogue (for command-line defaults)."""
    return str(resources.files("forecasting").joinpath("data", "indicators.csv"))


def default_domains() -> pd.DataFrame:
    """The five default risk domains with their names and nominal weights."""
    text = _data_file("domains.csv")
    frame = pd.read_csv(StringIO(text), dtype={"code": str}, keep_default_na=False)
    frame["weight"] = frame["weight"].astype(float)
    return frame.loc[:, list(DOMAIN_COLUMNS)]


def default_catalogue() -> pd.DataFrame:
    """The packaged indicator catalogue, validated against the data contract."""
    from forecasting.contract import read_catalogue

    return read_catalogue(default_catalogue_path())
