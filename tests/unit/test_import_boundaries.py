"""voip_core's layers, as its imports must keep them (docs/architecture.md, "Where each concern
lives"):

    dispatch.py ─> routes/ ─> wiring.py ─> services/ ─> store/ ─> domain/ ─> compat/

A module imports only from its own layer and those to its right, and from the shared modules its
layer is allowed: only the store knows DynamoDB (botocore), only dispatch and the routes know HTTP
(http.py), the domain imports nothing but itself, compat and errors.py, and compat nothing but the
standard library. Every import counts, a type-only or a function-local one too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "layers" / "voip_core" / "voip_core"

# The parts of voip_core each part may import (besides itself), and whether it may import anything
# beyond the standard library and voip_core.
ALLOWED: dict[str, tuple[set[str], bool]] = {
    "compat": (set(), False),
    "domain": ({"compat", "errors"}, False),
    "store": ({"domain", "compat", "errors", "observability"}, True),
    "services": ({"store", "domain", "compat", "errors", "observability"}, True),
    "wiring": ({"services", "store", "domain", "compat", "errors", "settings"}, True),
    "routes": (
        {"wiring", "services", "store", "domain", "compat", "errors", "settings", "http"},
        True,
    ),
    "dispatch": ({"routes", "wiring", "errors", "observability", "http"}, True),
    "http": ({"compat"}, False),
    "errors": (set(), False),
    "settings": (set(), False),
    "observability": (set(), True),
}
# DynamoDB's client library: the store's alone.
DATASTORE_LIBRARIES = {"botocore", "boto3"}


def part_of(module: str) -> str:
    """`voip_core.store.rooms` → `store`; `voip_core.errors` → `errors`."""
    return module.split(".")[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(module: str, is_package: bool, source: str) -> set[str]:
    """Every module `source` (module `module`) imports, anywhere in it, relative ones resolved."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            found.add(target)
            if target == "voip_core":  # `from voip_core import store`
                found.update(f"voip_core.{alias.name}" for alias in node.names)
    return found


def allowed(own: str, name: str) -> bool:
    """Whether part `own` may import module `name`."""
    parts, third_party = ALLOWED[own]
    top = name.split(".", maxsplit=1)[0]
    if top == "voip_core":
        return name == "voip_core" or part_of(name) in {own, *parts}
    if top in DATASTORE_LIBRARIES:
        return own == "store"
    return third_party or top in sys.stdlib_module_names or top == "__future__"


def violations(module: str, is_package: bool, source: str) -> list[str]:
    """What `module` imports that its part may not."""
    own = part_of(module)
    return [name for name in sorted(imported(module, is_package, source)) if not allowed(own, name)]


# Every module but the package's own __init__.
MODULES = sorted(
    path for path in PACKAGE.rglob("*.py") if path.parent != PACKAGE or path.stem != "__init__"
)


def test_every_module_belongs_to_a_known_part() -> None:
    unknown = {module_name(path) for path in MODULES if part_of(module_name(path)) not in ALLOWED}
    assert unknown == set(), "classify them in ALLOWED (and docs/architecture.md)"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_imports_stay_within_the_layers(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert violations(module_name(path), path.stem == "__init__", source) == []


@pytest.mark.parametrize(
    ("module", "source", "wrong"),
    [
        ("voip_core.domain.x", "from ..store import dynamo\n", ["voip_core.store"]),
        ("voip_core.domain.x", "from voip_core import routes\n", ["voip_core.routes"]),
        ("voip_core.domain.x", "def f():\n    import botocore.session\n", ["botocore.session"]),
        ("voip_core.domain.x", "if TYPE:\n    from voip_core.http import A\n", ["voip_core.http"]),
        ("voip_core.domain.x", "from voip_core.errors import A\nimport json\n", []),
        ("voip_core.store.x", "from voip_core.routes.gate import A\n", ["voip_core.routes.gate"]),
        ("voip_core.store.x", "from voip_core.dispatch import A\n", ["voip_core.dispatch"]),
        ("voip_core.store.x", "import botocore.exceptions\n", []),
        ("voip_core.compat.x", "from voip_core.errors import A\n", ["voip_core.errors"]),
        ("voip_core.compat.x", "import yaml\nfrom . import jsjson\n", ["yaml"]),
        ("voip_core.services.x", "from voip_core.http import A\n", ["voip_core.http"]),
        ("voip_core.routes.x", "import boto3\n", ["boto3"]),
    ],
)
def test_the_checker_sees_a_crossing_however_it_is_written(
    module: str, source: str, wrong: list[str]
) -> None:
    """The checker itself: relative, package-level, function-local and type-only imports count."""
    assert violations(module, False, source) == wrong
