from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from .repository import FIXTURES, REPO_FIXTURE, ROOT, build_governance_repo, copy_policies, governance_files

__all__ = [
    "FIXTURES", "REPO_FIXTURE", "ROOT", "build_governance_repo", "copy_policies", "governance_files", "governance_repo",
    "run_ftgov", "run_ftgov_process",
]  # fmt: skip

# Host credentials never reach a test: a test that needs a token passes its own.
HOST_SECRETS = ("GITHUB_TOKEN", "GH_TOKEN")
TEST_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}


def _confine(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Point everything ftgov, git and pre-commit write or read per user at `home`."""
    (home / ".config").mkdir(parents=True, exist_ok=True)
    git_config = home / ".gitconfig"
    git_config.touch()
    for name in HOST_SECRETS:
        monkeypatch.delenv(name, raising=False)
    settings = {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "PRE_COMMIT_HOME": str(home / ".cache" / "pre-commit"),
        # git reads no host or system configuration and writes its global config here.
        "GIT_CONFIG_GLOBAL": str(git_config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        **TEST_IDENTITY,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session", autouse=True)
def _session_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Module- and session-scoped fixtures (a served fake GitHub) start before any test's own home."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        home = tmp_path_factory.mktemp("session-home")
        _confine(monkeypatch, home)
        yield home


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME, XDG directories and git configuration in a temporary directory.

    Subprocesses (run_ftgov, git, pre-commit) inherit them through os.environ, so nothing a test
    runs writes a cache, a config or a credential outside its temporary directories.
    """
    home = tmp_path_factory.mktemp("home")
    _confine(monkeypatch, home)
    return home


@pytest.fixture
def governance_repo(tmp_path: Path) -> Path:
    """The tests' own governance repository (tests/fixtures/repo plus the product's schemas) in a temp dir."""
    return build_governance_repo(tmp_path)


def run_ftgov(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`ftgov ARGS` as a user runs it, in-process (click's runner, as check-jsonschema's tests run theirs).

    Same arguments, exit code, stdout and stderr as the installed command, in a fraction of
    a process start. The host's GitHub token never reaches the run; `env` adds variables (a
    test token, a cache home) on top of the rest of the environment, for this run only.
    `run_ftgov_process` is the real process, for what only a process shows (start-up imports,
    the installed entry point).
    """
    from ftgov.cli import main

    environment: dict[str, str | None] = {name: None for name in HOST_SECRETS}
    environment.update(env or {})
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = CliRunner().invoke(main, list(args), env=environment, prog_name="ftgov")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # our handler catches everything a command raises: this is the test's own bug
    return subprocess.CompletedProcess(["ftgov", *args], result.exit_code, result.stdout, result.stderr)


def run_ftgov_process(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m ftgov ARGS` in its own process, in the test's confined environment."""
    environment = {k: v for k, v in os.environ.items() if k not in HOST_SECRETS}
    environment.update(env or {})
    command = [sys.executable, "-m", "ftgov", *args]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False)
