"""Reading statistics files (CSV, XLSX, XLS) into the data contract, with a report.

``read_observations`` is the one entry point; the rules it applies are written down in
``docs/data-contract.md`` ("Readers").
"""

from forecasting.readers.columns import LAYOUTS
from forecasting.readers.observations import (
    NATIONAL_TOTAL_KEY,
    SINGLE_SERIES_KEY,
    ReadResult,
    read_observations,
)
from forecasting.readers.report import Issue, ValidationReport

__all__ = [
    "LAYOUTS",
    "NATIONAL_TOTAL_KEY",
    "SINGLE_SERIES_KEY",
    "Issue",
    "ReadResult",
    "ValidationReport",
    "read_observations",
]
