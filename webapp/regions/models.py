from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class Region(db.Model):
    """A first-level unit, current or historic, as listed in the loaded reference file."""

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("kind IN ('region', 'city')", name="kind_is_known"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to",
            name="validity_is_ordered",
        ),
    )

    #: ISO 3166-2 code, e.g. ``KZ-75``; the key used across the platform and the data contract.
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    #: Codes of the units this one was made from (splits, renames).
    predecessors: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Order of the reference file, so lists read the way the country publishes them.
    position: Mapped[int] = mapped_column(default=0)

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_en

    @property
    def is_current(self) -> bool:
        today = date.today()
        return (self.valid_from is None or self.valid_from <= today) and (
            self.valid_to is None or today <= self.valid_to
        )

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name_en}>"


class Country(db.Model):
    """The state the loaded unit file names (its row of kind ``country``), kept so that the
    web application's statistics imports and training know the labels of its national-total
    rows ("Кыргызстан", "Всего по Кыргызской Республике") as the command line does from the
    file. At most one row: an installation serves one country."""

    __tablename__ = "countries"
    __table_args__ = (
        CheckConstraint("id = 1", name="only_one"),
        CheckConstraint("length(code) = 2 AND upper(code) = code", name="code_is_iso_3166_1"),
        CheckConstraint("name_en <> ''", name="name_en_is_given"),
    )

    #: Always 1: the table holds the one country of the installation, or nothing.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    #: ISO 3166-1 alpha-2 code, the prefix of every unit code (``KG`` for ``KG-B``).
    code: Mapped[str] = mapped_column(String(2))
    name_kk: Mapped[str] = mapped_column(String(200), default="")
    name_ru: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<Country {self.code} {self.name_en}>"
