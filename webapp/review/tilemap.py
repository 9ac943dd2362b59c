"""A tile map of the country's units, laid out from data and drawn as inline SVG.

Each unit is one equal square, so a small city weighs as much as a vast region: what a
council reads is the class, not the area. Positions come from a CSV file (``code``, ``row``,
``col`` and optional short names ``short_kk``, ``short_ru``, ``short_en``; a ``|`` breaks a
name over two lines). Units the file does not place go on extra rows below the map, in the
order given, so another country's units still get a map before anyone draws its layout.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TILEMAP = Path(__file__).resolve().parent / "data" / "tilemap_kz.csv"
REQUIRED_COLUMNS = ("code", "row", "col")
LANGUAGES = ("kk", "ru", "en")
#: Size of one tile and the gap between tiles, in SVG user units.
TILE = 100
GAP = 6
#: Longest line (in characters) an automatically made short name may have.
AUTO_LABEL_LENGTH = 10
#: Label size in SVG units: about 9 px when the whole country fits a 360-pixel phone.
LABEL_FONT_SIZE = 18
#: Widest a label line may be; longer lines are condensed to fit (``textLength``).
LABEL_WIDTH = 92
#: Average advance of a character, as a share of the font size (Latin and Cyrillic alike).
CHARACTER_WIDTH = 0.6


class TileMapError(ValueError):
    """The layout file cannot be used; ``problems`` names each row and column at fault."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class TilePosition:
    code: str
    row: int
    col: int
    #: Short names by language, each a tuple of lines.
    short_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Tile:
    """One unit placed on the map, ready to draw."""

    code: str
    x: int
    y: int
    label_lines: tuple[str, ...]
    name: str
    risk_class: str | None
    value: float | None
    href: str | None
    #: True when the layout file did not place this unit.
    auto_placed: bool = False
    #: What a screen reader says for the tile (name, score, class).
    description: str = ""

    @property
    def centre_x(self) -> int:
        return self.x + TILE // 2

    @staticmethod
    def condensed_width(line: str) -> int | None:
        """The width to squeeze ``line`` into, or None when it fits as it is."""
        estimate = len(line) * CHARACTER_WIDTH * LABEL_FONT_SIZE
        return LABEL_WIDTH if estimate > LABEL_WIDTH else None

    def accessible_name(self, value_text: str, class_text: str) -> str:
        """The link's name: the tile's text first (WCAG 2.5.3), the unit named once.

        A label that is the whole name ("Batken Region") is said once; a shorter one, even the
        name's first words ("Batken"), is followed by the full name: the name must hold the
        tile's text and value as shown ("Batken 7.9"), or axe reports a label-in-name mismatch.
        """
        label = " ".join(self.label_lines)
        if _words(self.name) == _words(label):
            return f"{self.name} {value_text}, {class_text}"
        return f"{label} {value_text} — {self.name}, {class_text}"


def _words(text: str) -> list[str]:
    return text.casefold().split()


#: How the map was laid out: every unit from the layout file, none (a plain grid), or some.
LAYOUT_FILE = "file"
LAYOUT_GRID = "grid"
LAYOUT_PARTIAL = "partial"


@dataclass(frozen=True)
class TileMap:
    tiles: tuple[Tile, ...]
    width: int
    height: int

    @property
    def layout(self) -> str:
        """Which caption is true: units placed where they lie, in a plain grid, or both."""
        placed_by_file = sum(not tile.auto_placed for tile in self.tiles)
        if placed_by_file == len(self.tiles):
            return LAYOUT_FILE
        return LAYOUT_GRID if placed_by_file == 0 else LAYOUT_PARTIAL


def load_positions(path: str | Path | None = None) -> dict[str, TilePosition]:
    """Read a layout file, refusing it whole with every problem listed by row and column."""
    path = Path(path) if path else DEFAULT_TILEMAP
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise TileMapError([f"{path}: cannot be read ({error.strerror})"]) from error
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise TileMapError([f"{path.name}: missing column(s) {', '.join(missing)}"])
        return _parse_rows(path.name, reader)


def _parse_rows(name: str, rows: Iterable[dict[str, str]]) -> dict[str, TilePosition]:
    positions: dict[str, TilePosition] = {}
    occupied: dict[tuple[int, int], str] = {}
    problems = []
    for line, row in enumerate(rows, start=2):
        code = (row.get("code") or "").strip()
        if not code:
            problems.append(f"{name} row {line}, column code: empty")
            continue
        cell = []
        for column in ("row", "col"):
            raw = (row.get(column) or "").strip()
            try:
                value = int(raw)
            except ValueError:
                problems.append(
                    f"{name} row {line}, column {column}: {raw!r} is not a whole number"
                )
                continue
            if value < 0:
                problems.append(f"{name} row {line}, column {column}: {value} is negative")
                continue
            cell.append(value)
        if code in positions:
            problems.append(f"{name} row {line}, column code: {code} is listed twice")
            continue
        if len(cell) != 2:
            continue
        where = (cell[0], cell[1])
        if where in occupied:
            problems.append(
                f"{name} row {line}: row {where[0]}, col {where[1]} is already taken by "
                f"{occupied[where]}"
            )
            continue
        occupied[where] = code
        short_names = {
            language: tuple(part.strip() for part in text.split("|") if part.strip())
            for language in LANGUAGES
            if (text := (row.get(f"short_{language}") or "").strip())
        }
        positions[code] = TilePosition(code, cell[0], cell[1], short_names)
    if problems:
        raise TileMapError(problems)
    return positions


def automatic_label(name: str) -> tuple[str, ...]:
    """A short label from a full name: its first word(s), cut to fit a tile."""
    words = name.split()
    if not words:
        return ("?",)
    first = words[0]
    if len(first) > AUTO_LABEL_LENGTH:
        first = first[: AUTO_LABEL_LENGTH - 1] + "."
    lines = [first]
    if len(words) > 1 and len(words[1]) <= AUTO_LABEL_LENGTH:
        lines.append(words[1])
    return tuple(lines)


@dataclass(frozen=True)
class UnitOnMap:
    """What the map needs to know about one unit."""

    code: str
    name: str
    risk_class: str | None = None
    value: float | None = None
    href: str | None = None
    description: str = ""


def build_tilemap(
    units: Sequence[UnitOnMap],
    positions: Mapping[str, TilePosition],
    language: str,
) -> TileMap:
    """Place ``units`` on the grid; those without a position fill rows below the map."""
    placed: list[tuple[int, int, UnitOnMap, bool]] = []
    unplaced = []
    for unit in units:
        position = positions.get(unit.code)
        if position is None:
            unplaced.append(unit)
        else:
            placed.append((position.row, position.col, unit, False))
    if placed:
        columns = max(col for _, col, _, _ in placed) + 1
        first_free_row = max(row for row, _, _, _ in placed) + 1
    else:
        columns = max(1, math.ceil(math.sqrt(len(unplaced))))
        first_free_row = 0
    for index, unit in enumerate(unplaced):
        placed.append((first_free_row + index // columns, index % columns, unit, True))
    if not placed:
        return TileMap((), 0, 0)
    # Drop empty leading rows and columns so the drawing starts at the corner.
    top = min(row for row, _, _, _ in placed)
    left = min(col for _, col, _, _ in placed)
    tiles = []
    for row, col, unit, auto in sorted(placed, key=lambda item: (item[0], item[1])):
        position = positions.get(unit.code)
        lines = (position.short_names.get(language) if position else None) or automatic_label(
            unit.name
        )
        tiles.append(
            Tile(
                code=unit.code,
                x=(col - left) * (TILE + GAP),
                y=(row - top) * (TILE + GAP),
                label_lines=tuple(lines),
                name=unit.name,
                risk_class=unit.risk_class,
                value=unit.value,
                href=unit.href,
                auto_placed=auto,
                description=unit.description or unit.name,
            )
        )
    width = max(tile.x for tile in tiles) + TILE
    height = max(tile.y for tile in tiles) + TILE
    return TileMap(tuple(tiles), width, height)
