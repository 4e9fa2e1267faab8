"""`JSON.parse` for text nested deeper than Python's `json` can follow.

Python's `json` parses containers by recursion and gives up near its recursion limit (about 1,000
levels); V8's `JSON.parse` is iterative and reads any depth. `jsjson.parse_body` uses `json` and
comes here only when it runs out of recursion: this parser keeps its open containers on a list,
and reads strings and numbers with `json`'s own scanners, so it accepts exactly what `json.loads`
accepts (with `NaN` and `Infinity` refused, and every number a double, as in JavaScript).
"""

from __future__ import annotations

import json.decoder
import re
from collections.abc import Callable
from json.scanner import NUMBER_RE
from typing import Any

# json's own string scanner (C): (text, index after the opening quote, strict) → (value, end).
_scan_string: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_LITERALS: dict[str, Any] = {"null": None, "true": True, "false": False}


class NotJson(ValueError):
    pass


_OPENED = object()  # what `next_value` returns after opening a non-empty container


class _Reader:
    """A position in the text, and the containers still open there (`stack`): each frame is
    [container, key of the member being read (objects)]."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.stack: list[list[Any]] = []
        self.result: Any = None

    def skip_space(self) -> str:
        """Moves past whitespace; the next character, or "" at the end."""
        self.at = _WHITESPACE.match(self.text, self.at).end()  # type: ignore[union-attr]
        return self.text[self.at : self.at + 1]

    def expect(self, char: str) -> None:
        if self.skip_space() != char:
            raise NotJson(f"expected {char!r} at {self.at}")
        self.at += 1

    def string(self) -> str:
        self.expect('"')
        value, self.at = _scan_string(self.text, self.at, True)
        return value

    def key(self) -> str:
        key = self.string()
        self.expect(":")
        return key

    def scalar(self, char: str) -> Any:
        if char == '"':
            return self.string()
        number = NUMBER_RE.match(self.text, self.at)
        if number is not None:
            self.at = number.end()
            return float(number.group())
        for word, value in _LITERALS.items():
            if self.text.startswith(word, self.at):
                self.at += len(word)
                return value
        raise NotJson(f"no value at {self.at}")

    def next_value(self) -> Any:
        """The value that starts here, or _OPENED when it is an array or object with members
        (their frame is pushed)."""
        char = self.skip_space()
        if char not in ("[", "{"):
            return self.scalar(char)
        self.at += 1
        if self.skip_space() == ("]" if char == "[" else "}"):
            self.at += 1
            return [] if char == "[" else {}
        self.stack.append([[], None] if char == "[" else [{}, self.key()])
        return _OPENED

    def attach(self, value: Any) -> bool:
        """Puts a complete value into its container, and each container it completes into its
        own; True when a member follows, False when the outermost value is complete (`result`)."""
        while self.stack:
            frame = self.stack[-1]
            container = frame[0]
            if isinstance(container, list):
                container.append(value)
            else:
                container[frame[1]] = value
            separator = self.skip_space()
            self.at += 1
            if separator == ",":
                if isinstance(container, dict):
                    frame[1] = self.key()
                return True
            if separator != ("]" if isinstance(container, list) else "}"):
                raise NotJson(f"unexpected {separator!r} at {self.at - 1}")
            value = self.stack.pop()[0]
        self.result = value
        return False


def parse_deep(text: str) -> Any:
    """The value of `text`, or NotJson."""
    reader = _Reader(text)
    while True:
        value = reader.next_value()
        if value is _OPENED or reader.attach(value):
            continue
        if reader.skip_space():
            raise NotJson(f"extra data at {reader.at}")
        return reader.result
