"""The safe XLSForm expression evaluator: grammar, XPath-like semantics, hostile input."""

import datetime as dt
import math
import re

import pytest

from webapp.surveys.expressions import (
    MAX_EXPRESSION_LENGTH,
    MAX_NESTING_DEPTH,
    ExpressionError,
    evaluate_bool,
    parse,
    parse_cached,
)

TODAY = dt.date(2026, 11, 27)


def ev(text, values=None, current=None):
    return parse(text).evaluate(values or {}, current=current, today=TODAY)


def yes(text, values=None, current=None):
    return parse(text).evaluate_bool(values or {}, current=current, today=TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 div 2", 3.5),
        ("7 mod 3", 1),
        ("-3 + 5", 2),
        ("- (2 - 5)", 3),
        ("10 - 2 - 3", 5),  # left associative
        ("12 div 2 div 3", 2),
        ("'abc'", "abc"),
        ('"it\'s"', "it's"),
        ("string-length('қазақ')", 5),
        ("number('4.5') + 1", 5.5),
        ("int(-2.7)", -2),
        ("int(2.7)", 2),
        ("concat('a', 1, 'b')", "a1b"),
        ("if(1 > 2, 'x', 'y')", "y"),
        ("coalesce('', 'fallback')", "fallback"),
        ("coalesce('first', 'fallback')", "first"),
        ("string(3)", "3"),
    ],
)
def test_arithmetic_literals_and_functions(text, expected):
    assert ev(text) == expected


def test_division_by_zero_follows_xpath_instead_of_raising():
    assert ev("1 div 0") == math.inf
    assert ev("-1 div 0") == -math.inf
    assert math.isnan(ev("0 div 0"))
    assert math.isnan(ev("5 mod 0"))


def test_references_and_current_value():
    values = {"age": "34", "name": "Aigerim"}
    assert yes("${age} >= 18 and ${name} != ''", values)
    assert yes(". >= 1 and . <= 20", current=20)
    assert not yes(". >= 1 and . <= 20", current=21)
    assert parse("${a} + ${b} > ${a}").references == {"a", "b"}
    assert parse(". > 1").uses_current
    assert not parse("${a} > 1").uses_current


def test_empty_answer_compares_as_empty_string_and_never_orders():
    assert yes("${missing} = ''")
    assert yes("${none} = ''", {"none": None})
    assert not yes("${missing} > 3")
    assert not yes("${missing} < 3")
    assert not yes("${missing} = 0")
    assert yes("${missing} != 'x'")


def test_numeric_comparison_when_both_sides_numeric():
    assert yes("${n} > 9", {"n": "10"})  # as text "10" < "9"; numerically 10 > 9
    assert yes("${n} = 10", {"n": "10.0"})
    assert yes("${n} = '10'", {"n": 10})
    assert not yes("${s} > 9", {"s": "ten"})
    assert yes("${s} = 'ten'", {"s": "ten"})


def test_dates_compare_as_dates_and_today():
    assert yes("${d} <= today()", {"d": "2026-11-27"})
    assert not yes("${d} <= today()", {"d": "2026-11-28"})
    assert yes("${d} > date('2000-01-01')", {"d": dt.date(2001, 5, 1)})
    assert yes("today() = '2026-11-27'")
    assert ev("today() - date('2026-11-20')") == 7
    with pytest.raises(ExpressionError, match="ISO date"):
        ev("date('yesterday')")


def test_select_multiple_values_are_space_separated():
    values = {"services": ["health", "education"], "one": "x"}
    assert yes("selected(${services}, 'health')", values)
    assert not yes("selected(${services}, 'police')", values)
    assert yes("selected(${services}, 'education')", {"services": "health education"})
    assert ev("count-selected(${services})", values) == 2
    assert ev("count-selected(${nothing})") == 0
    assert yes("not(selected(${one}, 'y'))", values)


def test_booleans():
    assert yes("true()")
    assert not yes("false()")
    assert yes("not(false()) and (false() or true())")
    assert yes("${flag} = true()", {"flag": "yes"})  # non-empty string is true
    assert not yes("''")
    assert not yes("0")
    assert yes("'0'")  # a non-empty string is true in XPath


def test_operator_precedence_and_or():
    # and binds tighter than or
    assert yes("true() or false() and false()")
    assert not yes("(true() or false()) and false()")
    assert yes("1 + 1 = 2 and 2 * 2 = 4")
    assert yes("1 < 2 = true()")


def test_if_evaluates_only_the_chosen_branch():
    # The untaken branch would fail (bad date); laziness keeps it unevaluated.
    assert ev("if(true(), 'ok', date('nope'))") == "ok"


def test_hyphenated_function_names_do_not_swallow_subtraction():
    assert ev("${a}-1", {"a": "5"}) == 4
    assert ev("count-selected(${s})-1", {"s": "a b c"}) == 2


def test_module_level_evaluate_bool():
    assert evaluate_bool("${x} = 'a'", {"x": "a"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1 +", "ends too early"),
        ("(1 + 2", "expected ')'"),
        ("1 2", "unexpected '2'"),
        ("${a", "malformed reference"),
        ("'open", "unterminated string"),
        ("1 # 2", "unexpected character '#'"),
        ("selected(${a})", "takes 2 argument"),
        ("today(1)", "takes 0 argument"),
        ("concat()", "at least 1"),
        ("foo(1)", "unsupported function foo()"),
        ("regex(., '^a+$')", "unsupported function regex()"),
        ("__import__('os').system('ls')", "unsupported function __import__()"),
        ("${a}.__class__", "unexpected"),
        ("lambda: 1", "unexpected character ':'"),
        ("[1, 2]", "unexpected character '['"),
    ],
)
def test_parse_errors_are_clean(text, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse(text)


def test_error_reports_position():
    with pytest.raises(ExpressionError) as caught:
        parse("${a} = foo(1)")
    assert caught.value.position == 7
    assert "character 8" in str(caught.value)


def test_hostile_length_is_refused():
    text = "1 + " * (MAX_EXPRESSION_LENGTH // 4) + "1"
    with pytest.raises(ExpressionError, match="too long"):
        parse(text)


def test_deep_nesting_is_refused_cleanly():
    deep = "(" * (MAX_NESTING_DEPTH + 5) + "1" + ")" * (MAX_NESTING_DEPTH + 5)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse(deep)
    calls = "not(" * (MAX_NESTING_DEPTH + 1) + "true()" + ")" * (MAX_NESTING_DEPTH + 1)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse(calls)
    minus = "-" * (MAX_NESTING_DEPTH + 1) + "1"
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse(minus)


def test_long_operator_chains_are_refused_before_evaluation():
    chain = "+".join(["1"] * 400)
    assert len(chain) < MAX_EXPRESSION_LENGTH
    with pytest.raises(ExpressionError, match="too many chained operators"):
        parse(chain)
    acceptable = " or ".join(["${a} = 1"] * 30)
    assert yes(acceptable, {"a": 1})


def test_bare_names_parse_as_choice_columns():
    expression = parse("filter = ${region}")
    assert expression.columns == {"filter"}
    assert expression.evaluate_bool({"region": "KZ-75"}, choice={"filter": "KZ-75"})
    assert not expression.evaluate_bool({"region": "KZ-75"}, choice={"filter": "KZ-71"})
    with pytest.raises(ExpressionError, match="choice filter"):
        expression.evaluate({"region": "KZ-75"})


def test_non_text_expression_is_refused():
    with pytest.raises(ExpressionError):
        parse(42)  # type: ignore[arg-type]


def test_parse_cached_reuses_immutable_expressions_but_not_errors():
    assert parse_cached("${a} = 1") is parse_cached("${a} = 1")
    for _ in range(2):
        with pytest.raises(ExpressionError):
            parse_cached("${a} =")


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("contains(., '@')", "a@b.kz", True),
        ("contains(., '@')", "ab.kz", False),
        ("starts-with(., '+7')", "+77011234567", True),
        ("ends-with(., '.kz')", "gov.kz", True),
        ("substr(., 0, 1)", "7701", "7"),
        ("substr(., 2)", "7701", "01"),
        ("substr(., 3, 99)", "7701", "1"),
        ("substr(., 5, 9)", "7701", ""),
        ("normalize-space(.)", "  a   b ", "a b"),
        ("round(., 2)", 2.345, 2.35),
        ("round(.)", -2.5, -3),  # halves away from zero, as ODK
        ("floor(.)", 2.7, 2),
        ("ceiling(.)", 2.1, 3),
        ("abs(.)", -3, 3),
        ("min(4, ., 3)", "2", 2),
        ("max(4, ., 3)", 9, 9),
        ("selected-at(., 1)", "a b c", "b"),
        ("selected-at(., 5)", "a b c", ""),
        ("boolean(.)", "", False),
    ],
)
def test_common_odk_string_and_number_functions(text, current, expected):
    assert ev(text, current=current) == expected


def test_max_of_a_missing_answer_is_nan():
    assert math.isnan(ev("max(1, .)", current=""))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("regex(., '^7[0-9]{10}$')", "exponential time"),
        ("jr:choice-name(${q}, '${q}')", "choice labels cannot be read"),
        ("pulldata('towns', 'name', 'id', ${q})", "external files"),
        ("once(today())", "once()"),
        ("uuid()", "its own id"),
        ("decimal-date-time(.)", "supported: "),
    ],
)
def test_well_known_functions_we_do_not_run_are_named_with_a_reason(text, reason):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    name = text.split("(")[0]
    assert f"unsupported function {name}()" in str(caught.value)
    assert reason in str(caught.value)


def test_substitute_references_leaves_string_literals_alone():
    from webapp.surveys.expressions import substitute_references

    text = "'${c}' = ${c} and ${d} > 1"
    assert substitute_references(text, {"c": "(1 + 2)"}) == "'${c}' = (1 + 2) and ${d} > 1"
