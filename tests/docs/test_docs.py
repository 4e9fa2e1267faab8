"""The repository explains itself (issue 12 §5): the README and docs/ link only to files inside the
repository, never to the contract's original outside it (../shared), every link resolves, and the
contract documents keep the section numbers the code cites ("voip-room.md §N")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
CITATION = re.compile(r"\b(voip-room|call-lifecycle|call-history)(?:\.md)? §(\d+)")
SECTIONS = {"voip-room": 8, "call-lifecycle": 5, "call-history": 7}
CODE_FOLDERS = ("layers", "functions", "local", "admin", "bench", "tests")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(heading) for heading in HEADING.findall(page.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_stay_inside_the_repository_and_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "shared/" not in text, "the repository must not point outside itself"
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        assert resolved.is_relative_to(ROOT), f"{target} leaves the repository"
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if fragment and resolved.suffix == ".md":
            assert fragment in anchors(resolved), f"{page.name}: no heading for #{fragment}"


def test_the_openapi_document_cites_the_repository() -> None:
    text = (DOCS / "openapi.yaml").read_text(encoding="utf-8")
    assert "shared/" not in text
    assert "docs/contract/voip-room.md" in text


@pytest.mark.parametrize(("document", "count"), SECTIONS.items())
def test_the_contract_keeps_its_section_numbers(document: str, count: int) -> None:
    headings = HEADING.findall((DOCS / "contract" / f"{document}.md").read_text(encoding="utf-8"))
    numbered = [int(match.group(1)) for h in headings if (match := re.match(r"(\d+)\. ", h))]
    assert numbered == list(range(1, count + 1))


def test_every_section_the_code_cites_exists() -> None:
    cited: set[tuple[str, int]] = set()
    for folder in CODE_FOLDERS:
        for source in (ROOT / folder).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            cited |= {(name, int(number)) for name, number in CITATION.findall(text)}
    assert cited, "the code cites the contract by section"
    for name, number in sorted(cited):
        assert 1 <= number <= SECTIONS[name], f"{name}.md §{number} is cited but does not exist"
