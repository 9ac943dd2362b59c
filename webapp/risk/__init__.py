"""Regional social risk: statistics import, indicator catalogue, training, publishing.

The analyst side of the risk index lives here; ``webapp.risk.services`` documents the
query functions the council dashboard and the open-data API use.
"""

from flask import Flask


def register(app: Flask) -> None:
    import webapp.risk.models  # noqa: F401  (tables in the metadata; pages come next)
