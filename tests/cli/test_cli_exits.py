"""Every input mistake is exit 2 with one line naming the thing; --out never leaves debris.

Issue 9, items 3 and 4: what the user typed or pointed at is a usage error (2), never
"could not decide" (3) and never a traceback; a report written with --out is whole,
readable by other users under the usual umask, or not there at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import build_governance_repo, governance_files, run_ftgov
from ..fakegithub import FakeGitHub

TOKEN = "ghp_cli_exits_token_0123456789abcdef"


def assert_usage_error(done: subprocess.CompletedProcess[str], *named: str) -> str:
    """Exit 2, no traceback, exactly one line on stderr that names each of `named`."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("ftgov: error: "), done.stderr
    for name in named:
        assert name in done.stderr, (name, done.stderr)
    return done.stderr


def _governance(tmp_path: Path) -> Path:
    return build_governance_repo(tmp_path / "governance")


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def master_clone(tmp_path: Path) -> Path:
    """A clone whose only branch is master, as `git init` makes on many hosts."""
    clone = _governance(tmp_path)
    _git(clone, "init", "-q", "-b", "master")
    _git(clone, "add", ".")
    _git(clone, "commit", "-q", "-m", "governance")
    return clone


@pytest.fixture
def github(tmp_path: Path) -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub(tmp_path / "github", repo="acme/governance", initial_files=governance_files(), token=TOKEN)
    with fake.serve() as url:
        yield fake, url


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "GITHUB_TOKEN": TOKEN, **extra}


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@contextlib.contextmanager
def _read_only_directory(path: Path) -> Iterator[Path]:
    """A directory nobody may create files in: mode 0555, or immutable when tests run as root."""
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        # Never a skip (the README promises none): our machines run the tests as root on ext4, where chattr works.
        pytest.fail(f"running as root, and chattr +i {path} failed ({done.stderr.strip()!r}): no way to make a directory root cannot write")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=True)


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- --out --------------------------------------------------------------------------------


def test_out_under_a_file_names_the_file(tmp_path: Path) -> None:
    root = _governance(tmp_path)
    before = _listing(root / "policies")
    for out in ("policies/policy.yaml/x.json", "policies/policy.yaml/deeper/x.json"):
        done = run_ftgov("check", "--out", out, cwd=root)
        assert_usage_error(done, f"--out {out}", "policies/policy.yaml is a file, not a directory")
    assert _listing(root / "policies") == before  # no temporary file, no directory


def test_out_that_is_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    root = _governance(tmp_path)
    done = run_ftgov("validate", "--out", "policies", cwd=root)
    assert_usage_error(done, "'--out'", "policies", "is a directory")


def test_out_creates_missing_parents_but_names_one_it_cannot_create(tmp_path: Path) -> None:
    root = _governance(tmp_path)
    created = run_ftgov("check", "--format", "json", "--out", "reports/2026/ftgov.json", cwd=root)
    assert created.returncode == 0, created.stderr
    assert json.loads((root / "reports" / "2026" / "ftgov.json").read_text())["summary"]["files"] >= 1
    with _read_only_directory(tmp_path / "locked") as locked:
        done = run_ftgov("check", "--out", str(locked / "missing" / "ftgov.json"), cwd=root)
        assert_usage_error(done, f"cannot create the directory {locked / 'missing'}")
        assert _listing(locked) == []


def test_out_into_a_directory_that_cannot_be_written(tmp_path: Path) -> None:
    root = _governance(tmp_path)
    with _read_only_directory(tmp_path / "locked") as locked:
        done = run_ftgov("check", "--out", str(locked / "ftgov.json"), cwd=root)
        assert_usage_error(done, f"--out {locked / 'ftgov.json'}", f"cannot create a file in {locked}")
        assert _listing(locked) == []


def test_out_fails_on_a_directory_the_kernel_refuses_without_a_traceback(tmp_path: Path) -> None:
    assert Path("/proc/self").is_dir(), "this test needs Linux /proc (every machine of ours has it); it is never skipped"
    root = _governance(tmp_path)
    done = run_ftgov("check", "--out", "/proc/self/ftgov.json", cwd=root)
    assert_usage_error(done, "--out /proc/self/ftgov.json", "cannot create a file in /proc/self")


def test_a_write_that_fails_halfway_leaves_no_temporary_file(tmp_path: Path) -> None:
    """A file size limit makes the write itself fail after the temporary file exists."""
    root = _governance(tmp_path)
    reports = root / "reports"
    reports.mkdir()
    (reports / "ftgov.json").write_text("the previous report\n")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    done = subprocess.run(
        [sys.executable, "-m", "ftgov", "check", "--format", "json", "--out", "reports/ftgov.json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=limit,
    )
    assert_usage_error(done, "--out reports/ftgov.json: cannot write it (File too large)")
    assert _listing(reports) == ["ftgov.json"]
    assert (reports / "ftgov.json").read_text() == "the previous report\n"  # the old report, whole


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_out_follows_the_umask(tmp_path: Path, mask: int, mode: int) -> None:
    root = _governance(tmp_path)
    with _umask(mask):
        done = run_ftgov("check", "--format", "json", "--out", "ftgov.json", cwd=root)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((root / "ftgov.json").stat().st_mode) == mode


def test_the_gate_attestation_is_readable_by_another_user_under_umask_022(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    _, url = github
    out = tmp_path / "run" / "attestation.json"
    with _umask(0o022):
        done = run_ftgov(
            "gate",
            "support-agent-r3",
            "--repo",
            "acme/governance",
            "--github-url",
            url,
            "--format",
            "json",
            "--out",
            str(out),
            env=_env(tmp_path),
        )
    assert done.returncode == 1, done.stderr  # the example objectives were pushed, not merged by a PR: a deny, written all the same
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    payload = json.loads(out.read_text())
    assert payload["decision"] == "deny"
    assert payload["forge"] == {"kind": "github", "url": f"{url}/api/v3", "repository": "acme/governance"}


# -- the gate's inputs --------------------------------------------------------------------


def test_git_dir_that_does_not_exist(tmp_path: Path) -> None:
    done = run_ftgov("gate", "support-agent-r3", "--forge", "git", "--git-dir", str(tmp_path / "no-such-dir"), "--format", "json")
    assert_usage_error(done, f"--git-dir {tmp_path / 'no-such-dir'}", "no such directory")
    assert done.stdout == ""


def test_git_dir_that_is_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    done = run_ftgov("gate", "support-agent-r3", "--forge", "git", "--git-dir", str(plain))
    assert_usage_error(done, f"--git-dir {plain}", "is not a git repository")


def test_git_dir_inside_a_clone_is_not_the_clone(master_clone: Path) -> None:
    done = run_ftgov("gate", "support-agent-r3", "--forge", "git", "--git-dir", str(master_clone / "policies"), "--branch", "master")
    assert_usage_error(done, "policies", "is not a git repository")


def test_a_branch_the_clone_does_not_have_is_named(master_clone: Path) -> None:
    done = run_ftgov("gate", "support-agent-r3", "--forge", "git", "--git-dir", str(master_clone), "--format", "json")
    line = assert_usage_error(done, "branch 'main' does not exist", str(master_clone), "its branches: master", "--branch")
    assert "Needed a single revision" not in line and done.stdout == ""


def test_the_git_forge_attestation_names_the_clone_as_an_object(master_clone: Path) -> None:
    done = run_ftgov("gate", "support-agent-r3", "--forge", "git", "--git-dir", str(master_clone), "--branch", "master", "--format", "json")
    assert done.returncode == 1, done.stderr  # a commit, not a merge: denied
    assert json.loads(done.stdout)["forge"] == {"kind": "git", "path": str(master_clone.resolve())}


def test_a_branch_github_does_not_have_is_named(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    _, url = github
    done = run_ftgov(
        "gate",
        "support-agent-r3",
        "--repo",
        "acme/governance",
        "--github-url",
        url,
        "--branch",
        "master",
        "--format",
        "json",
        env=_env(tmp_path),
    )
    assert_usage_error(done, "branch 'master' does not exist in acme/governance", "--branch")
    assert done.stdout == ""


def test_a_repository_github_does_not_have_is_named(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    _, url = github
    done = run_ftgov("gate", "support-agent-r3", "--repo", "acme/no-such-repo", "--github-url", url, env=_env(tmp_path))
    assert_usage_error(done, "repository acme/no-such-repo", "does not exist, or the token cannot read it", "--repo")


@pytest.mark.parametrize("value", ["not-a-url", "github.example.com", "ftp://github.example.com", "https://", "https://host:port"])
def test_github_url_that_is_not_a_url(tmp_path: Path, value: str) -> None:
    done = run_ftgov("gate", "support-agent-r3", "--repo", "acme/governance", "--github-url", value, env=_env(tmp_path))
    assert_usage_error(done, f"--github-url {value!r} is not a URL", "https://github.example.com", "/api/v3")


def test_github_url_may_name_the_api_root(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    fake, url = github
    done = run_ftgov(
        "gate", "support-agent-r3", "--repo", "acme/governance", "--github-url", f"{url}/api/v3/", "--format", "json", env=_env(tmp_path)
    )
    assert done.returncode == 1, done.stderr  # decided (a deny), not refused
    assert json.loads(done.stdout)["forge"]["url"] == f"{url}/api/v3"
    assert fake.requests and not any("/api/v3" in r.path for r in fake.requests)  # never /api/v3/api/v3


@pytest.mark.parametrize("repo", ["acme", "acme/governance/extra", "https://github.com/acme/governance", "acme/gov erance", "/governance"])
def test_repo_that_is_not_owner_slash_name(tmp_path: Path, repo: str) -> None:
    for command in (["gate", "support-agent-r3"], ["approvals", "--pr", "1"], ["audit-repo"]):
        done = run_ftgov(*command, "--repo", repo, env=_env(tmp_path))
        assert_usage_error(done, "--repo must be OWNER/NAME", repr(repo))


def test_no_token_names_the_variable_for_every_github_command(tmp_path: Path) -> None:
    for command in (["gate", "support-agent-r3"], ["approvals", "--pr", "1"], ["audit-repo"]):
        done = run_ftgov(*command, "--repo", "acme/governance", env={"XDG_CACHE_HOME": str(tmp_path / "xdg")})
        assert_usage_error(done, "GITHUB_TOKEN")


def test_started_at_without_a_time_zone(tmp_path: Path) -> None:
    done = run_ftgov("gate", "support-agent-r3", "--repo", "acme/governance", "--started-at", "2026-11-22T09:30:00", env=_env(tmp_path))
    assert_usage_error(done, "--started-at '2026-11-22T09:30:00'", "time zone")
    garbage = run_ftgov("gate", "support-agent-r3", "--repo", "acme/governance", "--started-at", "yesterday", env=_env(tmp_path))
    assert_usage_error(garbage, "--started-at 'yesterday'", "ISO 8601")


def test_cache_dir_that_is_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "cache"
    a_file.write_text("not a directory\n")
    done = run_ftgov("gate", "support-agent-r3", "--repo", "acme/governance", "--cache-dir", str(a_file), env=_env(tmp_path))
    assert_usage_error(done, "--cache-dir", str(a_file), "is a file")


@pytest.mark.parametrize("value", ["lots", "-1", "nan", "inf"])
def test_cache_bound_that_is_not_a_size(tmp_path: Path, value: str) -> None:
    done = run_ftgov("gate", "support-agent-r3", "--repo", "acme/governance", env=_env(tmp_path, FTGOV_CACHE_MAX_MB=value))
    assert_usage_error(done, f"FTGOV_CACHE_MAX_MB={value!r}", "MiB")


def test_a_forge_that_cannot_answer_is_still_exit_3_with_the_deny_object(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    fake, url = github
    fake.inject(r"/branches/", 503, times=None)
    done = run_ftgov("gate", "support-agent-r3", "--repo", "acme/governance", "--github-url", url, "--format", "json", env=_env(tmp_path))
    assert done.returncode == 3 and "Traceback" not in done.stderr
    payload = json.loads(done.stdout)
    assert payload["decision"] == "deny" and payload["reasons"][0].startswith("could not decide")


def test_audit_repo_names_a_branch_that_does_not_exist(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    _, url = github
    done = run_ftgov("audit-repo", "--repo", "acme/governance", "--github-url", url, "--branch", "trunk", env=_env(tmp_path))
    assert_usage_error(done, "branch 'trunk' does not exist in acme/governance")


# -- the offline commands -----------------------------------------------------------------


def test_repo_root_that_does_not_exist_or_is_a_file(tmp_path: Path) -> None:
    missing = run_ftgov("check", "--repo-root", str(tmp_path / "nowhere"))
    assert_usage_error(missing, "--repo-root")
    a_file = tmp_path / "file"
    a_file.write_text("x\n")
    for command in ("check", "validate"):
        assert_usage_error(run_ftgov(command, "--repo-root", str(a_file)), "--repo-root", str(a_file), "is a file")


def test_click_usage_errors_are_one_line_too(tmp_path: Path) -> None:
    assert_usage_error(run_ftgov("gate"), "OBJECTIVE_ID", "ftgov gate --help")
    assert_usage_error(run_ftgov("check", "--jobs", "0"), "--jobs")
    assert_usage_error(run_ftgov("check", "--format", "yaml"), "--format", "yaml")
    assert_usage_error(run_ftgov("check", "--no-such-flag"), "--no-such-flag")
    assert_usage_error(run_ftgov("no-such-command"), "no-such-command")
    assert_usage_error(run_ftgov("rules", "FTG999"), "FTG999")
    assert_usage_error(run_ftgov("approvals", "--repo", "acme/governance", "--pr", "0", env=_env(tmp_path)), "--pr")


def test_approvals_names_a_pull_request_that_does_not_exist(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    _, url = github
    done = run_ftgov("approvals", "--repo", "acme/governance", "--github-url", url, "--pr", "42", env=_env(tmp_path))
    assert_usage_error(done, "--pr 42", "pull request #42 does not exist in acme/governance")


def test_audit_repo_names_a_repository_that_does_not_exist(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    _, url = github
    done = run_ftgov("audit-repo", "--repo", "acme/no-such-repo", "--github-url", url, env=_env(tmp_path))
    assert_usage_error(done, "repository acme/no-such-repo", "does not exist")


def test_out_with_the_longest_file_name_the_filesystem_allows(tmp_path: Path) -> None:
    root = _governance(tmp_path)
    name = "r" * 250 + ".json"  # the temporary file beside it must still fit
    done = run_ftgov("check", "--format", "json", "--out", name, cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads((root / name).read_text())["summary"]["files"] >= 1
    assert not [p for p in root.iterdir() if p.name.endswith(".tmp")]


def test_git_dir_without_forge_git_says_so(master_clone: Path, tmp_path: Path) -> None:
    done = run_ftgov("gate", "support-agent-r3", "--git-dir", str(master_clone), env=_env(tmp_path))
    assert_usage_error(done, "--git-dir", "--forge git")


def test_top_level_usage_errors_are_one_line_and_bare_ftgov_still_shows_help() -> None:
    assert_usage_error(run_ftgov("--no-such-flag"), "--no-such-flag", "ftgov --help")
    bare = run_ftgov()
    assert "Traceback" not in bare.stderr and not bare.stderr.startswith("ftgov: error")
    assert "Commands:" in bare.stdout + bare.stderr and "gate" in bare.stdout + bare.stderr
