"""Demo XLSForms shipped with the platform (built by ``build_demo_forms.py``)."""

from pathlib import Path

DEMO_FORMS_DIR = Path(__file__).resolve().parent
DEMO_FORM_FILES = ("listening_state_citizen.xlsx", "council_feedback.xlsx")


def demo_form_path(filename: str) -> Path:
    """Path of a shipped demo form, e.g. ``demo_form_path("council_feedback.xlsx")``."""
    if filename not in DEMO_FORM_FILES:
        raise KeyError(f"no demo form {filename!r}; known: {', '.join(DEMO_FORM_FILES)}")
    return DEMO_FORMS_DIR / filename
