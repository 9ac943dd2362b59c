"""Demo content for a first look: one account per role, and each domain's sample data.

Domains add their own loaders with ``add_demo_loader``; ``flask demo load`` runs them in order.
All demo data is synthetic and says so.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

DemoLoader = Callable[[], str]


def add_demo_loader(app: Flask, name: str, loader: DemoLoader) -> None:
    """Register a loader: it must be idempotent, flush its work and return a one-line summary."""
    app.extensions.setdefault("demo_loaders", []).append((name, loader))
