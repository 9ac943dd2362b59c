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
                "params": {"indicator": "unemployment_rate", "value": 4.5, "score": 5.0}}  # fmt: skip
    unknown_domain = {**constant, "code": "index.domain_unknown", "message": "domain x",
                      "params": {"domain": "trust_in_stat", "suggestion": "trust_in_state"}}  # fmt: skip
    no_reference = {**constant, "code": "index.no_reference", "message": "2 indicator(s)",
                    "params": {"indicators": ["unemployment_rate", "poverty_share"]}}  # fmt: skip
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert run_warning_message(constant) == (
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
            "Жұмыссыздық деңгейі эталондық кезеңде өзгермейді (барлығы 4.5): оның әр мәні 5 "
            "балл алады."
        )
    # stored before the index's warnings had codes: their English, as before
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        old = {"region": "", "indicator": "", "model": "pipeline", "category": "risk_index",
               "message": "indicator a does not vary in the reference window"}  # fmt: skip
        assert run_warning_message(old) == old["message"]
