"""The indicator catalogue in the database: seeded from ``forecasting/data``, extended by analysts.

The catalogue decides what an imported file may contain (indicator codes and names, and the
frequency each indicator is published at) and how the risk index weighs it. An uploaded
catalogue is merged: its rows add or update indicators, indicators it does not list stay.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from forecasting.contract import (
    CATALOGUE_COLUMNS,
    ContractError,
    parse_catalogue,
    validate_catalogue,
)
from forecasting.index import default_catalogue, default_domains
from forecasting.index.catalogue import DOMAIN_COLUMNS
from webapp.audit.services import record
from webapp.extensions import db
from webapp.risk.i18n import translate as _
from webapp.risk.models import RiskDomain, RiskIndicator, RiskObservation
from webapp.spreadsheets import neutralise


class CatalogueError(ValueError):
    """A catalogue file that cannot be used; ``problems`` name the row and column.

    A problem is a sentence already in the visitor's language, or a coded issue of
    ``validate_catalogue`` that ``reader_messages.catalogue_problem_text`` words in it.
    """

    def __init__(self, problems: Sequence[str | dict[str, Any]]) -> None:
        super().__init__("; ".join(_english(problem) for problem in problems))
        self.problems = list(problems)


def _english(problem: str | dict[str, Any]) -> str:
    if isinstance(problem, str):
        return problem
    where = f"row {problem['row']}, column {problem['column']}: " if problem.get("row") else ""
    return where + str(problem["message"])


def ensure_catalogue() -> bool:
    """Seed the packaged domains and indicators into an empty catalogue; True if it did."""
    seeded = False
    if db.session.scalar(sa.select(sa.func.count()).select_from(RiskDomain)) == 0:
        for position, row in enumerate(default_domains().itertuples(index=False)):
            db.session.add(
                RiskDomain(
                    code=row.code,
                    name_kk=row.name_kk,
                    name_ru=row.name_ru,
                    name_en=row.name_en,
                    weight=float(row.weight),
                    position=position,
                )
            )
        db.session.flush()
        seeded = True
    if db.session.scalar(sa.select(sa.func.count()).select_from(RiskIndicator)) == 0:
        _merge_indicators(default_catalogue())
        seeded = True
    return seeded


def all_domains() -> list[RiskDomain]:
    return list(db.session.scalars(sa.select(RiskDomain).order_by(RiskDomain.position)))


def all_indicators() -> list[RiskIndicator]:
    return list(
        db.session.scalars(
            sa.select(RiskIndicator).order_by(RiskIndicator.position, RiskIndicator.code)
        )
    )


def catalogue_frame() -> pd.DataFrame:
    """The stored catalogue as the data contract's frame (the packaged one while empty)."""
    indicators = all_indicators()
    if not indicators:
        return default_catalogue()
    frame = pd.DataFrame(
        [
            {
                "code": indicator.code,
                "name_kk": indicator.name_kk,
                "name_ru": indicator.name_ru,
                "name_en": indicator.name_en,
                "unit": indicator.unit,
                "direction": indicator.direction,
                "domain": indicator.domain_code,
                "weight": indicator.weight,
                "frequency": indicator.frequency,
                "source": indicator.source,
            }
            for indicator in indicators
        ],
        columns=list(CATALOGUE_COLUMNS),
    )
    return validate_catalogue(frame)


def domain_weights() -> dict[str, float]:
    return {domain.code: domain.weight for domain in all_domains()}


def upload_catalogue(content: bytes, filename: str) -> tuple[int, int]:
    """Merge a catalogue CSV into the stored catalogue; returns (added, updated).

    Refused as a whole, with every problem named by row and column, when the file breaks the
    data contract, names an unknown domain, or changes the frequency of an indicator that
    already has observations (they would no longer fit it).
    """
    ensure_catalogue()
    try:
        # UTF-8, UTF-16 or Windows-1251; commas or semicolons (Excel in a Russian locale).
        # A file that is not a table is a catalogue.unreadable issue, worded by the page.
        frame = parse_catalogue(content, filename)
        catalogue = validate_catalogue(frame, known_domains=[d.code for d in all_domains()])
    except ContractError as error:
        raise CatalogueError(error.issues or error.problems) from None
    if catalogue.empty:
        raise CatalogueError([_("The file lists no indicators.")])
    problems = _frequency_changes(catalogue)
    if problems:
        raise CatalogueError(problems)
    added, updated = _merge_indicators(catalogue)
    record(
        "risk.catalogue_upload",
        "risk_catalogue",
        "",
        {
            "file": filename,
            "sha256": hashlib.sha256(content).hexdigest(),
            "added": added,
            "updated": updated,
        },
    )
    return added, updated


def _frequency_changes(catalogue: pd.DataFrame) -> list[str]:
    stored = {indicator.code: indicator for indicator in all_indicators()}
    problems = []
    for position, row in enumerate(catalogue.itertuples(index=False)):
        current = stored.get(row.code)
        if current is None or current.frequency == row.frequency:
            continue
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RiskObservation)
            .where(RiskObservation.indicator_code == row.code)
        )
        if count:
            problems.append(
                _(
                    "row %(row)s, column frequency: %(code)s has %(count)s stored value(s) at "
                    "frequency %(current)s; undo those imports before changing it to %(new)s.",
                    row=position + 2,
                    code=row.code,
                    count=count,
                    current=current.frequency,
                    new=row.frequency,
                )
            )
    return problems


def _merge_indicators(catalogue: pd.DataFrame) -> tuple[int, int]:
    stored = {indicator.code: indicator for indicator in all_indicators()}
    next_position = max((indicator.position for indicator in stored.values()), default=-1) + 1
    added = updated = 0
    for row in catalogue.itertuples(index=False):
        indicator = stored.get(row.code)
        if indicator is None:
            indicator = RiskIndicator(code=row.code, position=next_position)
            next_position += 1
            db.session.add(indicator)
            added += 1
        else:
            updated += 1
        indicator.name_kk = row.name_kk
        indicator.name_ru = row.name_ru
        indicator.name_en = row.name_en
        indicator.unit = row.unit
        indicator.direction = int(row.direction)
        indicator.domain_code = row.domain
        indicator.weight = float(row.weight)
        indicator.frequency = row.frequency
        indicator.source = row.source
    db.session.flush()
    return added, updated


#: A domain code: what indicator rows name in their ``domain`` column.
DOMAIN_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Longest domain name the ``risk_domains`` table holds.
DOMAIN_NAME_LENGTH = 300


def load_domains(content: bytes, filename: str) -> tuple[int, int]:
    """Merge a domains CSV (``code,name_kk,name_ru,name_en,weight``); returns (added, updated).

    Another country's index may group its indicators otherwise than Kazakhstan's five
    domains; indicators can only name a domain that is stored. Listed domains are added or
    updated, the others stay. Refused whole, every problem named by row and column.
    """
    ensure_catalogue()
    rows, problems = _domain_rows(content, filename)
    if problems:
        raise CatalogueError(problems)
    stored = {domain.code: domain for domain in all_domains()}
    position = max((domain.position for domain in stored.values()), default=-1) + 1
    added = updated = 0
    for row in rows:
        domain = stored.get(row["code"])
        if domain is None:
            domain = RiskDomain(code=row["code"], position=position)
            position += 1
            db.session.add(domain)
            added += 1
        else:
            updated += 1
        domain.name_en = row["name_en"]
        domain.name_kk = row["name_kk"] or row["name_en"]
        domain.name_ru = row["name_ru"] or row["name_en"]
        domain.weight = row["weight"]
    db.session.flush()
    record(
        "risk.domains_load",
        "risk_catalogue",
        "",
        {"file": filename, "sha256": hashlib.sha256(content).hexdigest(), "added": added},
    )
    return added, updated


def _domain_rows(content: bytes, filename: str) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [f"{filename}: not UTF-8 text; save it as CSV UTF-8"]
    reader = csv.DictReader(io.StringIO(text))
    header = [(column or "").strip() for column in reader.fieldnames or []]
    missing = [column for column in DOMAIN_COLUMNS if column not in header]
    if missing:
        return [], [f"row 1: missing column(s) {', '.join(missing)}; found: {', '.join(header)}"]
    reader.fieldnames = header
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    first_row: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        row = {column: (raw.get(column) or "").strip() for column in DOMAIN_COLUMNS}
        if not any(row.values()):
            continue
        where = f"row {line}, column"
        code = row["code"]
        if not DOMAIN_CODE.match(code):
            problems.append(
                f"{where} code: {code!r} is not a domain code (lower-case letters, digits and "
                "'_', starting with a letter, at most 64)"
            )
        elif code in first_row:
            problems.append(
                f"{where} code: {code!r} is listed twice (first on row {first_row[code]})"
            )
        else:
            first_row[code] = line
        if not row["name_en"]:
            problems.append(f"{where} name_en: empty")
        for column in ("name_kk", "name_ru", "name_en"):
            if len(row[column]) > DOMAIN_NAME_LENGTH:
                problems.append(
                    f"{where} {column}: {len(row[column])} characters, at most {DOMAIN_NAME_LENGTH}"
                )
        try:
            weight = float(row["weight"].replace(",", "."))
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight <= 0:
            problems.append(f"{where} weight: {row['weight']!r} is not a number above 0")
        rows.append({**row, "weight": weight})
    if not rows and not problems:
        problems.append(f"{filename}: lists no domains")
    return rows, problems


def catalogue_csv() -> bytes:
    """The stored catalogue as a CSV file, a template for an upload.

    Names, units and sources are typed by analysts: one who wrote ``=HYPERLINK(...)`` as a
    name had it run in the spreadsheet of every analyst who opened the download. Such text
    is written with a leading ``'``, as the survey and audit exports do.
    """
    frame = catalogue_frame()
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    frame[text_columns] = frame[text_columns].map(neutralise)
    return frame.to_csv(index=False).encode("utf-8")


#: Units of the shipped catalogue (forecasting/data/indicators.csv), in the reader's
#: language: "% y/y" and "per 10,000" stood in English on the kk and ru region pages. A unit
#: an analyst typed in a catalogue of their own is shown as typed.
KNOWN_UNITS = {
    "% y/y": _l("% y/y"),
    "per 10,000": _l("per 10,000"),
}


def unit_label(unit: str) -> str:
    """An indicator's unit as a reader of the page's language writes it."""
    return str(KNOWN_UNITS.get(unit.strip(), unit))


def unit_after_name(name: str, unit: str) -> str:
    """The unit to write in brackets after an indicator's name, or "" when the name already
    gives the unit's number: "Жалобы в государственные органы (на 10 000 жителей)" was followed
    by "(на 10 000)"."""
    label = unit_label(unit)
    number = re.search(r"\d(?:[\d\s,.]*\d)?", label)

    def digits(text: str) -> str:
        return re.sub(r"[\s,.]", "", text)

    if number and len(digits(number.group(0))) > 1 and digits(number.group(0)) in digits(name):
        return ""
    return label
