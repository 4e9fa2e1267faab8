"""CloudFormation intrinsics as voip_admin.template loads them: {"Ref": ...}, {"Fn::Sub": ...}."""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def sub_text(value: Any) -> str:
    """The template string of an Fn::Sub, in either of its two forms."""
    sub = value["Fn::Sub"]
    return sub if isinstance(sub, str) else str(sub[0])


def parameter_refs(node: Any, parameters: Set[str]) -> set[str]:
    """Every parameter a piece of template reads, through Ref or an Fn::Sub variable."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and value in parameters:
                found.add(value)
            elif key == "Fn::Sub":
                found |= set(_SUB_VARIABLE.findall(sub_text(node))) & set(parameters)
            found |= parameter_refs(value, parameters)
    elif isinstance(node, list):
        for item in node:
            found |= parameter_refs(item, parameters)
    return found


def sub_variables(value: Any) -> dict[str, Any]:
    """The variable map of an Fn::Sub's list form (empty for the string form)."""
    sub = value["Fn::Sub"]
    return {} if isinstance(sub, str) else dict(sub[1])


def render_sub(value: Any, marker: str = "\u27e8{}\u27e9") -> str:
    """An Fn::Sub's text with each ${Name} (a parameter, resource, attribute, pseudo parameter or
    variable of its map) replaced by `marker` around the name, for parsing what the text holds."""
    text = sub_text(value)
    return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", lambda match: marker.format(match[1]), text)
