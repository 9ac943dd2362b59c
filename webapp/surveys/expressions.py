"""A small, safe evaluator for the XLSForm expression subset used by our surveys.

Survey authors write ``relevant``, ``constraint`` and ``choice_filter`` expressions in
XPath-like XLSForm syntax. They come from uploaded spreadsheets, so they are untrusted:
we never hand them to ``eval``/``exec``. Instead a tokenizer and a Pratt parser build a
tiny AST whose evaluator knows only the operators and functions listed in
``docs/surveys-xlsform.md``. Length and nesting limits keep hostile input cheap to refuse.

Semantics follow XPath 1.0 closely enough for form logic: an empty answer is the empty
string, comparisons are numeric when both sides are numbers, dates compare as dates,
and a ``select_multiple`` answer is a space-separated string of choice names.

Refusals are written in the language of the request (an analyst's upload in kk or ru) and
in English elsewhere (``flask surveys import``, tests without a request).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: Longest expression we accept; real form logic is far shorter.
MAX_EXPRESSION_LENGTH = 2000
#: Deepest nesting of parentheses, unary minus and calls we accept.
MAX_NESTING_DEPTH = 40
#: Deepest syntax tree we accept (long chains like ``a or b or c ...`` nest the tree).
MAX_TREE_DEPTH = 200

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_TEXT = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")
_NAME = re.compile(
    r"(?:[A-Za-z_][A-Za-z0-9_]*:)?[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*"
)
_REFERENCE = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}")
_NUMBER = re.compile(r"\d+(\.\d*)?|\.\d+")


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; ``position`` is 0-based."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        if position is None:
            super().__init__(message)
        else:
            super().__init__(
                _("%(problem)s (at character %(position)d)", problem=message, position=position + 1)
            )


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, string, ref, name, op, lparen, rparen, comma, dot, end
    text: str
    position: int


_OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*")
_WORD_OPERATORS = {"and", "or", "div", "mod"}


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens, refusing any character we do not understand."""
    tokens: list[Token] = []
    i = 0
    length = len(text)
    while i < length:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "$":
            match = _REFERENCE.match(text, i)
            if not match:
                raise ExpressionError(_("malformed reference; write ${question_name}"), i)
            tokens.append(Token("ref", match.group(1), i))
            i = match.end()
            continue
        if ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ExpressionError(_("unterminated string literal"), i)
            tokens.append(Token("string", text[i + 1 : end], i))
            i = end + 1
            continue
        number = _NUMBER.match(text, i)
        if number:
            tokens.append(Token("number", number.group(0), i))
            i = number.end()
            continue
        if ch == ".":
            tokens.append(Token("dot", ".", i))
            i += 1
            continue
        if ch == "(":
            tokens.append(Token("lparen", ch, i))
            i += 1
            continue
        if ch == ")":
            tokens.append(Token("rparen", ch, i))
            i += 1
            continue
        if ch == ",":
            tokens.append(Token("comma", ch, i))
            i += 1
            continue
        operator = next((op for op in _OPERATORS if text.startswith(op, i)), None)
        if operator:
            tokens.append(Token("op", operator, i))
            i += len(operator)
            continue
        name = _NAME.match(text, i)
        if name:
            word = name.group(0)
            kind = "op" if word in _WORD_OPERATORS else "name"
            tokens.append(Token(kind, word, i))
            i = name.end()
            continue
        raise ExpressionError(_("unexpected character %(character)s", character=repr(ch)), i)
    tokens.append(Token("end", "", length))
    return tokens


# --------------------------------------------------------------------------- AST


class Node:
    """Base class of AST nodes; ``evaluate`` takes an evaluation context."""

    position: int

    def evaluate(self, ctx: _Context) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def children(self) -> Sequence[Node]:
        return ()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any
    position: int

    def evaluate(self, ctx: _Context) -> Any:
        return self.value


@dataclass(frozen=True, slots=True)
class Reference(Node):
    """``${name}``: the answer to another question (empty string when unanswered)."""

    name: str
    position: int

    def evaluate(self, ctx: _Context) -> Any:
        return ctx.values.get(self.name)


@dataclass(frozen=True, slots=True)
class Current(Node):
    """``.``: the value being checked by a constraint."""

    position: int

    def evaluate(self, ctx: _Context) -> Any:
        return ctx.current


@dataclass(frozen=True, slots=True)
class Column(Node):
    """A bare name: a column of the choice being filtered (choice_filter only)."""

    name: str
    position: int

    def evaluate(self, ctx: _Context) -> Any:
        if ctx.choice is None:
            raise ExpressionError(
                _("'%(name)s' is only meaningful in a choice filter", name=self.name)
            )
        return ctx.choice.get(self.name, "")


@dataclass(frozen=True, slots=True)
class Unary(Node):
    operator: str
    operand: Node
    position: int

    def evaluate(self, ctx: _Context) -> Any:
        return -to_number(self.operand.evaluate(ctx))

    def children(self) -> Sequence[Node]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Binary(Node):
    operator: str
    left: Node
    right: Node
    position: int

    def evaluate(self, ctx: _Context) -> Any:
        op = self.operator
        if op == "and":
            return to_bool(self.left.evaluate(ctx)) and to_bool(self.right.evaluate(ctx))
        if op == "or":
            return to_bool(self.left.evaluate(ctx)) or to_bool(self.right.evaluate(ctx))
        left = self.left.evaluate(ctx)
        right = self.right.evaluate(ctx)
        if op in _COMPARISONS:
            return compare(left, right, op)
        return _arithmetic(op, to_number(left), to_number(right))

    def children(self) -> Sequence[Node]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    arguments: tuple[Node, ...]
    position: int

    def evaluate(self, ctx: _Context) -> Any:
        function = FUNCTIONS[self.name]
        if function.lazy:
            return function.implementation(ctx, *self.arguments)
        return function.implementation(ctx, *(arg.evaluate(ctx) for arg in self.arguments))

    def children(self) -> Sequence[Node]:
        return self.arguments


@dataclass(slots=True)
class _Context:
    values: Mapping[str, Any]
    current: Any
    today: dt.date
    choice: Mapping[str, Any] | None = None


# --------------------------------------------------------------------------- semantics


def _plain(value: Any) -> Any:
    """Normalise an answer: None is the empty string, lists are space-separated."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return " ".join(str(item) for item in value)
    return value


def to_string(value: Any) -> str:
    """XPath string(): numbers without a trailing .0, dates as ISO, booleans as words."""
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_number(value: Any) -> float:
    """XPath number(): non-numeric text becomes NaN; dates become days since 1970-01-01."""
    value = _plain(value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return float((value - dt.date(1970, 1, 1)).days)
    text = str(value)
    if _NUMBER_TEXT.match(text):
        return float(text)
    as_date = _as_date(text)
    if as_date is not None:
        return to_number(as_date)
    return math.nan


def to_bool(value: Any) -> bool:
    """XPath boolean(): non-zero numbers and non-empty strings are true."""
    value = _plain(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return not (value == 0 or (isinstance(value, float) and math.isnan(value)))
    if isinstance(value, dt.date):
        return True
    return str(value) != ""


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    return isinstance(value, str) and bool(_NUMBER_TEXT.match(value))


_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def compare(left: Any, right: Any, operator: str) -> bool:
    """Compare two values the way form authors expect from XPath.

    Booleans compare as booleans, two numbers numerically, a date with a date (or an ISO
    date string) as dates; otherwise ``=``/``!=`` compare strings and ordering of
    non-numeric text is false, as XPath's NaN rules give.
    """
    left, right = _plain(left), _plain(right)
    test = _ORDERING[operator]
    if isinstance(left, bool) or isinstance(right, bool):
        return test(to_bool(left), to_bool(right))
    if _is_numeric(left) and _is_numeric(right):
        return test(to_number(left), to_number(right))
    left_date, right_date = _as_date(left), _as_date(right)
    if left_date is not None and right_date is not None:
        return test(left_date, right_date)
    if operator in {"=", "!="}:
        return test(to_string(left), to_string(right))
    # Ordering of anything else goes through number(); a date becomes a day count.
    a, b = to_number(left), to_number(right)
    if math.isnan(a) or math.isnan(b):
        return False
    return test(a, b)


def _arithmetic(operator: str, a: float, b: float) -> float:
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if operator == "div":
        if b == 0:
            if a == 0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a)
        return a / b
    if operator == "mod":
        if b == 0 or math.isinf(a):
            return math.nan
        return math.fmod(a, b)
    raise ExpressionError(f"unknown operator {operator!r}")  # pragma: no cover


# --------------------------------------------------------------------------- functions


@dataclass(frozen=True, slots=True)
class Function:
    implementation: Callable[..., Any]
    min_args: int
    max_args: int | None
    lazy: bool = False  # receives AST nodes, so that if() evaluates one branch only


def _selected(ctx: _Context, answer: Any, choice: Any) -> bool:
    return to_string(choice).strip() in to_string(answer).split()


def _count_selected(ctx: _Context, answer: Any) -> float:
    return float(len(to_string(answer).split()))


def _if(ctx: _Context, condition: Node, then: Node, otherwise: Node) -> Any:
    return then.evaluate(ctx) if to_bool(condition.evaluate(ctx)) else otherwise.evaluate(ctx)


def _coalesce(ctx: _Context, first: Any, second: Any) -> Any:
    return first if to_string(first) != "" else second


def _int(ctx: _Context, value: Any) -> float:
    number = to_number(value)
    if math.isnan(number) or math.isinf(number):
        return number
    return float(math.trunc(number))


def _substr(ctx: _Context, value: Any, start: Any, end: Any = None) -> str:
    """ODK substr(s, start[, end]): 0-based, ``end`` exclusive, clamped to the text."""
    text = to_string(value)
    first = to_number(start)
    last = to_number(end) if end is not None else float(len(text))
    if math.isnan(first) or math.isnan(last):
        return ""
    lower = max(0, min(len(text), math.trunc(first) if math.isfinite(first) else len(text)))
    upper = max(0, min(len(text), math.trunc(last) if math.isfinite(last) else len(text)))
    return text[lower:upper]


def _round(ctx: _Context, value: Any, digits: Any = None) -> float:
    """round(x[, digits]): halves away from zero, as ODK does."""
    number = to_number(value)
    places = 0.0 if digits is None else to_number(digits)
    if not math.isfinite(number) or math.isnan(places):
        return number
    places = max(-15.0, min(15.0, math.trunc(places)))
    exponent = Decimal(1).scaleb(-int(places))
    rounded = Decimal(repr(number)).quantize(exponent, rounding="ROUND_HALF_UP")
    return float(rounded)


def _selected_at(ctx: _Context, answer: Any, index: Any) -> str:
    """selected-at(${q}, n): the n-th (0-based) choice of a multiple answer, or ''."""
    items = to_string(answer).split()
    position = to_number(index)
    if math.isnan(position) or not math.isfinite(position):
        return ""
    position = math.trunc(position)
    return items[position] if 0 <= position < len(items) else ""


def _sum(ctx: _Context, value: Any) -> float:
    """sum(${q}) of one answer: its number, or 0 when it is empty or not a number, as ODK
    Collect and Enketo sum a node (Kobo forms write sum(${a}) + sum(${b}) so that an
    unanswered count adds nothing instead of making the total NaN)."""
    number = to_number(value)
    return 0.0 if math.isnan(number) else number


def _translate(ctx: _Context, value: Any, source: Any, target: Any) -> str:
    """XPath translate(s, from, to): each character of ``from`` in ``s`` becomes the one at
    the same place in ``to``, or is removed when ``to`` is shorter (one pass, linear)."""
    source_text, target_text = to_string(source), to_string(target)
    table: dict[int, int | None] = {}
    for index, char in enumerate(source_text):
        table.setdefault(ord(char), ord(target_text[index]) if index < len(target_text) else None)
    return to_string(value).translate(table)


def _min_max(pick: Callable[..., float]) -> Callable[..., float]:
    def function(ctx: _Context, *values: Any) -> float:
        numbers = [to_number(value) for value in values]
        if any(math.isnan(number) for number in numbers):
            return math.nan
        return pick(numbers)

    return function


def _whole(number: float, rounder: Callable[[float], int]) -> float:
    return number if not math.isfinite(number) else float(rounder(number))


def _date(ctx: _Context, value: Any) -> Any:
    as_date = _as_date(_plain(value))
    if as_date is None:
        raise ExpressionError(
            _("date() needs an ISO date like 2024-01-31, got %(value)s", value=repr(value))
        )
    return as_date


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _format_date(ctx: _Context, value: Any, pattern: Any) -> str:
    """ODK format-date(date, format): %Y %y %m %n %b %d %e %a as ODK Collect writes them
    (month and day names in English, as Collect does); '' for an empty or non-date value.
    Times of day (%H %M %S %3) read as zero: answers here are dates."""
    as_date = _as_date(_plain(value))
    if as_date is None:
        return ""
    codes = {
        "Y": f"{as_date.year:04d}",
        "y": f"{as_date.year % 100:02d}",
        "m": f"{as_date.month:02d}",
        "n": str(as_date.month),
        "b": _MONTHS[as_date.month - 1],
        "d": f"{as_date.day:02d}",
        "e": str(as_date.day),
        "a": _WEEKDAYS[as_date.weekday()],
        "H": "00",
        "h": "0",
        "M": "00",
        "S": "00",
        "3": "000",
    }
    text = to_string(pattern)
    out: list[str] = []
    index = 0
    while index < len(text):
        if text[index] == "%" and index + 1 < len(text) and text[index + 1] in codes:
            out.append(codes[text[index + 1]])
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


FUNCTIONS: dict[str, Function] = {
    "selected": Function(_selected, 2, 2),
    "count-selected": Function(_count_selected, 1, 1),
    "not": Function(lambda ctx, value: not to_bool(value), 1, 1),
    "today": Function(lambda ctx: ctx.today, 0, 0),
    "true": Function(lambda ctx: True, 0, 0),
    "false": Function(lambda ctx: False, 0, 0),
    "string-length": Function(lambda ctx, value: float(len(to_string(value))), 1, 1),
    "string": Function(lambda ctx, value: to_string(value), 1, 1),
    "number": Function(lambda ctx, value: to_number(value), 1, 1),
    "int": Function(_int, 1, 1),
    "concat": Function(lambda ctx, *values: "".join(to_string(v) for v in values), 1, None),
    "if": Function(_if, 3, 3, lazy=True),
    "coalesce": Function(_coalesce, 2, 2),
    "date": Function(_date, 1, 1),
    "boolean": Function(lambda ctx, value: to_bool(value), 1, 1),
    "contains": Function(lambda ctx, a, b: to_string(b) in to_string(a), 2, 2),
    "starts-with": Function(lambda ctx, a, b: to_string(a).startswith(to_string(b)), 2, 2),
    "ends-with": Function(lambda ctx, a, b: to_string(a).endswith(to_string(b)), 2, 2),
    "substr": Function(_substr, 2, 3),
    "normalize-space": Function(lambda ctx, value: " ".join(to_string(value).split()), 1, 1),
    "round": Function(_round, 1, 2),
    "floor": Function(lambda ctx, value: _whole(to_number(value), math.floor), 1, 1),
    "ceiling": Function(lambda ctx, value: _whole(to_number(value), math.ceil), 1, 1),
    "abs": Function(lambda ctx, value: abs(to_number(value)), 1, 1),
    "min": Function(_min_max(min), 1, None),
    "max": Function(_min_max(max), 1, None),
    "selected-at": Function(_selected_at, 2, 2),
    "translate": Function(_translate, 3, 3),
    "sum": Function(_sum, 1, 1),
    "format-date": Function(_format_date, 2, 2),
}

#: Well-known XLSForm functions we refuse on purpose, with the reason given to the author.
REFUSED_FUNCTIONS = {
    "regex": _l(
        "regular expressions can take exponential time on hostile input, so regex() is "
        "not run on the server; check length with string-length() or the start with "
        "starts-with() instead"
    ),
    "jr:choice-name": _l(
        "choice labels cannot be read in expressions; compare choice names "
        "instead, e.g. ${q} = 'yes'"
    ),
    "pulldata": _l("pulldata() reads external files, which are not supported"),
    "once": _l("once() is meaningless on the web; the value is computed from the answers"),
    "now": _l("times are not collected; use today()"),
    "uuid": _l("uuid() is not supported; every response already has its own id"),
    "random": _l("random() is not supported (answers must be reproducible)"),
    "position": _l("position() belongs to repeats, which are not supported"),
    "indexed-repeat": _l("indexed-repeat() belongs to repeats, which are not supported"),
}


# --------------------------------------------------------------------------- parser

_BINDING_POWER = {
    "or": 10,
    "and": 20,
    "=": 30,
    "!=": 30,
    "<": 40,
    "<=": 40,
    ">": 40,
    ">=": 40,
    "+": 50,
    "-": 50,
    "*": 60,
    "div": 60,
    "mod": 60,
}
_UNARY_BINDING_POWER = 70


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, what: str) -> Token:
        token = self.peek()
        if token.kind != kind:
            if token.kind == "end":
                message = _("expected %(what)s but found the end of the expression", what=what)
            else:
                message = _(
                    "expected %(what)s but found %(found)s", what=what, found=repr(token.text)
                )
            raise ExpressionError(message, token.position)
        return self.advance()

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ExpressionError(_("the expression is empty"), 0)
        node = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            if token.kind == "name" and token.text.lower() in ("and", "or", "div", "mod"):
                # 'AND', 'Or': spreadsheet habits; XPath's operators are lower case.
                raise ExpressionError(
                    _(
                        "unexpected %(token)s; write the operator in lower case: %(lower)s",
                        token=repr(token.text),
                        lower=repr(token.text.lower()),
                    ),
                    token.position,
                )
            raise ExpressionError(_("unexpected %(token)s", token=repr(token.text)), token.position)
        return node

    def expression(self, min_power: int) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING_DEPTH:
            raise ExpressionError(
                _(
                    "the expression is nested too deeply (more than %(limit)d levels)",
                    limit=MAX_NESTING_DEPTH,
                ),
                self.peek().position,
            )
        left = self.prefix()
        while True:
            token = self.peek()
            if token.kind != "op" or token.text not in _BINDING_POWER:
                break
            power = _BINDING_POWER[token.text]
            if power <= min_power:
                break
            self.advance()
            right = self.expression(power)
            left = Binary(token.text, left, right, token.position)
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            return Literal(float(token.text), token.position)
        if token.kind == "string":
            return Literal(token.text, token.position)
        if token.kind == "ref":
            return Reference(token.text, token.position)
        if token.kind == "dot":
            return Current(token.position)
        if token.kind == "op" and token.text == "-":
            return Unary("-", self.expression(_UNARY_BINDING_POWER), token.position)
        if token.kind == "lparen":
            inner = self.expression(0)
            self.expect("rparen", "')'")
            return inner
        if token.kind == "name":
            if self.peek().kind == "lparen":
                return self.call(token)
            return Column(token.text, token.position)
        if token.kind == "end":
            raise ExpressionError(_("the expression ends too early"), token.position)
        if token.text == "=" and self.text[: token.position].rstrip().endswith("="):
            # '==' (and '= =') as in spreadsheet formulas and programming languages.
            raise ExpressionError(
                _("'==' is not an operator; compare with a single '='"), token.position
            )
        raise ExpressionError(_("unexpected %(token)s", token=repr(token.text)), token.position)

    def call(self, name: Token) -> Call:
        function = FUNCTIONS.get(name.text)
        if function is None:
            refused = REFUSED_FUNCTIONS.get(name.text)
            if refused is not None:
                reason = str(refused)
            else:
                reason = _("supported: %(functions)s", functions=", ".join(sorted(FUNCTIONS)))
            raise ExpressionError(
                _(
                    "unsupported function %(name)s(); %(reason)s",
                    name=name.text,
                    reason=reason,
                ),
                name.position,
            )
        self.expect("lparen", "'('")
        arguments: list[Node] = []
        if self.peek().kind != "rparen":
            arguments.append(self.expression(0))
            while self.peek().kind == "comma":
                self.advance()
                arguments.append(self.expression(0))
        self.expect("rparen", "')' or ','")
        count = len(arguments)
        too_many = function.max_args is not None and count > function.max_args
        if count < function.min_args or too_many:
            numbers = {
                "name": name.text,
                "minimum": function.min_args,
                "maximum": function.max_args,
                "count": count,
            }
            if function.max_args is None:
                message = _(
                    "%(name)s() takes at least %(minimum)d argument(s), got %(count)d", **numbers
                )
            elif function.min_args == function.max_args:
                message = _("%(name)s() takes %(minimum)d argument(s), got %(count)d", **numbers)
            else:
                message = _(
                    "%(name)s() takes %(minimum)d to %(maximum)d arguments, got %(count)d",
                    **numbers,
                )
            raise ExpressionError(message, name.position)
        return Call(name.text, tuple(arguments), name.position)


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class Expression:
    """A parsed expression: inspect its references, then evaluate it many times."""

    source: str
    root: Node = field(repr=False)

    def _walk(self) -> Iterator[Node]:
        stack = [self.root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children())

    @property
    def references(self) -> set[str]:
        """Names of the questions this expression reads through ``${name}``."""
        return {node.name for node in self._walk() if isinstance(node, Reference)}

    @property
    def columns(self) -> set[str]:
        """Bare names (choice columns), which only a choice_filter may use."""
        return {node.name for node in self._walk() if isinstance(node, Column)}

    @property
    def uses_current(self) -> bool:
        """Whether the expression reads ``.`` (meaningful in constraints only)."""
        return any(isinstance(node, Current) for node in self._walk())

    def evaluate(
        self,
        values: Mapping[str, Any],
        current: Any = None,
        today: dt.date | None = None,
        choice: Mapping[str, Any] | None = None,
    ) -> Any:
        """Evaluate against answers ``values``; ``choice`` holds a choice's columns."""
        context = _Context(
            values=values, current=current, today=today or dt.date.today(), choice=choice
        )
        try:
            return self.root.evaluate(context)
        except RecursionError as error:  # defensive: depth is bounded at parse time
            raise ExpressionError(_("the expression is nested too deeply")) from error
        except (OverflowError, ValueError) as error:
            if isinstance(error, ExpressionError):
                raise
            raise ExpressionError(_("cannot evaluate: %(error)s", error=str(error))) from error

    def evaluate_bool(
        self,
        values: Mapping[str, Any],
        current: Any = None,
        today: dt.date | None = None,
        choice: Mapping[str, Any] | None = None,
    ) -> bool:
        """Evaluate and convert the result with XPath boolean()."""
        return to_bool(self.evaluate(values, current=current, today=today, choice=choice))


def parse(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression`, or raise :class:`ExpressionError`."""
    if not isinstance(text, str):
        raise ExpressionError(_("an expression must be text"))
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            _(
                "the expression is too long (%(length)d characters; the limit is %(limit)d)",
                length=len(text),
                limit=MAX_EXPRESSION_LENGTH,
            )
        )
    root = _Parser(text).parse()
    depth = _tree_depth(root)
    if depth > MAX_TREE_DEPTH:
        raise ExpressionError(
            _(
                "the expression has too many chained operators (tree depth %(depth)d; "
                "the limit is %(limit)d)",
                depth=depth,
                limit=MAX_TREE_DEPTH,
            )
        )
    return Expression(text, root)


def substitute_references(text: str, replacements: Mapping[str, str]) -> str:
    """Replace ``${name}`` by ``replacements[name]`` outside string literals.

    Used by the importer to write a calculate's formula where the form refers to it.
    Raises :class:`ExpressionError` when ``text`` cannot be tokenized.
    """
    pieces: list[str] = []
    last = 0
    for token in tokenize(text):
        if token.kind != "ref" or token.text not in replacements:
            continue
        end = _REFERENCE.match(text, token.position).end()
        pieces.append(text[last : token.position])
        pieces.append(replacements[token.text])
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


@functools.lru_cache(maxsize=4096)
def parse_cached(text: str) -> Expression:
    """:func:`parse` with memory: a form's expressions are checked on every page post.

    Safe because expressions are immutable; errors are not cached (they re-raise).
    """
    return parse(text)


def _tree_depth(root: Node) -> int:
    """Depth of the syntax tree, measured without recursion."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.children())
    return deepest


def evaluate_bool(
    text: str,
    values: Mapping[str, Any],
    current: Any = None,
    today: dt.date | None = None,
) -> bool:
    """Parse and evaluate ``text`` as a condition in one step (convenience for callers)."""
    return parse(text).evaluate_bool(values, current=current, today=today)
