"""docs/why.md: every link into it lands on a heading, and what it cites exists."""

from __future__ import annotations

import re
from pathlib import Path

from ftgov.documents.rules import ALL_RULES

from ..conftest import ROOT

WHY = ROOT / "docs" / "why.md"
# Rule pages and schema descriptions link to these anchors (the headings' GitHub slugs).
SECTIONS = (
    "safety-eroded-by-a-helpfulness-tune",
    "drift-across-rounds",
    "undocumented-fine-tunes",
    "data-preparation",
    "forgetting",
    "tail-regression",
    "calibration",
    "sector-rules",
    "approval-bypass",
)
LINK = re.compile(r"docs/why\.md#([A-Za-z0-9_-]+)")
CITING = ("checks", "policies", "docs", "examples", ".github")
SUFFIXES = {".py", ".json", ".yaml", ".yml", ".md", ".txt"}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", markdown, re.MULTILINE)}


def citing_files() -> list[Path]:
    files = [ROOT / "README.md"]
    for folder in CITING:
        files.extend(p for p in sorted((ROOT / folder).rglob("*")) if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts)
    return files


def test_slug_follows_github() -> None:
    assert slug("Safety eroded by a helpfulness tune") == "safety-eroded-by-a-helpfulness-tune"
    assert slug("The requirements in brief") == "the-requirements-in-brief"
    assert slug("What's (not) here: v1.2") == "whats-not-here-v12"


def test_why_has_the_sections_others_link_to() -> None:
    assert set(SECTIONS) <= anchors(WHY.read_text(encoding="utf-8"))


def test_every_link_into_why_resolves() -> None:
    targets = anchors(WHY.read_text(encoding="utf-8"))
    links = [(file, anchor) for file in citing_files() for anchor in LINK.findall(file.read_text(encoding="utf-8", errors="replace"))]
    assert links, "no docs/why.md#... link found: the pattern or the layout changed"
    broken = [f"{file.relative_to(ROOT)}: #{anchor}" for file, anchor in links if anchor not in targets]
    assert not broken, broken


def test_links_inside_why_resolve() -> None:
    text = WHY.read_text(encoding="utf-8")
    internal = re.findall(r"\]\(#([^)]+)\)", text)
    assert internal
    assert set(internal) <= anchors(text)


def test_why_cites_only_rules_that_exist() -> None:
    text = WHY.read_text(encoding="utf-8")
    cited = set(re.findall(r"FTG\d{3}", text))
    for low, high in re.findall(r"FTG(\d{3})–FTG(\d{3})", text):
        assert int(low) < int(high)
    known = {rule.code for rule in ALL_RULES}
    assert cited and cited <= known, sorted(cited - known)


def test_why_does_not_point_at_documents_the_repository_does_not_hold() -> None:
    assert "seeds/" not in WHY.read_text(encoding="utf-8")


# Rule pages, schema descriptions and the code cite what the repository holds (docs/why.md),
# never the seed documents it was built from.
SEEDS = re.compile(r"\bseeds/", re.IGNORECASE)


def test_no_rule_page_cites_seeds() -> None:
    from click.testing import CliRunner

    from ftgov.cli import main

    runner = CliRunner()
    codes = [rule.code for rule in ALL_RULES]
    assert len(codes) > 50
    for code in codes:
        page = runner.invoke(main, ["rules", code])  # `ftgov rules CODE`, in-process: one interpreter for every page
        assert page.exit_code == 0 and code in page.output, (code, page.output)
        assert not SEEDS.search(page.output), f"ftgov rules {code} cites seeds/"


def test_no_schema_description_cites_seeds() -> None:
    schemas = sorted((ROOT / "policies").glob("*.schema.json")) + sorted((ROOT / "checks").rglob("*.schema.json"))
    assert schemas
    for schema in schemas:
        assert not SEEDS.search(schema.read_text(encoding="utf-8")), f"{schema.relative_to(ROOT)} cites seeds/"


def test_no_file_under_checks_cites_seeds() -> None:
    files = [p for p in sorted((ROOT / "checks").rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    assert len(files) > 20
    for file in files:
        assert not SEEDS.search(file.read_text(encoding="utf-8", errors="replace")), f"{file.relative_to(ROOT)} cites seeds/"
