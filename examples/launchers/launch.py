"""A Python training launcher that closes the loop: gate, train, record the run, open the register PR.

    FTGOV_TRUSTED_IDENTITY=https://github.com/ORG/REPO/.github/workflows/ftgov-attest.yaml@refs/heads/main \\
    GITHUB_TOKEN=... python launch.py --repo OWNER/NAME --objective ID --checkpoint URI \\
        --checkout DIR --attestation approvals/ID.approval.sigstore.json -- TRAIN COMMAND...

Every name comes from the operator, as an argument or from the environment:

    --repo        FTGOV_REPO         the governance repository on GitHub (OWNER/NAME)
    --objective   FTGOV_OBJECTIVE    the objective id (the round) to train
    --checkpoint  FTGOV_CHECKPOINT   where the trainer writes the weights, pinned (s3://...@sha256:...)
    --checkout    FTGOV_CHECKOUT     a clone of the governance repository (the launcher checks out the gate's commit)
    --attestation FTGOV_ATTESTATION  the approval bundle `ftgov attest` published for the objective
                                     (`oras pull REGISTRY/ftgov-approvals:approvals`; docs/attestations.md)
    -- COMMAND    TRAIN_COMMAND      the trainer (a shell-style string in the environment)
    --trusted-identity FTGOV_TRUSTED_IDENTITY  the signing workflow's identity (repeatable; commas in the environment)
    --trusted-key      FTGOV_TRUSTED_KEY       or the organisation's public key, PEM (repeatable; ':' in the environment)
    --sigstore-root    FTGOV_SIGSTORE_ROOT     the Sigstore trusted root (default: the one the sigstore package embeds)
    --max-age                        the oldest bundle accepted (default 7d)
    --online                         ask GitHub too, at launch (needs FTGOV_TRUST_ROOT like `ftgov gate --repo`)
    --github-url  FTGOV_GITHUB_URL   GitHub Enterprise base URL (omit for github.com)
    --run-dir     FTGOV_RUN_DIR      where the run's attestation and configuration go (default runs/ID-TIME)

Which gate: the bundle, verified offline, always: its signature by a trusted signer, the
objective's sha256, the decision and its age, with zero requests to GitHub. There is no
launch without one, because `ftgov record-run` records a run only from a signed approval:
a run started on anything else could be trained and never recorded. --online adds the
online gate (about 20 requests cold, 12 warm; it sees a withdrawal merged since the bundle
was signed), and both must allow the same objective bytes.

Steps:
  1. `ftgov.gate.require_approved(ID, attestation=BUNDLE, trusted_...)`: the offline gate; with
     --online, `require_approved(ID, repo=...)` too.
  2. The trainer, started without the governance token, with FTGOV_OBJECTIVE, FTGOV_CHECKPOINT,
     FTGOV_OBJECTIVE_FILE (the approved objective in the checkout, checked against the bundle's
     sha256), FTGOV_ATTESTATION (the run's copy of the bundle, ftgov-approval.json) and
     FTGOV_CONFIG_DIR in its environment. It writes the files it was configured with into
     FTGOV_CONFIG_DIR (TrainingArguments JSON, adapter_config.json, trainer_state.json, Axolotl or
     torchtune YAML, a plain configuration file): they are the run's evidence.
  3. `ftgov record-run ID --config FILE... --started-at --finished-at --checkpoint --gate-attestation`
     in the checkout, at the commit the gate pinned.
  4. The register PR through GitHub's REST API (github3.py, which ftgov already uses): a branch at
     that commit, every file record-run changed written to it, the pull request into the gate's branch.

Exit codes: 0 recorded and PR opened; 1 denied; 2 misconfigured (a name, the token or a trusted
signer missing, a bundle for another repository, a checkout that is not a clone of the
repository); 3 the online gate could not decide; 4 the trainer
failed (nothing recorded); 5 the run could not be recorded or the PR not opened (the register
change, if any, is left in the checkout and named).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKENS = ("GITHUB_TOKEN", "GH_TOKEN")
# (argument, environment variable, what it is): each must be given one way or the other.
REQUIRED = (
    ("repo", "FTGOV_REPO", "the governance repository OWNER/NAME"),
    ("objective", "FTGOV_OBJECTIVE", "the objective id to train"),
    ("checkpoint", "FTGOV_CHECKPOINT", "where the trainer writes the weights (s3://...@sha256:...)"),
    ("checkout", "FTGOV_CHECKOUT", "a clone of the governance repository"),
    (
        "attestation",
        "FTGOV_ATTESTATION",
        "the approval bundle `ftgov attest` published for the objective (docs/attestations.md); "
        "record-run records a run only from a signed approval",
    ),
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
    parser.add_argument(
        "--trusted-identity", action="append", default=[], help="the signing workflow's identity (env FTGOV_TRUSTED_IDENTITY)"
    )
    parser.add_argument("--trusted-key", action="append", default=[], help="a trusted public key, PEM (env FTGOV_TRUSTED_KEY)")
    parser.add_argument(
        "--sigstore-root", default=os.environ.get("FTGOV_SIGSTORE_ROOT"), help="trusted_root.json (env FTGOV_SIGSTORE_ROOT)"
    )
    parser.add_argument("--max-age", default="7d", help="the oldest bundle accepted (default 7d)")
    parser.add_argument("--online", action="store_true", help="ask GitHub too, at launch: both gates must allow")
    parser.add_argument("train", nargs=argparse.REMAINDER, help="-- the trainer command (env TRAIN_COMMAND)")
    args = parser.parse_args(argv)
    for name, variable, help_text in REQUIRED:
        if not getattr(args, name):
            parser.error(f"--{name} (or {variable}) is required: {help_text}")
    # The environment's lists as ftgov reads them: keys separated by the path separator, identities by commas.
    keys, identities = os.environ.get("FTGOV_TRUSTED_KEY", ""), os.environ.get("FTGOV_TRUSTED_IDENTITY", "")
    args.trusted_key = args.trusted_key or [k for k in keys.split(os.pathsep) if k.strip()]
    args.trusted_identity = args.trusted_identity or [i.strip() for i in identities.split(",") if i.strip()]
    if not (args.trusted_key or args.trusted_identity):
        parser.error(
            "--trusted-identity or --trusted-key (or FTGOV_TRUSTED_IDENTITY / FTGOV_TRUSTED_KEY) is required: "
            "whom the approval bundle must be signed by"
        )
    command = [part for part in args.train if part != "--"] or shlex.split(os.environ.get("TRAIN_COMMAND", ""))
    if not command:
        parser.error("no trainer: pass it after -- (or set TRAIN_COMMAND)")
    if args.repo.count("/") != 1:
        parser.error(f"--repo must be OWNER/NAME, not {args.repo!r}")
    return args, command


@dataclass(frozen=True)
class Approval:
    """The gate's allow as the rest of the loop reads it: from the verified bundle, never from a file anyone could write."""

    head_sha: str | None
    branch: str | None
    objective_path: str | None
    pull_request: Any
    answer: dict[str, Any]  # the offline gate's JSON answer, as `ftgov gate --attestation --format json` prints it
    objective_bytes: bytes | None  # the approved objective, carried in the signed statement

    def to_json(self) -> dict[str, Any]:
        return self.answer


class Stale(Exception):
    """GitHub, asked with --online, allows other objective bytes than the bundle approved."""


def approve(args: argparse.Namespace, started_at: dt.datetime, token: str) -> Approval:
    """The offline gate on the bundle and, with --online, the online gate as well; GateDenied, InputError or Stale if not."""
    from ftgov.documents.errors import InputError
    from ftgov.gate.gate import require_approved

    signed: Any = require_approved(
        args.objective,
        attestation=Path(args.attestation),
        trusted_keys=tuple(Path(key) for key in args.trusted_key),
        trusted_identities=tuple(args.trusted_identity),
        sigstore_root=Path(args.sigstore_root) if args.sigstore_root else None,
        max_age=args.max_age,
        started_at=started_at,
    )
    predicate = signed.predicate
    forge = predicate.get("forge") if isinstance(predicate.get("forge"), dict) else {}
    repository = forge.get("repository")
    if not isinstance(repository, str) or repository.lower() != args.repo.lower():
        raise InputError(f"{args.attestation} approves {args.objective} in repository {repository!r}, not --repo {args.repo}")
    if args.online:
        online: Any = require_approved(args.objective, repo=args.repo, github_url=args.github_url, started_at=started_at, token=token)
        if online.blob_sha != predicate.get("blob_sha"):
            raise Stale(
                f"GitHub allows objective blob {online.blob_sha} now, but the bundle approved blob {predicate.get('blob_sha')}: "
                "fetch the latest bundle"
            )
    return Approval(
        signed.head_sha, signed.branch, signed.objective_path, predicate.get("pull_request"), signed.to_json(), signed.objective_bytes
    )


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


def read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
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

    from ftgov.documents.errors import InputError
    from ftgov.gate.gate import GateDenied, token_from_environment

    try:
        token = token_from_environment(dict(os.environ))  # the register PR needs it; the offline gate does not
        started_at = dt.datetime.now(dt.UTC)
        attestation = approve(args, started_at, token)
    except GateDenied as denied:
        undecided = denied.attestation.undecided
        print(("could not decide" if undecided else "denied") + f": {args.objective}", file=sys.stderr)
        for reason in denied.attestation.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 3 if undecided else 1
    except Stale as stale:
        print(f"denied: {args.objective}\n  - {stale}", file=sys.stderr)
        return 1
    except InputError as error:  # GateUsageError is one; so is an unreadable bundle or key
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
    if attestation.objective_bytes is not None and read_or_none(checkout / objective_path) != attestation.objective_bytes:
        print(f"launcher misconfigured: {checkout / objective_path} is not the objective the bundle approved", file=sys.stderr)
        return 2

    run_dir = Path(args.run_dir or Path("runs") / f"{args.objective}-{started_at.strftime('%Y%m%dT%H%M%SZ')}").resolve()
    config_dir = run_dir / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    answer_file = run_dir / "ftgov-attestation.json"  # the gate's verified answer, kept with the run
    answer_file.write_text(json.dumps(attestation.to_json(), indent=2) + "\n", encoding="utf-8")
    # The run's own copy of the bundle, from here on the one meant: the published one is replaced at the next pull, and
    # record-run records a run only from the bundle that allowed it when it started. The trainer keeps it too.
    attestation_file = run_dir / "ftgov-approval.json"
    shutil.copyfile(args.attestation, attestation_file)
    args.attestation = os.environ["FTGOV_ATTESTATION"] = str(attestation_file)
    # record-run, a subprocess, verifies that copy under the same signers: it reads them from its environment.
    os.environ["FTGOV_TRUSTED_KEY"] = os.pathsep.join(str(Path(key).resolve()) for key in args.trusted_key)
    os.environ["FTGOV_TRUSTED_IDENTITY"] = ",".join(args.trusted_identity)
    if args.sigstore_root:
        os.environ["FTGOV_SIGSTORE_ROOT"] = str(Path(args.sigstore_root).resolve())

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
            "The `approval` comes from the signed approval statement named, with its signer, in the comment above it. "
            "This PR needs the model's highest risk tier.",
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
