"""The validation report a reader hands back: every problem, where it is, in plain words.

Rows are numbered as a spreadsheet shows them (the header is usually row 1), columns by
their header text, so a person can open the file and find the cell.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

#: At most this many issues of each severity are kept; the rest are counted.
MAX_ISSUES = 500

REPORT_COLUMNS: tuple[str, ...] = ("severity", "row", "column", "message", "value")


@dataclass(frozen=True)
class Issue:
    """One problem: where (row, column) and what, with the offending value as written.

    ``message`` is the English text the command line prints. ``code`` (``"region.unknown"``)
    and ``params`` (the label, counts, rows...) say the same thing as data, so the web app
    can word it in the analyst's language and name its own form fields instead of command
    line options; an issue without a code is shown by its English text.
    """

    row: int | None
    column: str | None
    message: str
    value: str | None = None
    code: str | None = None
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


@dataclass
class ValidationReport:
    """Errors (the file cannot be used as is) and warnings (usable, but read the note)."""

    source: str | None = None
    layout: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    #: Data rows read from the file (not counting the header and blank rows).
    rows: int = 0
    #: Observations the file yields (0 when there are errors).
    observations: int = 0
    national_totals: int = 0
    omitted_errors: int = 0
    omitted_warnings: int = 0
    #: The table's columns as messages name them (a header, or "column C" when empty), so
    #: a caller can offer them when the analyst names the region, period or value column.
    columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors and not self.omitted_errors

    def error(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        if row is not None and len(self.errors) >= MAX_ISSUES:  # whole-file issues always kept
            self.omitted_errors += 1
            return
        self.errors.append(Issue(row, column, message, _text(value), code, params or {}))

    def warning(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        if row is not None and len(self.warnings) >= MAX_ISSUES:  # whole-file issues always kept
            self.omitted_warnings += 1
            return
        self.warnings.append(Issue(row, column, message, _text(value), code, params or {}))

    def sort(self) -> None:
        """Issues in the order of the file's rows; issues about the whole file last."""

        def key(issue: Issue) -> tuple[bool, int]:
            return (issue.row is None, issue.row or 0)

        self.errors.sort(key=key)
        self.warnings.sort(key=key)

    def to_frame(self) -> pd.DataFrame:
        """One row per issue: severity, row, column, message, value."""
        records = [{"severity": "error", **asdict(issue)} for issue in self.errors]
        records += [{"severity": "warning", **asdict(issue)} for issue in self.warnings]
        frame = pd.DataFrame(records, columns=list(REPORT_COLUMNS))
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def summary(self) -> str:
        """One line: what was read and how many errors and warnings."""
        name = f"{self.source}: " if self.source else ""
        errors = len(self.errors) + self.omitted_errors
        warnings = len(self.warnings) + self.omitted_warnings
        verdict = "OK" if self.ok else "NOT USABLE"
        parts = [
            f"{self.rows} data row(s)",
            f"{self.observations} observation(s)",
        ]
        if self.national_totals:
            parts.append(f"{self.national_totals} national total(s) kept apart")
        parts += [f"{errors} error(s)", f"{warnings} warning(s)"]
        return f"{name}{verdict}: " + ", ".join(parts)

    def to_text(self) -> str:
        """The full report: every issue on its own line, then the summary."""
        lines = []
        for kind, issues, omitted in (
            ("error", self.errors, self.omitted_errors),
            ("warning", self.warnings, self.omitted_warnings),
        ):
            lines += [f"{kind}: {issue}" for issue in issues if issue.row is not None]
            if omitted:
                lines.append(f"{kind}: ... and {omitted} more {kind}(s)")
            lines += [f"{kind}: {issue}" for issue in issues if issue.row is None]
        lines.append(self.summary())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for ``--json`` and the web app)."""
        return {
            "source": self.source,
            "layout": self.layout,
            "ok": self.ok,
            "rows": self.rows,
            "observations": self.observations,
            "national_totals": self.national_totals,
            "errors": [asdict(issue) for issue in self.errors],
            "warnings": [asdict(issue) for issue in self.warnings],
            "omitted_errors": self.omitted_errors,
            "omitted_warnings": self.omitted_warnings,
            "columns": list(self.columns),
            "summary": self.summary(),
        }


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."
