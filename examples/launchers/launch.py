"""A Python training launcher that closes the loop: gate, train, record the run, open the register PR.

    GITHUB_TOKEN=... python launch.py --repo OWNER/NAME --objective ID --checkpoint URI \\
        --checkout DIR -- TRAIN COMMAND...

Every name comes from the operator, as an argument or from the environment:

    --repo        FTGOV_REPO         the governance repository on GitHub (OWNER/NAME)
    --objective   FTGOV_OBJECTIVE    the objective id (the round) to train
    --checkpoint  FTGOV_CHECKPOINT   where the trainer writes the weights, pinned (s3://...@sha256:...)
    --checkout    FTGOV_CHECKOUT     a clone of the governance repository (the launcher checks out the gate's commit)
    -- COMMAND    TRAIN_COMMAND      the trainer (a shell-style string in the environment)
    --github-url  FTGOV_GITHUB_URL   GitHub Enterprise base URL (omit for github.com)
    --run-dir     FTGOV_RUN_DIR      where the run's attestation and configuration go (default runs/ID-TIME)
    FTGOV_TRUST_ROOT                 the trust root (README, "Adopting", step 8), read by the gate

Steps:
  1. `ftgov.gate.require_approved`: the gate, at the head of the default branch.
  2. The trainer, started without the governance token, with FTGOV_OBJECTIVE, FTGOV_CHECKPOINT,
     FTGOV_OBJECTIVE_FILE (the approved objective in the checkout), FTGOV_ATTESTATION and
     FTGOV_CONFIG_DIR in its environment. It writes the files it was configured with into
     FTGOV_CONFIG_DIR (TrainingArguments JSON, adapter_config.json, trainer_state.json, Axolotl or
     torchtune YAML, a plain configuration file): they are the run's evidence.
  3. `ftgov record-run ID --config FILE... --started-at --finished-at --checkpoint --gate-attestation`
     in the checkout, at the commit the gate pinned.
  4. The register PR through GitHub's REST API (github3.py, which ftgov already uses): a branch at
     that commit, every file record-run changed written to it, the pull request into the gate's branch.

Exit codes: 0 recorded and PR opened; 1 denied; 2 misconfigured (a name or the token missing,
a checkout that is not a clone of the repository); 3 the gate could not decide; 4 the trainer
failed (nothing recorded); 5 the run could not be recorded or the PR not opened (the register
change, if any, is left in the checkout and named).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

TOKENS = ("GITHUB_TOKEN", "GH_TOKEN")
# (argument, environment variable, what it is): each must be given one way or the other.
REQUIRED = (
    ("repo", "FTGOV_REPO", "the governance repository OWNER/NAME"),
    ("objective", "FTGOV_OBJECTIVE", "the objective id to train"),
    ("checkpoint", "FTGOV_CHECKPOINT", "where the trainer writes the weights (s3://...@sha256:...)"),
    ("checkout", "FTGOV_CHECKOUT", "a clone of the governance repository"),
)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="launch.py", description="Gate, train, record the run, open the register PR.")
    for name, variable, help_text in REQUIRED:
        parser.add_argument(f"--{name}", default=os.environ.get(variable), help=f"{help_text} (env {variable})")
    parser.add_argument(
        "--github-url", default=os.environ.get("FTGOV_GITHUB_URL"), help="GitHub Enterprise base URL (env FTGOV_GITHUB_URL)"
    )
    parser.add_argument("--run-dir", default=os.environ.get("FTGOV_RUN_DIR"), help="the run's directory (env FTGOV_RUN_DIR)")
    parser.add_argument("train", nargs=argparse.REMAINDER, help="-- the trainer command (env TRAIN_COMMAND)")
    args = parser.parse_args(argv)
    for name, variable, help_text in REQUIRED:
        if not getattr(args, name):
            parser.error(f"--{name} (or {variable}) is required: {help_text}")
    command = [part for part in args.train if part != "--"] or shlex.split(os.environ.get("TRAIN_COMMAND", ""))
    if not command:
        parser.error("no trainer: pass it after -- (or set TRAIN_COMMAND)")
    if args.repo.count("/") != 1:
        parser.error(f"--repo must be OWNER/NAME, not {args.repo!r}")
    return args, command


def git(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True, check=False)


def pin_checkout(checkout: Path, head_sha: str, branch: str) -> str | None:
    """Check out the commit the gate judged, so record-run reads the approved objective and register; None or why not."""
    if git(checkout, "rev-parse", "HEAD").stdout.strip() != head_sha:
        git(checkout, "fetch", "--quiet", "origin", branch)  # the commit may be newer than the clone
        if git(checkout, "checkout", "--quiet", "--detach", head_sha).returncode != 0:
            return f"{checkout} does not have commit {head_sha} the gate pinned (is it a clone of the repository?)"
    if git(checkout, "status", "--porcelain").stdout.strip():
        return f"{checkout} has uncommitted changes: the register PR must carry the recorded run only"
    return None


def changed_files(checkout: Path) -> list[str]:
    """What record-run wrote, relative to the checkout (modified and new files)."""
    out = git(checkout, "status", "--porcelain", "--untracked-files=all").stdout
    return sorted(line[3:].strip() for line in out.splitlines() if line.strip())


def open_register_pr(args: argparse.Namespace, token: str, head_sha: str, base: str, files: list[str], body: str) -> str:
    """A branch at the gate's commit, each changed file put on it, the PR into the gate's branch; returns its URL."""
    import github3
    from github3.exceptions import NotFoundError

    gh = github3.GitHubEnterprise(args.github_url, token=token) if args.github_url else github3.login(token=token)
    owner, name = args.repo.split("/")
    repository = gh.repository(owner, name)
    branch = f"ftgov/run/{args.objective}-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"
    repository.create_ref(f"refs/heads/{branch}", head_sha)
    message = f"{args.objective}: record the run (ftgov record-run)"
    for path in files:
        data = (Path(args.checkout) / path).read_bytes()
        try:
            existing = repository.file_contents(path, ref=branch)
        except NotFoundError:
            repository.create_file(path, message, data, branch=branch)
        else:
            existing.update(message, data, branch=branch)
    pull = repository.create_pull(f"{args.objective}: record the run", base=base, head=branch, body=body)
    return str(pull.html_url)


def main(argv: list[str]) -> int:
    args, command = parse(argv)
    # Imported once the arguments are known good: a usage error answers at once.
    from github3.exceptions import GitHubError

    from ftgov.gate.gate import GateDenied, GateUsageError, require_approved, token_from_environment

    try:
        token = token_from_environment(dict(os.environ))
        started_at = dt.datetime.now(dt.UTC)
        attestation = require_approved(args.objective, repo=args.repo, github_url=args.github_url, started_at=started_at, token=token)
    except GateDenied as denied:
        undecided = denied.attestation.undecided
        print(("could not decide" if undecided else "denied") + f": {args.objective}", file=sys.stderr)
        for reason in denied.attestation.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 3 if undecided else 1
    except GateUsageError as error:
        print(f"launcher misconfigured: {error}", file=sys.stderr)
        return 2
    head_sha, branch, objective_path = attestation.head_sha, attestation.branch, attestation.objective_path
    if not (head_sha and branch and objective_path):  # an allow always names them; never train on less
        print(f"launcher misconfigured: the gate's allow for {args.objective} names no commit, branch or objective file", file=sys.stderr)
        return 2
    checkout = Path(args.checkout).resolve()
    problem = pin_checkout(checkout, head_sha, branch)
    if problem:
        print(f"launcher misconfigured: {problem}", file=sys.stderr)
        return 2

    run_dir = Path(args.run_dir or Path("runs") / f"{args.objective}-{started_at.strftime('%Y%m%dT%H%M%SZ')}").resolve()
    config_dir = run_dir / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    attestation_file = run_dir / "ftgov-attestation.json"
    attestation_file.write_text(json.dumps(attestation.to_json(), indent=2) + "\n", encoding="utf-8")

    # The trainer, and anything it starts, has no business with the governance token.
    trainer_env = {key: value for key, value in os.environ.items() if key not in TOKENS}
    trainer_env.update(
        FTGOV_OBJECTIVE=args.objective,
        FTGOV_CHECKPOINT=args.checkpoint,
        FTGOV_OBJECTIVE_FILE=str(checkout / objective_path),
        FTGOV_ATTESTATION=str(attestation_file),
        FTGOV_CONFIG_DIR=str(config_dir),
    )
    print(f"training {args.objective}: approved by PR #{attestation.pull_request} at {attestation.head_sha}", file=sys.stderr)
    trained = subprocess.run(command, env=trainer_env, check=False)
    finished_at = dt.datetime.now(dt.UTC)
    if trained.returncode != 0:
        print(f"the trainer exited {trained.returncode}: nothing recorded", file=sys.stderr)
        return 4
    configs = sorted(str(p) for p in config_dir.rglob("*") if p.is_file())
    if not configs:
        print(f"the trainer wrote no configuration into {config_dir}: nothing to record", file=sys.stderr)
        return 5

    record = [sys.executable, "-m", "ftgov", "record-run", args.objective, *[arg for c in configs for arg in ("--config", c)]]
    record += ["--started-at", iso(started_at), "--finished-at", iso(finished_at), "--checkpoint", args.checkpoint]
    record += ["--gate-attestation", str(attestation_file), "--repo-root", str(checkout)]
    recorded = subprocess.run(record, capture_output=True, text=True, check=False)
    files = changed_files(checkout)
    if not files:  # refused: record-run wrote nothing and said why
        said = recorded.stderr.strip() or recorded.stdout.strip()
        print(f"ftgov record-run refused (exit {recorded.returncode}): {said}", file=sys.stderr)
        return 5
    # Exit 1 with files written: recorded, with a deviation the register PR's reviewers must acknowledge (FTG914).
    deviation = ": a deviation beyond tolerance needs `acknowledged_by` (FTG914)" if recorded.returncode == 1 else ""
    body = "\n".join(
        [
            f"The run of `{args.objective}`, recorded by `ftgov record-run` after the gate allowed it.",
            "",
            f"- gate: allowed at `{head_sha}` (objective approved in PR #{attestation.pull_request})",
            f"- started {iso(started_at)}, finished {iso(finished_at)}; checkpoint `{args.checkpoint}`",
            f"- record-run exit {recorded.returncode}{deviation}",
            "",
            "Reviewers: the `approval` comes from an unsigned attestation; check on GitHub that the PR it names merged the "
            "objective at that time with those approvals. This PR needs the model's highest risk tier.",
            "",
            "```",
            (recorded.stdout + recorded.stderr).strip(),
            "```",
        ]
    )
    try:
        url = open_register_pr(args, token, head_sha, branch, files, body)
    except GitHubError as error:
        print(f"the run is recorded in {checkout} ({', '.join(files)}) but the PR could not be opened: {error}", file=sys.stderr)
        return 5
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
