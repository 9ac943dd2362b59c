"""``required`` typed in Kazakh or Russian, as authors writing their forms in Excel do."""

from __future__ import annotations

import pytest

from tests.webapp.surveys.surveys_support import (
    HEADER,
    WELLBEING_CHOICES,
    WELLBEING_SETTINGS,
    WELLBEING_SURVEY,
    xlsx_bytes,
)
from webapp.surveys.xlsform import XLSFormError, import_xlsform


@pytest.mark.parametrize(
    ("word", "required"),
    [("Иә", True), ("ия", True), ("Да", True), ("нет", False), ("Жоқ", False)],
)
def test_required_in_kazakh_or_russian_is_read(word: str, required: bool) -> None:
    """'Иә' or 'да' in the required column was refused with "is not yes/no; conditional
    required expressions are not supported", which an author who wrote yes in her own
    language could not act on."""
    assert HEADER[5] == "required"
    survey = [*WELLBEING_SURVEY, ["text", "comment", "Пікір", "Комментарий", "Comment", word]]
    definition = import_xlsform(xlsx_bytes(survey, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    assert definition.question("comment").required is required


def test_other_words_are_still_refused() -> None:
    survey = [*WELLBEING_SURVEY, ["text", "comment", "Пікір", "Комментарий", "Comment", "мүмкін"]]
    with pytest.raises(XLSFormError) as refused:
        import_xlsform(xlsx_bytes(survey, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    assert "'мүмкін' is not yes/no" in str(refused.value)
