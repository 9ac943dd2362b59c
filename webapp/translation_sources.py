"""Which source files feed which translation catalogue.

Each domain folder with a ``translations/`` directory owns the strings of its own files; a
folder without one falls to the nearest parent that has one (``webapp/translations``).
Used by ``make translations-update`` and by the test that every string is translated.

Run as ``python -m webapp.translation_sources CATALOGUE_DIR`` to print the files.
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
SOURCE_SUFFIXES = {".py", ".html"}


def catalogue_directories() -> list[Path]:
    return sorted(path for path in PACKAGE_ROOT.glob("**/translations") if path.is_dir())


def sources_for(catalogue: Path) -> list[Path]:
    """Source files whose nearest catalogue is ``catalogue``."""
    catalogue = catalogue.resolve()
    owners = {path.parent for path in catalogue_directories()}
    owner = catalogue.parent
    files = []
    for path in sorted(owner.rglob("*")):
        if path.suffix not in SOURCE_SUFFIXES or "migrations" in path.parts:
            continue
        nearest = next(parent for parent in path.parents if parent in owners or parent == owner)
        if nearest == owner:
            files.append(path)
    return files


if __name__ == "__main__":
    for source in sources_for(Path(sys.argv[1])):
        print(source)
