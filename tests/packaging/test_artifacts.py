"""What `make build` puts in .aws-sam/build: the layer and the function as Lambda gets them.

Skipped when there is no build, or one older than the sources; `make artifacts` (CI, after
`make build`) sets VOIP_REQUIRE_BUILD=1, which turns those skips into failures.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.packaging.runtime_python import find_python313

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
LAYER = BUILD / "VoipCoreLayer" / "python"
FUNCTION = BUILD / "VoipRoomFunction"
SOURCES = {
    LAYER / "voip_core": ROOT / "layers" / "voip_core" / "voip_core",
    FUNCTION: ROOT / "functions" / "voip_room",
}
REQUIRE_BUILD = os.environ.get("VOIP_REQUIRE_BUILD") == "1"
PYC_MAGIC_313 = (3571).to_bytes(2, "little") + b"\r\n"
CHECKED_HASH_FLAGS = 0b11  # hash-based, checked against the source
EM_AARCH64 = 183
RUNTIME_WHEEL_TAG = re.compile(r"cp313-cp313-manylinux\S*_aarch64")
LAMBDA_UNZIPPED_LIMIT = 262_144_000  # function and layers together
RUNTIME_PACKAGES = ("botocore", "dateutil", "urllib3", "six", "jmespath")
DEV_NAMES = re.compile(
    r"tests?|conftest\.py|test_.*\.py|.*_test\.py|Makefile|requirements.*\.txt|.*\.pyi"
    r"|\.pytest_cache|\.mypy_cache|\.ruff_cache|.*\.egg-info"
)


def sources(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def unusable_build() -> str | None:
    if not BUILD.is_dir():
        return "no .aws-sam/build: run `make build`"
    for built, source in SOURCES.items():
        if not built.is_dir() or sources(built) != sources(source):
            return f"{built.relative_to(BUILD)} differs from its sources: run `make build`"
    return None


@pytest.fixture(scope="module", autouse=True)
def _build() -> None:
    reason = unusable_build()
    if reason and REQUIRE_BUILD:
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)


def files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    assert header[5] == 1, f"{path}: not little-endian"
    return int.from_bytes(header[18:20], "little")


def test_layer_holds_the_runtimes_wheels() -> None:
    """Pure Python, or built for the runtime (CPython 3.13 on arm64), whatever the host."""
    wheels = list(LAYER.glob("*.dist-info/WHEEL"))
    assert wheels
    for wheel in wheels:
        tags = re.findall(r"^Tag: (\S+)$", wheel.read_text(), re.M)
        assert tags, wheel
        for tag in tags:
            assert tag.endswith("-none-any") or RUNTIME_WHEEL_TAG.fullmatch(tag), wheel
    for extension in (path for path in files(LAYER) if path.suffix == ".so"):
        assert "cpython-313-aarch64" in extension.name, extension
        assert elf_machine(extension) == EM_AARCH64, extension


def test_layer_holds_the_pinned_dependencies() -> None:
    requirements = (ROOT / "layers" / "voip_core" / "requirements.txt").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", requirements, re.M)
    assert pins
    for name, version in pins:
        normalized = re.sub(r"[-_.]+", "_", name).lower()
        assert (LAYER / f"{normalized}-{version}.dist-info").is_dir(), f"{name}=={version}"


def test_no_copy_of_boto3_or_botocore() -> None:
    """The runtime's own boto3/botocore serve the function (docs/decisions.md, "boto3 and botocore
    from the runtime")."""
    for directory in (LAYER, FUNCTION):
        bundled = [
            path.name
            for path in directory.iterdir()
            if re.match(r"(boto3|botocore|s3transfer)([-_.]|$)", path.name)
        ]
        assert bundled == [], directory


def test_no_test_or_dev_files() -> None:
    for directory in (LAYER, FUNCTION):
        found = [
            str(path.relative_to(BUILD))
            for path in directory.rglob("*")
            if DEV_NAMES.fullmatch(path.name) and "dist-info" not in str(path.parent)
        ]
        assert found == []
    assert not (LAYER / "bin").exists(), "console scripts"
    assert [path for path in files(FUNCTION) if path.suffix != ".py"] == []
    bytecode = [path.name for path in files(LAYER) if path.suffix == ".pyc"]
    assert [name for name in bytecode if ".cpython-313." not in name] == []


def pyc_for(source: Path) -> Path:
    return source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"


def test_layer_bytecode_is_313_and_checked_against_its_source() -> None:
    modules = [path for path in files(LAYER) if path.suffix == ".py"]
    if not any(pyc_for(module).exists() for module in modules):
        if find_python313():
            pytest.fail("a python3.13 is here, yet the layer has no bytecode")
        pytest.skip("built without a python3.13 (the build said so): no bytecode to check")
    for module in modules:
        header = pyc_for(module).read_bytes()[:8]
        assert header[:4] == PYC_MAGIC_313, module
        assert int.from_bytes(header[4:8], "little") == CHECKED_HASH_FLAGS, module


@pytest.fixture(scope="module")
def runtime_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stands in for the runtime's /var/runtime: botocore and what it needs, from this venv."""
    directory = tmp_path_factory.mktemp("runtime")
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, name
        origin = Path(spec.origin)
        target = origin.parent if spec.submodule_search_locations else origin
        (directory / target.name).symlink_to(target)
    return directory


def probe_handler_import(python: str, runtime: Path, home: Path) -> dict[str, Any]:
    probe = Path(__file__).with_name("import_probe.py")
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    completed = subprocess.run(
        [python, "-S", "-I", str(probe), str(FUNCTION), str(LAYER), str(runtime)],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


@pytest.fixture(scope="module")
def handler_import(
    runtime_packages: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    python = find_python313() or sys.executable
    return probe_handler_import(python, runtime_packages, tmp_path_factory.mktemp("home"))


def test_handler_imports_resolve_against_the_layer(
    runtime_packages: Path, handler_import: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    result = handler_import
    modules: dict[str, str] = result["modules"]
    assert modules["app"] == str(FUNCTION / "app.py")
    ours = {name: path for name, path in modules.items() if name.split(".")[0] in _LAYER_PACKAGES}
    assert "voip_core.dispatch" in ours and "aws_lambda_powertools" in ours
    for name, path in ours.items():
        assert path.startswith(str(LAYER) + os.sep), f"{name} came from {path}"
    for name, path in modules.items():
        if path.startswith(str(runtime_packages)):
            assert name.split(".")[0] in RUNTIME_PACKAGES, name
    recompiled = [path for path in result["compiled_from_source"] if path.startswith(str(LAYER))]
    if result["python"][:2] == [3, 13] and any(LAYER.rglob("*.cpython-313.pyc")):
        assert recompiled == [], "the runtime would recompile these at every cold start"
    with capsys.disabled():
        print(
            f"\nhandler init on this host with Python {'.'.join(map(str, result['python']))}: "
            f"{result['init_ms']} ms, peak RSS {result['max_rss_kb'] / 1024:.0f} MiB; compiled "
            f"from source: {len(recompiled)} layer modules, "
            f"{len(result['compiled_from_source']) - len(recompiled)} others (the stand-in "
            "botocore here has no 3.13 bytecode; the runtime's has)"
        )


_LAYER_PACKAGES = {"voip_core", "aws_lambda_powertools"}


def test_layer_ships_only_what_the_handler_imports(handler_import: dict[str, Any]) -> None:
    """Every package in the layer is one the handler loads from it at init; pydantic is the CLI's
    (docs/decisions.md, "Pydantic in the CLI, not in the layer")."""
    shipped = {
        path.stem if path.suffix == ".py" else path.name
        for path in LAYER.iterdir()
        if not path.name.endswith(".dist-info") and path.name != "__pycache__"
    }
    modules: dict[str, str] = handler_import["modules"]
    loaded = {
        name.split(".")[0] for name, path in modules.items() if path.startswith(str(LAYER) + os.sep)
    }
    assert "pydantic" not in shipped
    assert shipped == loaded


def zipped_size(directory: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files(directory):
            archive.write(path, path.relative_to(directory))
    return buffer.tell()


def test_sizes_fit_lambda(capsys: pytest.CaptureFixture[str]) -> None:
    sizes = {}
    for name, directory in (("layer", LAYER.parent), ("function", FUNCTION)):
        unzipped = sum(path.stat().st_size for path in files(directory))
        sizes[name] = (len(files(directory)), unzipped, zipped_size(directory))
    assert sum(unzipped for _, unzipped, _ in sizes.values()) < LAMBDA_UNZIPPED_LIMIT
    with capsys.disabled():
        for name, (count, unzipped, zipped) in sizes.items():
            print(
                f"\n{name}: {count} files, {unzipped / 1e3:,.1f} kB unzipped, "
                f"{zipped / 1e3:,.1f} kB zipped",
                end="",
            )
        print()
