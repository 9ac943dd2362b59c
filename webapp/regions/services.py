"""Loading the region reference set into the database, all or nothing."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from forecasting.geography import (
    COUNTRY_KIND,
    RegionResolver,
    Unit,
    UnitFileError,
    Units,
    load_units,
)
from webapp.audit.services import record
from webapp.extensions import db
from webapp.regions.models import Country, Region

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
    whole load is refused and nothing changes. The file's country row is stored as the
    installation's country (``stored_country``); a file without one clears the stored country,
    as the file replaces the registry whole. Returns (added, updated, removed).
    """
    try:
        units = load_units(path)
    except UnitFileError as error:
        raise RegionLoadError(list(error.problems)) from error
    problems = [problem for unit in units for problem in _unit_problems(unit)]
    if units.country is not None:
        problems += _name_problems(units.country, "country")
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
    _store_country(units.country)
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
            "country": units.country.code if units.country is not None else None,
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
    return problems + _name_problems(unit, "unit")


def _name_problems(unit: Unit, what: str) -> list[str]:
    """Names longer than the tables hold, each named with its unit (or country) and column."""
    where = f"{what} {unit.code!r} ({unit.name_en})"
    problems = []
    for column in ("name_kk", "name_ru", "name_en"):
        length = len(getattr(unit, column) or "")
        if length > NAME_LENGTH:
            problems.append(f"{where}, column {column}: {length} characters, at most {NAME_LENGTH}")
    return problems


def _store_country(country: Unit | None) -> None:
    """Keep the file's country row, or none when the file names no country."""
    stored = stored_country()
    if country is None:
        if stored is not None:
            db.session.delete(stored)
        return
    if stored is None:
        stored = Country(id=1)
        db.session.add(stored)
    stored.code = country.code
    stored.name_kk = country.name_kk
    stored.name_ru = country.name_ru
    stored.name_en = country.name_en
    stored.aliases = list(country.aliases)


def stored_country() -> Country | None:
    """The country the loaded unit file named, if it named one."""
    return db.session.get(Country, 1)


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


def country_names(country: Country) -> tuple[str, ...]:
    """Code, names and aliases of a stored country, as ``Unit.all_names`` lists a unit's."""
    return _as_country_unit(country).all_names()


def national_names_override(country: Country | None) -> str | None:
    """What to tell whoever loads the units when ``NATIONAL_NAMES`` is set and names the
    country otherwise than the stored country does: the setting wins (``region_resolver``)."""
    names = current_app.config.get("NATIONAL_NAMES")
    if not names:
        return None
    if country is not None and set(names) == set(country_names(country)):
        return None
    said = f"statistics rows are the national total when labelled {' | '.join(names)}"
    if country is None:
        return f"NATIONAL_NAMES is set: {said}."
    return (
        f"NATIONAL_NAMES is set and takes precedence over the names of {country.code} "
        f"stored from the file: {said}. Unset it in every process of the installation to "
        "use the file's country row."
    )


def region_resolver() -> RegionResolver:
    """A resolver over the units stored in this installation (which may be another country's).

    The country's names, so that a statistics file's row for the whole country
    ("Кыргызстан") is set apart as its total and another state's row ("Республика
    Казахстан") is an unknown label, not a second total, come from (first found):

    1. the ``NATIONAL_NAMES`` setting, an explicit override;
    2. the country row of the loaded unit file (``stored_country``), as
       ``RegionResolver(load_units(path))`` takes it on the command line;
    3. none: Kazakhstan's names for Kazakhstan's units, else total and state words only.
    """
    names = current_app.config.get("NATIONAL_NAMES")
    country = stored_country()
    units = Units(
        [_as_unit(region) for region in all_regions()],
        country=_as_country_unit(country) if country is not None else None,
    )
    return RegionResolver(units, national_names=tuple(names) if names else None)


def _as_country_unit(country: Country) -> Unit:
    return Unit(
        code=country.code,
        kind=COUNTRY_KIND,
        name_kk=country.name_kk,
        name_ru=country.name_ru,
        name_en=country.name_en,
        aliases=tuple(country.aliases or ()),
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
