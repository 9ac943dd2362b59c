"""Loading the region reference set into the database, all or nothing."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from forecasting.geography import RegionResolver, Unit, UnitFileError, load_units
from webapp.audit.services import record
from webapp.extensions import db
from webapp.regions.models import Region

#: ISO 3166-2: the country's two letters, "-", one to three letters or digits (KZ-75, KG-GB,
#: KZ-YUZ). Survey forms name a bound region in this shape (``settings.region``), and pages
#: and addresses carry the code as it is.
ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
#: Longest name the ``regions`` table holds (``String(200)``).
NAME_LENGTH = 200


class RegionLoadError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def load_regions(path: str | Path | None = None) -> tuple[int, int, int]:
    """Replace the region set with the units in ``path`` (the packaged default if None).

    Units missing from the new file are removed; if anything still refers to one of them the
    whole load is refused and nothing changes. Returns (added, updated, removed).
    """
    try:
        units = load_units(path)
    except UnitFileError as error:
        raise RegionLoadError(list(error.problems)) from error
    problems = [problem for unit in units for problem in _unit_problems(unit)]
    if problems:
        raise RegionLoadError(problems)
    existing = {region.code: region for region in db.session.scalars(sa.select(Region))}
    incoming = {unit.code for unit in units}
    added = updated = 0
    for position, unit in enumerate(units):
        region = existing.get(unit.code)
        if region is None:
            region = Region(code=unit.code)
            db.session.add(region)
            added += 1
            _copy_unit(unit, region, position)
            continue
        _copy_unit(unit, region, position)
        if db.session.is_modified(region):  # loading the same file again changes nothing
            updated += 1
    removed = [region for code, region in existing.items() if code not in incoming]
    for region in removed:
        db.session.delete(region)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        in_use, rows = _references(sorted(region.code for region in removed))
        where = ", ".join(f"{column} {count}" for column, count in rows.items())
        raise RegionLoadError(
            [
                "These units are still referred to by stored data and cannot be removed: "
                f"{', '.join(in_use) or 'see the database'}"
                + (f" (rows: {where})" if where else "")
                + ". A region file replaces this installation's units; another country's "
                "units go into a new, empty database (README, Another country)."
            ]
        ) from error
    record(
        "regions.load",
        "regions",
        "",
        {
            "file": str(path or "default"),
            "added": added,
            "updated": updated,
            "removed": len(removed),
        },
    )
    return added, updated, len(removed)


def _unit_problems(unit: Unit) -> list[str]:
    """What the platform cannot store or address, beyond what ``load_units`` checks."""
    where = f"unit {unit.code!r} ({unit.name_en})"
    problems = []
    if not ISO_3166_2.match(unit.code):
        problems.append(
            f"{where}, column code: not an ISO 3166-2 code (two capital letters, '-', then one "
            "to three capital letters or digits, as in KZ-75 or KG-GB)"
        )
    for column in ("name_kk", "name_ru", "name_en"):
        length = len(getattr(unit, column) or "")
        if length > NAME_LENGTH:
            problems.append(f"{where}, column {column}: {length} characters, at most {NAME_LENGTH}")
    return problems


def _references(codes: list[str]) -> tuple[list[str], dict[str, int]]:
    """The codes stored rows refer to, and how many rows of each table and column do."""
    in_use: set[str] = set()
    rows: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name != Region.__tablename__ or key.ondelete == "CASCADE":
                continue
            counts = db.session.execute(
                sa.select(key.parent, sa.func.count())
                .where(key.parent.in_(codes))
                .group_by(key.parent)
            ).all()
            for code, count in counts:
                in_use.add(code)
                column = f"{table.name}.{key.parent.name}"
                rows[column] = rows.get(column, 0) + count
    return sorted(in_use), rows


def _copy_unit(unit: Unit, region: Region, position: int) -> None:
    region.kind = unit.kind
    region.name_kk = unit.name_kk
    region.name_ru = unit.name_ru
    region.name_en = unit.name_en
    region.aliases = list(unit.aliases)
    region.valid_from = unit.valid_from
    region.valid_to = unit.valid_to
    region.predecessors = list(unit.predecessors)
    region.position = position


def all_regions(current_only: bool = False) -> list[Region]:
    regions = list(db.session.scalars(sa.select(Region).order_by(Region.position, Region.code)))
    return [region for region in regions if region.is_current] if current_only else regions


def successors(region: Region) -> list[Region]:
    """The units that took over an ended unit's territory: those naming it a predecessor."""
    return [other for other in all_regions() if region.code in (other.predecessors or ())]


def national_names_hint(path: str | Path | None) -> str | None:
    """What to set when a unit file names its country (a row of kind ``country``) and the
    installation would not recognise those names: the web application reads the country's
    names from ``NATIONAL_NAMES``, not from the stored units, which hold no country."""
    if path is None or current_app.config.get("NATIONAL_NAMES"):
        return None
    try:
        units = load_units(path)
    except UnitFileError:
        return None
    country = units.country
    if country is None:
        return None
    resolver = RegionResolver(list(units))  # as region_resolver() builds it, without names
    if all(resolver.is_national_total(name) for name in country.all_names()):
        return None
    names = "|".join(country.all_names())
    return (
        f"The file names the country {country.code} ({country.name_en}). Statistics rows "
        "so labelled are its national total once every process of the installation has "
        f"NATIONAL_NAMES set: export NATIONAL_NAMES='{names}'"
    )


def region_resolver() -> RegionResolver:
    """A resolver over the units stored in this installation (which may be another country's).

    ``NATIONAL_NAMES`` gives the country's names, so that a statistics file's row for the
    whole country ("Кыргызстан") is set apart as its total, and another state's row
    ("Республика Казахстан") is an unknown label, not a second total.
    """
    names = current_app.config.get("NATIONAL_NAMES")
    return RegionResolver(
        [_as_unit(region) for region in all_regions()],
        national_names=tuple(names) if names else None,
    )


def _as_unit(region: Region) -> Unit:
    return Unit(
        code=region.code,
        kind=region.kind,
        name_kk=region.name_kk,
        name_ru=region.name_ru,
        name_en=region.name_en,
        aliases=tuple(region.aliases or ()),
        valid_from=region.valid_from,
        valid_to=region.valid_to,
        predecessors=tuple(region.predecessors or ()),
    )
