"""The guides (docs/adopting.md, lifecycle.md, launchers.md) and the PR templates: linked, and every command in them real.

A command a guide shows must run as shown: each `ftgov SUBCOMMAND` in a code span or block
names a command the CLI has, and each `--option` after it is one of that command's options.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from ftgov.cli import main

from ..conftest import ROOT
from .test_docs import anchors

GUIDES = [ROOT / "docs" / name for name in ("adopting.md", "lifecycle.md", "launchers.md")]
TEMPLATES = ROOT / ".github" / "PULL_REQUEST_TEMPLATE"
# The template for each kind of PR, and the commands whose evidence its author gives or its reviewers read.
TEMPLATE_COMMANDS = {
    "new-round.md": ("ftgov new", "ftgov check --base", "ftgov validate", "ftgov register show", "ftgov data check"),
    "results.md": (
        "ftgov record-run",
        "--gate-attestation",
        "--trusted-key",
        "--statement-out",
        "ftgov evaluate",
        "--record",
        "ftgov check --base",
    ),
    "decision.md": ("ftgov decide", "--action", "ftgov gate", "--stage deploy --checkpoint"),
}
ROLES = ("**Technical**", "**Risk**", "**Independent**")

CODE = re.compile(r"```[a-z]*\n(.*?)```|`([^`]+)`", re.DOTALL)
COMMAND = re.compile(r"\bftgov ([a-z][a-z-]*)((?:[^|;&`\n]|\\\n|\n(?=\s+--))*)")


def documents() -> list[Path]:
    return [*GUIDES, *(TEMPLATES / name for name in TEMPLATE_COMMANDS)]


def code_of(text: str) -> list[str]:
    """Code blocks and code spans, a span's line breaks kept (a span may wrap)."""
    return [block or span for block, span in CODE.findall(text)]


def invocations(text: str) -> list[tuple[str, str]]:
    """(subcommand, rest of its command line) for each `ftgov ...` in the code of a document."""
    found = []
    for code in code_of(text):
        for match in COMMAND.finditer(code):
            found.append((match.group(1), match.group(2)))
    return found


def command_for(name: str, rest: str) -> tuple[click.Command, str] | None:
    """The click command `ftgov name rest` runs and what follows its name; None when it names a group alone."""
    command = main.commands.get(name)
    assert command is not None, f"ftgov {name}: no such command"
    if isinstance(command, click.Group):
        words = rest.split()
        if not words or words[0] not in command.commands:
            return None  # "the `ftgov report` comment": the group named, not run
        return command.commands[words[0]], rest.split(words[0], 1)[1]
    return command, rest


def options(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in [*param.opts, *param.secondary_opts]} | {"--help", "-h"}


def test_the_guides_and_templates_exist_and_the_readme_links_the_guides() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for guide in GUIDES:
        assert guide.is_file(), guide
        assert f"](docs/{guide.name})" in readme, f"README does not link docs/{guide.name}"
    assert {p.name for p in TEMPLATES.glob("*.md")} == set(TEMPLATE_COMMANDS)


@pytest.mark.parametrize("name", sorted(TEMPLATE_COMMANDS))
def test_each_template_says_what_to_fill_what_each_role_checks_and_which_commands_give_the_evidence(name: str) -> None:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    assert "## What the author fills in" in text and "## What each reviewer checks" in text
    for role in ROLES:
        assert role in text, f"{name}: no checklist for {role}"
    for command in TEMPLATE_COMMANDS[name]:
        assert command in text, f"{name} does not mention {command}"
    assert f"?template={name}" in text
    assert "- [ ]" in text


@pytest.mark.parametrize("document", documents(), ids=lambda p: p.name)
def test_every_command_shown_exists_with_the_options_shown(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    shown = invocations(text)
    assert shown, f"{document.name} shows no ftgov command"
    for name, rest in shown:
        found = command_for(name, rest)
        if found is None:
            continue
        command, arguments = found
        used = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", arguments))
        unknown = used - options(command)
        assert not unknown, f"{document.name}: `ftgov {name}{rest[:60]}` uses {sorted(unknown)}, which ftgov {name} does not take"


def test_the_checker_has_teeth() -> None:
    assert invocations("run `ftgov gate ID --repo O/N\n  --stage deploy` then `ftgov/approvals`") == [
        ("gate", " ID --repo O/N\n  --stage deploy")
    ]
    command, _ = command_for("register", " show MODEL --format markdown") or (None, "")
    assert command is not None and command.name == "show" and "--format" in options(command)
    with pytest.raises(AssertionError, match="no such command"):
        command_for("deploy", "")
    ((name, rest),) = invocations("```sh\nftgov record-run X --config a \\\n  --started-at T --bogus\n```")
    found = command_for(name, rest)
    assert found is not None and "--bogus" in rest and "--bogus" not in options(found[0]) and "--started-at" in options(found[0])


@pytest.mark.parametrize("document", documents(), ids=lambda p: p.name)
def test_links_resolve_and_nothing_points_outside_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    assert "../shared" not in text and "DESIGN.md" not in text
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.is_file(), f"{document.name}: {target} does not exist"
        if anchor:
            assert anchor in anchors(linked.read_text(encoding="utf-8")), f"{document.name}: {target}: no such heading"
