"""Run warnings of the backtest and the risk index worded in the page's language from their
code and params, indicators by their names there (``reader_messages.run_warning_message``)."""

from __future__ import annotations

from webapp.risk.reader_messages import run_warning_message


def warning(category: str, message: str, params: dict, **fields) -> dict:
    return {"region": "", "indicator": "", "model": "backtest", "category": category,
            "message": message, "params": params, **fields}  # fmt: skip


def test_backtest_warnings_in_russian(app, regions) -> None:
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        fewer = warning(
            "fewer_origins",
            "19 period(s) of history allow only 1 of 3 origins for horizon 12",
            {"length": 19, "origins": 1, "requested": 3, "horizon": 12},
            indicator="youth_unemployment_rate",
        )
        assert run_warning_message(fewer) == (
            "Уровень молодёжной безработицы: История из 19 периодов допускает при горизонте в 12 "
            "шагов только 1 из 3 точек исторической проверки."
        )
        tiny = warning(
            "not_evaluated",
            "2 period(s) of history: too short to backtest",
            {"length": 2, "min_train": 3},
            indicator="score",
        )
        assert run_warning_message(tiny) == (
            "Индекс риска: Истории из 2 периодов мало для ретроспективной проверки (нужно больше "
            "3): модель нельзя выбрать по точности."
        )
        failed = warning(
            "model_failed",
            "origin 0: RuntimeError: no luck",
            {"origin": 0, "error": "RuntimeError", "detail": "no luck"},
            model="pooled_ets",
        )
        assert run_warning_message(failed) == (
            "Модель «Объединённое экспоненциальное сглаживание» не сработала в точке проверки 1 "
            "(RuntimeError: no luck)."
        )
        # a model's own warning at a backtest origin: the origin and model in Russian
        at_origin = warning(
            "pooled_scale",
            "origin 0: constant or single-value series: error scale borrowed",
            {"origin": 0},
            region="KZ-39",
            indicator="poverty_share",
            model="series_ets",
        )
        assert run_warning_message(at_origin) == (
            "KZ-39 Костанайская область, Доля населения с доходами ниже прожиточного минимума: "
            "Точка проверки 1, Экспоненциальное сглаживание по каждому ряду: Постоянный ряд или "
            "ряд из одного значения: масштаб ошибки и ширина интервала взяты у других рядов "
            "показателя."
        )
        # a model's warning without web wording: the origin and model worded, its text kept
        fallback = {**at_origin, "category": "fallback", "message": "origin 2: ETS failed"}
        fallback["params"] = {"origin": 2}
        assert run_warning_message(fallback) == (
            "KZ-39 Костанайская область, Доля населения с доходами ниже прожиточного минимума: "
            "Точка проверки 3, Экспоненциальное сглаживание по каждому ряду: ETS failed"
        )


def test_index_warnings_in_kazakh_and_russian(app, regions) -> None:
    constant = {"region": "", "indicator": "", "model": "pipeline", "category": "risk_index",
                "code": "index.constant",
                "message": "indicator unemployment_rate does not vary in the reference window",
                "params": {"indicator": "unemployment_rate", "value": 4.5}}  # fmt: skip
    # a run stored before constant indicators counted as missing scored them 5 and says so
    scored = {**constant, "params": {**constant["params"], "score": 5.0}}
    unknown_domain = {**constant, "code": "index.domain_unknown", "message": "domain x",
                      "params": {"domain": "trust_in_stat", "suggestion": "trust_in_state"}}  # fmt: skip
    no_reference = {**constant, "code": "index.no_reference", "message": "2 indicator(s)",
                    "params": {"indicators": ["unemployment_rate", "poverty_share"]}}  # fmt: skip
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert run_warning_message(constant) == (
            "Уровень безработицы не меняется в базовом периоде (везде 4.5): он не различает "
            "регионы и считается отсутствующим в каждой оценке."
        )
        assert run_warning_message(scored) == (
            "Уровень безработицы не меняется в базовом периоде (везде 4.5): каждое его значение "
            "получает оценку 5."
        )
        assert run_warning_message(unknown_domain) == (
            "Сфера trust_in_stat не входит в стандартные сферы: она взвешивается как отдельная "
            "сфера. Возможно, имелась в виду trust_in_state?"
        )
        assert run_warning_message(no_reference).endswith(
            "(2): Уровень безработицы, Доля населения с доходами ниже прожиточного минимума."
        )
    with app.test_request_context(headers={"Accept-Language": "kk"}):
        assert run_warning_message(constant) == (
            "Жұмыссыздық деңгейі эталондық кезеңде өзгермейді (барлығы 4.5): ол өңірлерді "
            "бір-бірінен ажырата алмайды, сондықтан әр бағада жоқ деп саналады."
        )
        assert run_warning_message(scored).endswith("оның әр мәні 5 балл алады.")
    # stored before the index's warnings had codes: their English, as before
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        old = {"region": "", "indicator": "", "model": "pipeline", "category": "risk_index",
               "message": "indicator a does not vary in the reference window"}  # fmt: skip
        assert run_warning_message(old) == old["message"]


def test_model_warnings_on_the_publish_page_in_russian_and_kazakh(app, analyst_client, regions):
    """The models' fallback, interpolated and calibration warnings (as ``forecasting.models``
    stores them, with code and params) are worded in the page's language, not in English."""
    from forecasting.models import NaiveForecaster, SeasonalNaiveForecaster
    from tests.forecasting.test_models import make_panel
    from webapp.extensions import db
    from webapp.risk import jobs
    from webapp.risk.models import RiskModelRun

    short = make_panel(regions=1, months=2)
    gappy = make_panel(regions=1).drop(index=[5])
    items = [
        *[w for w in SeasonalNaiveForecaster().fit(short).predict(2).warnings
          if w["category"] == "fallback"],
        *[w for w in NaiveForecaster().fit(gappy).predict(2).warnings
          if w["category"] == "interpolated"],
        {"region": "", "indicator": "", "model": "gbm", "category": "fallback",
         "message": "group M: only 6 training rows (needs 30); naive forecast used for its 2 "
                    "series", "code": "run.fallback.few_rows",
         "params": {"group": "M", "training_rows": 6, "needed": 30, "series": 2}},
        {"region": "", "indicator": "", "model": "gbm", "category": "uncalibrated_interval",
         "message": "group M: too few recent rows to calibrate the quantile intervals (they may "
                    "be too narrow)", "code": "run.uncalibrated_interval",
         "params": {"group": "M"}},
    ]  # fmt: skip
    assert len(items) >= 4
    with app.app_context():
        record = jobs.registry().store({"card.md": b"# Card"}, status="succeeded", message="")
        card = {"warnings": {"count": len(items), "items": items}}
        db.session.add(RiskModelRun(run_id=record.id, latest_period="2026-10", card=card))
        db.session.commit()
    expected = {
        "ru": [
            "Группа рядов M: всего 6 строк для обучения (нужно 30)",
            "Группа рядов M: слишком мало недавних строк",
            "1, они заполнены линейной интерполяцией",
            "Периодов: 2, это меньше одного сезона плюс один (13)",
        ],
        "kk": [
            "M қатарлар тобы: оқытуға тек 6 жол бар (30 керек)",
            "M қатарлар тобы: квантильдік интервалдарды калибрлеуге",
            "1, олар сызықтық интерполяциямен толтырылды",
            "Кезеңдер саны 2, бұл бір маусымнан",
        ],
    }
    for language, phrases in expected.items():
        page = analyst_client.get(
            f"/risk/runs/{record.id}/promote", headers={"Accept-Language": language}
        ).get_data(as_text=True)
        for phrase in phrases:
            assert phrase in page, (language, phrase)
        for english in ("training rows", "too few recent rows", "linear interpolation",
                        "naive forecast used"):  # fmt: skip
            assert english not in page, (language, english)


def test_warnings_of_one_kind_are_listed_together_with_the_rest_folded(
    app, analyst_client, regions
):
    """A demo run's 189 warnings, one line each, made the job page 12,000 pixels tall: those
    of one kind now show once, with the others folded under "N more of the same kind"."""
    from webapp.extensions import db
    from webapp.risk import jobs
    from webapp.risk.models import RiskModelRun
    from webapp.risk.reader_messages import run_warning_groups

    def interpolated(region: str) -> dict:
        return {
            "region": region,
            "indicator": "registered_unemployment",
            "model": "naive",
            "category": "interpolated",
            "message": "1 missing period(s) filled by linear interpolation",
            "code": "run.interpolated",
            "params": {"missing": 1},
        }

    items = [interpolated(f"KZ-{code}") for code in (11, 15, 19, 23, 27)]
    items.insert(2, "a warning stored as plain text")
    with app.app_context():
        groups = run_warning_groups(items)
        assert [len(group) for group in groups] == [5, 1]
        assert groups[1] == ["a warning stored as plain text"]
        record = jobs.registry().store({"card.md": b"# Card"}, status="succeeded", message="")
        card = {"warnings": {"count": len(items), "items": items}}
        db.session.add(RiskModelRun(run_id=record.id, latest_period="2026-10", card=card))
        db.session.commit()
    page = analyst_client.get(
        f"/risk/runs/{record.id}", headers={"Accept-Language": "ru"}
    ).get_data(as_text=True)
    section = page[page.index('class="run-warnings"') :]
    assert section.count("<details>") == 1
    assert "Ещё 4 того же рода" in section
    assert section.count("<li>") == 2 + 4  # two kinds, four folded
    assert "прочтите их перед публикацией" in section  # not published yet
