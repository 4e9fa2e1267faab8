"""CloudWatch Logs JSON filter patterns, as far as template.yaml uses them, to apply its metric
filters to the lines the function really writes.

The subset: `{ <term> && <term> ... }` or `||`, parentheses, and terms `$.field <op> <value>`
with `=` / `!=` on strings (double-quoted, `*` a wildcard) and `=`, `!=`, `<`, `<=`, `>`, `>=` on
numbers. Anything else raises PatternError, so that a pattern outside the subset fails its test
instead of being judged by rules CloudWatch does not follow. Deliberately strict where CloudWatch's
behaviour is not documented: a string compares only with a string field and a number only with a
number field; a missing field makes a term false; `&&` and `||` may not be mixed without
parentheses.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<selector>\$(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
      | (?P<op>&&|\|\||!=|<=|>=|=|<|>)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<paren>[()])
    )""",
    re.VERBOSE,
)
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")

Line = dict[str, Any]
Matcher = Callable[[Line], bool]


class PatternError(ValueError):
    """A pattern this module does not understand."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(body: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    body = body.rstrip()
    while position < len(body):
        match = _TOKEN.match(body, position)
        if match is None or match.end() == position:
            raise PatternError(f"cannot read {body[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        found.append(_Token(kind, match[kind]))
        position = match.end()
    return found


def selector_value(line: Line, selector: str) -> Any:
    """The value `$.a.b` selects in a line; a KeyError when it is absent."""
    value: Any = line
    for part in selector.split(".")[1:]:
        if not isinstance(value, dict) or part not in value:
            raise KeyError(selector)
        value = value[part]
    return value


def _compare(selector: str, op: str, literal: _Token) -> Matcher:
    if literal.kind == "string":
        if op not in ("=", "!="):
            raise PatternError(f"{op} on a string")
        wanted = literal.text[1:-1].replace('\\"', '"')

        def string_term(line: Line) -> bool:
            try:
                value = selector_value(line, selector)
            except KeyError:
                return False
            if not isinstance(value, str):
                return False
            equal = fnmatch.fnmatchcase(value, wanted) if "*" in wanted else value == wanted
            return equal if op == "=" else not equal

        return string_term
    number = float(literal.text)
    test: Callable[[float], bool] = {
        "=": lambda v: v == number,
        "!=": lambda v: v != number,
        "<": lambda v: v < number,
        "<=": lambda v: v <= number,
        ">": lambda v: v > number,
        ">=": lambda v: v >= number,
    }[op]

    def number_term(line: Line) -> bool:
        try:
            value = selector_value(line, selector)
        except KeyError:
            return False
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return test(float(value))

    return number_term


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise PatternError("pattern ends too early")
        self.position += 1
        return token

    def expression(self) -> Matcher:
        terms = [self.term()]
        joiners: set[str] = set()
        while (token := self.peek()) is not None and token.text in ("&&", "||"):
            joiners.add(self.take().text)
            terms.append(self.term())
        if len(joiners) > 1:
            raise PatternError("&& and || mixed without parentheses")
        if joiners == {"||"}:
            return lambda line: any(term(line) for term in terms)
        return lambda line: all(term(line) for term in terms)

    def term(self) -> Matcher:
        token = self.take()
        if token.text == "(":
            inner = self.expression()
            if self.take().text != ")":
                raise PatternError("unbalanced parentheses")
            return inner
        if token.kind != "selector":
            raise PatternError(f"expected $.field, got {token.text!r}")
        op = self.take()
        if op.text not in _COMPARISONS:
            raise PatternError(f"unsupported operator {op.text!r}")
        literal = self.take()
        if literal.kind not in ("string", "number"):
            raise PatternError(f"expected a value, got {literal.text!r}")
        return _compare(token.text, op.text, literal)


def compile_pattern(pattern: str) -> Matcher:
    """A JSON filter pattern (`{ ... }`) as a predicate on a parsed log line."""
    text = pattern.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise PatternError("only JSON patterns ({ ... }) are supported")
    parser = _Parser(_tokens(text[1:-1].strip()))
    matcher = parser.expression()
    if parser.peek() is not None:
        raise PatternError(f"unexpected {parser.peek()!r}")
    return matcher
