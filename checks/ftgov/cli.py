"""The `ftgov` command line: parse arguments, call the library, render, exit.

Exit codes (every command): 0 passed, 1 policy failure, 2 usage or input error,
3 could not decide, 70 internal error (a bug: the traceback is printed).
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ftgov import __version__
from ftgov.documents.atomic import TempFileError

if TYPE_CHECKING:
    from ftgov.documents.repository import Repository
    from ftgov.register.pr_report import MissingApprovals

FORMATS = ("text", "json", "github", "sarif", "junit")

repo_root_option = click.option(
    "--repo-root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Governance repository root. Default: the nearest parent holding policies/policy.yaml.",
)


class _Progress:
    """'validated 120/2000' on a terminal's stderr; silent when piped."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and total >= 20:
            end = "\n" if done == total else ""
            click.echo(f"\rvalidated {done}/{total} files", err=True, nl=False)
            if end:
                click.echo("\r" + " " * 40 + "\r", err=True, nl=False)


def _fail_input(message: str) -> NoReturn:
    click.echo(f"ftgov: error: {message}", err=True)
    sys.exit(2)


def _discover_for(repo_root: Path | None, paths: Sequence[Path] | None) -> Repository:
    """--repo-root, else the repository around the current directory (DESIGN); only outside any, the first PATH's."""
    from ftgov.documents.errors import InputError
    from ftgov.documents.repository import Repository

    try:
        return Repository.discover(repo_root)
    except InputError:
        if repo_root is not None or not paths:
            raise
        return Repository.discover(None, start=paths[0].parent)


def _run_validation(
    repo_root: Path | None, paths: Sequence[Path] | None, fmt: str, jobs: int | None, out: Path | None, base: str | None = None
) -> None:
    from ftgov.documents.errors import InputError
    from ftgov.documents.validate import validate
    from ftgov.render import FINDING_FORMATS

    try:
        repo = _discover_for(repo_root, paths)
        since = None
        if base is not None:
            from ftgov.register.check_base import GitBase, check_since

            since = GitBase.open(repo.root, base)  # an unknown REF is exit 2 before any work
        result = validate(repo, paths, jobs=jobs, progress=_Progress())
        if since is not None:
            result = check_since(repo, since, result)
    except InputError as exc:
        _fail_input(str(exc))
        return
    rendered = FINDING_FORMATS[fmt](result)
    if out is not None:
        _write_atomically(out, rendered)
    else:
        click.echo(rendered, nl=False)
    sys.exit(result.exit_code)


def _write_atomically(target: Path, content: str) -> None:
    """Write FILE for --out, or exit 2 with one line naming what is wrong with it.

    The report goes to a temporary file beside the target, is flushed to disk and then
    renamed over it, so a reader sees the old file or the new one and a failure leaves
    neither half a file nor a stray temporary file. The file gets the mode any new file
    gets under the umask (0644 under 022): in the Kubernetes example a trainer running
    as another user reads the attestation the init container wrote.
    """
    problem = _unwritable(target)
    if problem is None:
        try:
            _replace(target, content)
            return
        except TempFileError as exc:
            problem = f"cannot create a file in {target.parent} ({exc.reason})"
        except OSError as exc:
            problem = f"cannot write it ({exc.strerror or type(exc).__name__})"
    _fail_input(f"--out {target}: {problem}")


def _unwritable(target: Path) -> str | None:
    """What stops target from being a file, if something already does; creates missing parents."""
    if target.is_dir():
        return "is a directory; name a file, e.g. " + str(target / "report.json")
    for ancestor in (target.parent, *target.parent.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                return f"{ancestor} is a file, not a directory"
            break
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create the directory {target.parent} ({exc.strerror or type(exc).__name__})"
    return None


def _replace(target: Path, content: str) -> None:
    from ftgov.documents.atomic import write_atomically

    write_atomically(target, content)


class _Commands(click.Group):
    """The one error handler of every command (ftgov.documents.errors has the contract).

    Usage errors print as one line, like every other input error, instead of click's usage
    block; a group called without a command still prints its help (click's NoArgsIsHelpError).
    """

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        with _error_contract():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> object:
        with _error_contract():
            return super().invoke(ctx)


@contextlib.contextmanager
def _error_contract() -> Iterator[None]:
    """An FtgovError exits with its code and its one line; any other exception is a bug: traceback, exit 70."""
    from ftgov.documents.errors import INTERNAL_ERROR, FtgovError

    try:
        yield
    except (click.exceptions.NoArgsIsHelpError, click.exceptions.Exit, click.Abort):
        raise
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "ftgov"
        _fail_input(f"{exc.format_message()} (`{where} --help` lists the options)")
    except click.ClickException:
        raise
    except FtgovError as exc:
        click.echo(f"ftgov: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception:
        traceback.print_exc()
        click.echo(f"ftgov: internal error: a bug in ftgov {__version__}; please report it with the traceback above", err=True)
        sys.exit(INTERNAL_ERROR)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ftgov")
def main() -> None:
    """Fine-tune objective governance as code.

    A fine-tune may only train once a documented objective for it has been reviewed and
    merged, and only deploy once its evaluation meets every criterion that objective and
    every earlier round of the model set (AG-341).

    \b
    Exit codes: 0 passed, 1 policy failure (findings at error level),
    2 usage or input error, 3 could not decide, 70 internal error (a bug in
    ftgov: the traceback is printed; report it).
    """


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: path:line:col: CODE message; json: one object for machines; github: workflow "
    "annotations; sarif: SARIF 2.1.0 for code scanning; junit: JUnit XML.",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for large runs. Default: one per core.",
)
out_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE (atomically) instead of stdout.",
)


@main.command()
@repo_root_option
@format_option
@jobs_option
@out_option
@click.option(
    "--base",
    metavar="REF",
    default=None,
    help="Also check what changed since git REF (e.g. origin/main): approved objectives unedited, registers only "
    "appended to, statuses forward only, nothing removed within the retention (FTG95x).",
)
def check(repo_root: Path | None, fmt: str, jobs: int | None, out: Path | None, base: str | None) -> None:
    """Check the whole repository offline: every objective, register and policy.

    Runs the same rules as `ftgov validate` over objectives/, registers/ and policies/,
    including the cross-document rules (unique ids, parents, rollback targets) and
    waiver expiry. This is the job CI and the README's first command run. Without --base it
    reads nothing but the files as they are; with --base REF it also asks git what changed.
    """
    _run_validation(repo_root, None, fmt, jobs, out, base)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@repo_root_option
@format_option
@jobs_option
@out_option
def validate(paths: tuple[Path, ...], repo_root: Path | None, fmt: str, jobs: int | None, out: Path | None) -> None:
    """Validate documents against their schema and the policy's rules.

    PATHS are files or directories (default: every document in the repository). Each
    finding names its rule code, file, line and column; `ftgov rules CODE` explains it.
    Cross-document rules (unique ids, parent and rollback links) always consider every
    objective in the repository but report only on the PATHS given.

    \b
    Examples:
      ftgov validate objectives/support-agent/support-agent-r3.yaml
      ftgov validate --format github          # in GitHub Actions
      ftgov validate --format sarif --out ftgov.sarif
    """
    _run_validation(repo_root, list(paths) if paths else None, fmt, jobs, out)


@main.command()
@click.argument("code", required=False)
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def rules(code: str | None, fmt: str) -> None:
    """List every rule, or show one rule's documentation (why it matters, example, fix).

    CODE is a rule code such as FTG201 or its name such as placeholder-text.
    """
    import json

    from ftgov.documents.rules import ALL_RULES, by_code

    if code is None:
        if fmt == "json":
            click.echo(
                json.dumps(
                    [{"code": r.code, "name": r.name, "severity": r.severity.value, "summary": r.summary} for r in ALL_RULES], indent=2
                )
            )
        else:
            for r in ALL_RULES:
                click.echo(f"{r.code}  {r.name:<38} {r.severity.value:<8} {r.summary}")
        return
    rule = by_code(code)
    if rule is None:
        _fail_input(f"unknown rule {code!r}; `ftgov rules` lists them")
        return
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "code": rule.code,
                    "name": rule.name,
                    "severity": rule.severity.value,
                    "summary": rule.summary,
                    "doc": rule.doc.strip(),
                    "waivable": rule.waivable,
                },
                indent=2,
            )
        )
        return
    waivable = "" if rule.waivable else ", cannot be waived"
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value}{waivable})\n")
    click.echo(rule.doc.strip())


# -- the forge commands: they read GitHub (or a local clone), never the checkout -------------

github_url_option = click.option(
    "--github-url",
    default=None,
    metavar="URL",
    help="GitHub Enterprise base URL, e.g. https://github.example.com (omit for github.com).",
)
cache_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Conditional-request cache shared by launchers on this host. Default: $XDG_CACHE_HOME/ftgov/github, "
    "at most $FTGOV_CACHE_MAX_MB MiB (default 64; least recently used entries are evicted).",
)
no_cache_option = click.option("--no-cache", is_flag=True, help="Do not read or write the request cache.")
verbose_option = click.option("--verbose", "-v", is_flag=True, help="Print the GitHub requests this decision cost on stderr.")


def _forge_usage(message: str) -> NoReturn:
    click.echo(f"ftgov: error: {message}", err=True)
    sys.exit(2)


_REPOSITORY = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}"


def _github_url(value: str) -> str | None:
    """--github-url as the base URL github3 expects (it appends /api/v3 itself); None for github.com."""
    from urllib.parse import urlsplit, urlunsplit

    hint = "give the server's base URL, e.g. https://github.example.com (or https://github.example.com/api/v3)"
    try:
        parts = urlsplit(value.strip())
        valid = parts.scheme in ("https", "http") and bool(parts.hostname) and not parts.query and not parts.fragment
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        valid = False
    if not valid:
        _forge_usage(f"--github-url {value!r} is not a URL; {hint}")
    path = parts.path.rstrip("/")
    path = path.removesuffix("/api/v3")
    if parts.hostname in ("github.com", "api.github.com") and not path:
        return None
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _github(repo: str | None, github_url: str | None, cache_dir: Path | None, no_cache: bool, admin: bool = False) -> object:
    import re

    from ftgov.gate.forge.cache import max_bytes_from_environment
    from ftgov.gate.gate import GateUsageError, default_cache_dir, token_from_environment

    if not repo:
        _forge_usage("--repo OWNER/NAME is required")
    if not re.fullmatch(_REPOSITORY, str(repo)):
        _forge_usage(f"--repo must be OWNER/NAME, e.g. acme/governance; got {repo!r}")
    base_url = _github_url(github_url) if github_url is not None else None
    try:
        token = token_from_environment()
        if not no_cache:
            max_bytes_from_environment()
    except (GateUsageError, ValueError) as exc:
        _forge_usage(str(exc))
        raise
    from ftgov.gate.forge.github import GitHubAdmin, GitHubForge

    kind = GitHubAdmin if admin else GitHubForge
    try:
        return kind(str(repo), token, github_url=base_url, cache_dir=None if no_cache else (cache_dir or default_cache_dir()))
    except ValueError as exc:
        _forge_usage(str(exc))
        raise


def _emit(text: str, out: Path | None) -> None:
    if out is not None:
        _write_atomically(out, text)
    else:
        click.echo(text, nl=False)


def _report_cost(forge: object, verbose: bool) -> None:
    stats = getattr(forge, "stats", None)
    if verbose and stats is not None:
        cost = stats()
        click.echo(
            f"ftgov: {cost.requests} request(s) to the forge, {cost.not_modified} answered 304 Not Modified, "
            f"{cost.served_from_cache} served from cache",
            err=True,
        )


@main.command()
@click.argument("objective_id")
@click.option("--repo", metavar="OWNER/NAME", help="The governance repository on GitHub.")
@github_url_option
@click.option(
    "--branch",
    default=None,
    help="The branch whose merge status is the authority. Default: the repository's default branch as GitHub reports it "
    "(--forge git: main). Another branch only if the policy lists it under gate.branches and GitHub reports it protected.",
)
@click.option("--started-at", metavar="ISO8601", help="When the training run starts, with a time zone (e.g. 2026-11-22T09:30:00Z).")
@click.option(
    "--trust-root",
    metavar="SHA",
    default=None,
    help="The commit the operator trusts as given (env FTGOV_TRUST_ROOT; a full 40-hex sha): the one that installed the "
    "reviewed policy. History at or before it is accepted; everything after it must meet every rule. Keep it in the "
    "launcher's configuration, never in the governance repository.",
)
@click.option(
    "--stage",
    type=click.Choice(("train", "deploy")),
    default="train",
    show_default=True,
    help="What the gate is asked: train allows only a round not yet trained (proposed, approved, training); deploy allows "
    "only a deployed round whose run trained --checkpoint and whose evaluation passed.",
)
@click.option(
    "--checkpoint",
    metavar="URI",
    default=None,
    help="--stage deploy: the checkpoint to deploy, exactly as the register's run.checkpoint records it (required there).",
)
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@out_option
@click.option(
    "--forge",
    "forge_kind",
    type=click.Choice(("github", "git")),
    default="github",
    show_default=True,
    help="github: ask GitHub (reviews, teams). git: a local clone (sees merges, not reviews; development only).",
)
@click.option("--git-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="The clone for --forge git.")
@cache_option
@no_cache_option
@verbose_option
@repo_root_option
def gate(
    objective_id: str,
    repo: str | None,
    github_url: str | None,
    branch: str | None,
    started_at: str | None,
    trust_root: str | None,
    stage: str,
    checkpoint: str | None,
    fmt: str,
    out: Path | None,
    forge_kind: str,
    git_dir: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    verbose: bool,
    repo_root: Path | None,
) -> None:
    """May training for OBJECTIVE_ID start (--stage train), or its checkpoint be deployed (--stage deploy)?

    Run it before a training job, or before a deployment rolls out a model, and refuse to
    go on at any exit but 0.

    Everything is read at one pinned commit, the head of the repository's default
    branch (another branch only if the policy lists it under gate.branches and GitHub
    reports it protected): the objective (objectives/<model>/OBJECTIVE_ID.yaml), the
    policy, the schemas (the packaged ones where the repository has none) and the
    model's register. It allows only if:

    \b
      - the objective exists on the branch and validates, and the policy passes its
        own checks;
      - every PR in the objective's history (every commit that changed it, at any
        objectives/<model>/ path it has had) was merged into the branch with the
        content on its final head (no direct push, force push or change in the merge),
        and approved for the highest risk tier the objective id ever had: every role
        the policy requires, on the final head, before the merge, each by a different
        person who is now an active member of the role's team and wrote none of the
        PR (not its author, nor any commit's author, committer or linked co-author; an
        author GitHub links to no account makes that unprovable: deny);
      - every PR that changed the policy or a schema was approved for the highest
        tier under the policy the branch had just before it merged (its merge
        commit's first parent, never the PR's recorded base; the first policy under
        itself); the last PR that changed the model's register, every earlier one
        that changed this objective's round, and any that deleted the register, for
        the model's highest tier;
      - the register, if the model has one, parses, passes its schema and has a
        round for the objective not yet trained (proposed, approved, training;
        --stage train: a rejected, abandoned, rolled-back or retired round never
        trains again, a trained one is retrained as a new round), whose
        objective_sha256 (once recorded) matches the file, and whose objective is
        byte for byte what the round held when first recorded past proposed (a
        later re-pin does not count);
      - --started-at, if given, is not before the merge.

    \b
    --stage deploy --checkpoint URI asks instead whether URI may be deployed. The same
    reads and provenance rules apply (a model without a register denies), and the
    objective's round in the register must:
      - be deployed by a `deploy` decision (`ftgov decide ID --action deploy`) with no
        withdrawal: a rolled-back, retired, rejected or abandoned round denies;
      - have been approved through a reviewed PR: a local sandbox round
        (approval.unreviewed, from --forge git) never deploys;
      - record a run whose checkpoint is URI exactly (corrections applied), a
        checkpoint no other round of the register ever recorded;
      - record an evaluation with verdict pass whose report is in the tree with the
        recorded report_sha256 and says what the register says (FTG909, FTG915-917);
      - pass every register rule of `ftgov check`, for this round and the rounds
        before it (a stack that fails, a parent never evaluated, an earlier
        objective edited after approval);
      - have reached the branch, run, evaluation, decision and the report's bytes
        alike, through PRs approved for the model's highest tier (the highest any
        of its objectives declared since the trust root);
      - not have changed its run or evaluation after the decision was recorded
        (read from the register's history, not its dates): a later correction of
        run.checkpoint denies until decision.* is corrected, the reviewer deciding again.

    \b
    Trust root: a repository's history starts with direct pushes, so without one the
    gate denies them and says so. --trust-root SHA (or FTGOV_TRUST_ROOT) is the
    commit the operator accepts as given, the one that installed the reviewed
    policy: history at or before it is not judged, everything after it is. It must
    be the branch head or an ancestor (GitHub's compare API), else deny. Keep it in
    the launcher's configuration (a ConfigMap, the Slurm environment), never in the
    governance repository; `ftgov audit-repo --trust-root SHA` lists direct pushes
    after it.

    \b
    Token: GITHUB_TOKEN (or GH_TOKEN), read access to the repository and its org's teams.
    Exit codes: 0 allow, 1 deny, 2 usage error (no token, bad --started-at, a branch,
    repository or --git-dir that does not exist, --out that cannot be written, --stage
    deploy without --checkpoint or with --started-at or --forge git, --checkpoint
    without --stage deploy), 3 could
    not decide (GitHub unreachable, rate-limited, malformed answer): treat it as deny.
    --format json prints one object even on exit 3:
      {"decision": "allow"|"deny", "objective", "reasons": [...], "blob_sha",
       "pull_request", "merged_at", "approvals": [{"login", "role", "team", "submitted_at"}],
       "stage", "checkpoint", "branch", "head_sha", "objective_path", "policy_blob_sha",
       "register_blob_sha", "schemas": {name: blob sha | "packaged"}, "started_at",
       "trust_root", "forge", "checked_at", "api_calls"}
    Store it with the run (or the rollout): it names the exact commit and content that
    was approved, and for --stage deploy the checkpoint.

    \b
    Examples:
      ftgov gate support-agent-r3 --repo acme/governance --format json --out /run/attestation.json
      ftgov gate support-agent-r3 --repo acme/governance --started-at "$(date -u +%FT%TZ)"
      FTGOV_TRUST_ROOT=<40-hex sha> ftgov gate support-agent-r3 --repo acme/governance
      ftgov gate support-agent-r3 --forge git --git-dir ./governance   # development only
      ftgov gate support-agent-r3 --repo acme/governance --stage deploy \\
        --checkpoint s3://models/support-agent/r3@sha256:9f2c... --format json --out /run/deploy-attestation.json
    Python: ftgov.gate.require_approved("support-agent-r3", repo="acme/governance")
            ftgov.gate.require_deployable("support-agent-r3", checkpoint=URI, repo="acme/governance")
    """
    import os

    from ftgov.gate.gate import GateUsageError, decide, decide_offline, parse_started_at, trust_root_from

    try:
        moment = parse_started_at(started_at) if started_at else None
        root = trust_root_from(trust_root, os.environ)
    except GateUsageError as exc:
        _forge_usage(str(exc))
        return
    if stage == "deploy":
        if not checkpoint:
            _forge_usage("--stage deploy needs --checkpoint URI: the checkpoint to deploy, as the register's run.checkpoint records it")
        if started_at:
            _forge_usage("--started-at is when a training run starts; --stage deploy takes none")
        if forge_kind == "git":
            _forge_usage("--stage deploy asks GitHub: a local clone (--forge git) shows no reviews, and a deployment needs them")
    elif checkpoint is not None:
        _forge_usage("--checkpoint is read by --stage deploy only; add --stage deploy, or drop --checkpoint to ask about training")
    from ftgov.gate.forge import UnknownRef

    if forge_kind == "git":
        from ftgov.gate.forge.git import LocalGitForge

        if git_dir is None:
            _forge_usage("--forge git needs --git-dir PATH (a clone of the governance repository)")
            return
        if root is not None:
            _forge_usage("--trust-root (or FTGOV_TRUST_ROOT) is read by the GitHub gate; a local clone shows no reviews to trust after it")
            return
        try:
            local = LocalGitForge(git_dir)
            attestation = decide_offline(local, objective_id, branch=branch or "main", started_at=moment)
        except ValueError as exc:
            _forge_usage(str(exc))
        except UnknownRef as exc:
            _forge_usage(f"{exc}; name the branch with --branch")
        forge: object = local
    else:
        if git_dir is not None and not repo:
            _forge_usage("--git-dir is read only with --forge git; add --forge git (or give --repo OWNER/NAME to ask GitHub)")
        github = _github(repo, github_url, cache_dir, no_cache)
        try:
            attestation = decide(
                github,  # type: ignore[arg-type]
                objective_id,
                branch=branch,
                started_at=moment,
                trust_root=root,
                stage=stage,
                checkpoint=checkpoint,
            )
        except UnknownRef as exc:
            _forge_usage(f"{exc}; name the branch with --branch")
        forge = github
    _report_cost(forge, verbose)
    _emit(attestation.render_json() if fmt == "json" else attestation.render_text(), out)
    sys.exit(attestation.exit_code)


@main.command()
@click.option("--repo", metavar="OWNER/NAME", required=True, help="The governance repository on GitHub.")
@click.option("--pr", "number", type=click.IntRange(min=1), required=True, help="The pull request number.")
@github_url_option
@click.option("--set-status", is_flag=True, help="Set the ftgov/approvals commit status on the PR's head commit.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@cache_option
@no_cache_option
@verbose_option
@repo_root_option
def approvals(
    repo: str,
    number: int,
    github_url: str | None,
    set_status: bool,
    fmt: str,
    cache_dir: Path | None,
    no_cache: bool,
    verbose: bool,
    repo_root: Path | None,
) -> None:
    """Count approvals per policy role on an open PR: the `ftgov/approvals` required check.

    Roles come from the policy on the PR's base branch. Governed by default: an
    objective needs its risk tier (the higher of head and base); a register change,
    its model's highest tier; every other path outside objectives/ and registers/
    is a governance change needing the highest tier, unless the policy at the PR's
    base lists it in approvals.ungoverned_paths (policies/, .github/ and CODEOWNERS
    stay governed whatever it lists). Each role needs a different
    approver, not the author nor anyone who authored, committed or co-authored one of
    its commits, whose latest review approves the PR's current head and who is an
    active member of the role's team. Run on pull_request and
    pull_request_review events with --set-status, and make ftgov/approvals required.

    Exit codes: 0 every role approved, 1 missing approvals, 2 usage error, 3 GitHub
    could not answer.
    """
    import json

    from ftgov.gate.approvals import CONTEXT, check_pull_request
    from ftgov.gate.forge import ForgeError, UnknownRef

    forge = _github(repo, github_url, cache_dir, no_cache, admin=True)
    try:
        report = check_pull_request(forge, number)
        if set_status:
            forge.set_status(report.head_sha, report.state, report.description, CONTEXT)  # type: ignore[attr-defined]
    except UnknownRef as exc:
        _forge_usage(str(exc))
    except ForgeError as exc:
        click.echo(f"ftgov: could not decide: {exc}", err=True)
        _report_cost(forge, verbose)
        sys.exit(3)
    _report_cost(forge, verbose)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(f"{report.state}: PR #{report.pull_request} ({report.head_sha[:12]}): {report.description}")
        for reason in report.reasons:
            click.echo(f"  - {reason}")
    sys.exit(0 if report.state == "success" else 1)


@main.command("audit-repo")
@click.option("--repo", metavar="OWNER/NAME", required=True, help="The governance repository on GitHub.")
@github_url_option
@click.option("--branch", default="main", show_default=True)
@click.option(
    "--trust-root",
    metavar="SHA",
    envvar="FTGOV_TRUST_ROOT",
    show_envvar=True,
    default=None,
    help="The commit the gate's operator pinned (a full 40-hex sha; the gate reads the same variable): list every "
    "commit on the branch after it that no merged pull request brought (FTG812).",
)
@format_option
@out_option
@verbose_option
@repo_root_option
def audit_repo(
    repo: str,
    github_url: str | None,
    branch: str,
    trust_root: str | None,
    fmt: str,
    out: Path | None,
    verbose: bool,
    repo_root: Path | None,
) -> None:
    """Report every repository setting, and every commit after the trust root, that let a change around the gate (FTG8xx).

    Reads branch protection and the rulesets that apply to the branch (needs a token
    with admin read on the repository), CODEOWNERS, GitHub's CODEOWNERS errors, and
    the owners of deployed rounds.

    With --trust-root SHA (or FTGOV_TRUST_ROOT, the variable the gate reads): the gate
    pinned to that commit accepts the history at or before it as given and judges
    everything after it, so the audit lists each commit on the branch after it that
    no merged pull request brought (FTG812: the first 20, and a count of the rest),
    or reports a root that is not on the branch. That costs one request per commit
    after the root, plus one per 100 of them. Without a trust root the gate judges the
    whole history; the audit reads none of it, and says so on stderr.

    Exit codes: 0 no bypass found, 1 bypasses found, 2 usage error (a trust root that
    is not a full 40-hex sha), 3 GitHub could not answer.
    """
    import os

    from ftgov.gate.audit import audit
    from ftgov.gate.forge import ForgeError, UnknownRef
    from ftgov.gate.gate import TRUST_ROOT_VARIABLE, GateUsageError, trust_root_from
    from ftgov.render import FINDING_FORMATS

    # click already read the variable; hand it back as unset so a bad value is reported under its own name.
    from_environment = click.get_current_context().get_parameter_source("trust_root") is click.core.ParameterSource.ENVIRONMENT
    try:
        root = trust_root_from(None if from_environment else trust_root, os.environ)
    except GateUsageError as exc:
        _forge_usage(str(exc))
    forge = _github(repo, github_url, None, True, admin=True)
    try:
        result = audit(forge, branch, trust_root=root)
    except UnknownRef as exc:
        _forge_usage(f"{exc}; name the branch with --branch")
    except ForgeError as exc:
        click.echo(f"ftgov: could not decide: {exc}", err=True)
        sys.exit(3)
    if root is None:
        # Not a finding: the settings may be flawless, and pinning is the launcher operator's call, not the repository's.
        click.echo(
            f"ftgov: note: no trust root pinned: the gate judges {branch}'s whole history, so any commit that came from no "
            f"pull request denies what it touched; once the operator pins the adoption commit (--trust-root SHA or "
            f"{TRUST_ROOT_VARIABLE}), `ftgov audit-repo --trust-root SHA` lists the direct pushes after it",
            err=True,
        )
    _report_cost(forge, verbose)
    _emit(FINDING_FORMATS[fmt](result), out)
    sys.exit(result.exit_code)


# -- the register: read it, and append what happened to a round ----------------------------


@main.group()
def register() -> None:
    """Read a model's cumulative register (registers/<model>.yaml)."""


@register.command("show")
@click.argument("model")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown")), default="text", show_default=True)
@out_option
@repo_root_option
def register_show(model: str, fmt: str, out: Path | None, repo_root: Path | None) -> None:
    """Every criterion MODEL's latest round must meet: which round declared it, what that round
    achieved, the threshold now (and the floor of an inherited success criterion), and the
    criteria retired on the way with their rationale and role.

    \b
    --format json: {"model", "base", "register", "latest": {"objective", "status"}, "chain",
      "rounds": [{"objective", "status", "verdict", "decision", "withdrawal"}],
      "criteria": [{"ref", "id", "kind", "origin", "inherited", "metric", "higher_is_better",
                    "compare_to", "threshold": {"kind", "value"}, "baseline", "achieved",
                    "tolerance", "floor"}],
      "retired": [{"criterion", "rationale", "approved_by", "retired_in"}], "missing_objectives"}
    Exit codes: 0 shown, 2 unknown model or a register that is not a valid document.
    """
    from ftgov.documents.errors import InputError
    from ftgov.documents.repository import Repository
    from ftgov.register.view import show
    from ftgov.render.register import RENDERERS

    try:
        view = show(Repository.discover(repo_root), model)
    except InputError as exc:
        _fail_input(str(exc))
        return
    _emit(RENDERERS[fmt](view), out)


# -- what a reviewer reads on the PR ---------------------------------------------------------


@main.group()
def report() -> None:
    """Reports for reviewers, computed offline from the local git checkout."""


@report.command("pr")
@click.option("--base", metavar="REF", required=True, help="The PR's base as git knows it locally, e.g. origin/main.")
@click.option("--format", "fmt", type=click.Choice(("markdown", "json")), default="markdown", show_default=True)
@out_option
@click.option("--repo", metavar="OWNER/NAME", default=None, help="With --pr and GITHUB_TOKEN: add the approvals still missing.")
@click.option("--pr", "number", type=click.IntRange(min=1), default=None, help="The pull request number (with --repo).")
@github_url_option
@jobs_option
@repo_root_option
def report_pr(
    base: str,
    fmt: str,
    out: Path | None,
    repo: str | None,
    number: int | None,
    github_url: str | None,
    jobs: int | None,
    repo_root: Path | None,
) -> None:
    """What a reviewer reads first: the rounds the PR touches and their status moves, the criteria it
    adds, loosens or retires, a field-by-field diff of each changed objective, register and
    policy, the cumulative stack of each touched round, the evaluation reports it records,
    and what `ftgov check --base REF` finds. With --repo and --pr (and GITHUB_TOKEN), also the
    approvals still missing, as `ftgov approvals` counts them.

    Exit codes: 0 the report was written (findings are in it: `ftgov check` is the gate),
    2 a bad REF, an unreadable repository or a usage error.
    """
    from ftgov.documents.errors import InputError
    from ftgov.documents.repository import Repository
    from ftgov.documents.validate import validate
    from ftgov.register.check_base import GitBase, check_since
    from ftgov.register.pr_report import build
    from ftgov.render.report_pr import RENDERERS

    if (repo is None) != (number is None):
        _forge_usage("--repo and --pr go together: both name the pull request whose approvals to count")
    try:
        governance = Repository.discover(repo_root)
        since = GitBase.open(governance.root, base)
        findings = check_since(governance, since, validate(governance, None, jobs=jobs, progress=_Progress()))
        approvals = _missing_approvals(repo, number, github_url) if repo is not None and number is not None else None
        built = build(governance, since, findings, approvals)
    except InputError as exc:
        _fail_input(str(exc))
        return
    _emit(RENDERERS[fmt](built), out)


def _missing_approvals(repo: str, number: int, github_url: str | None) -> MissingApprovals:
    from ftgov.gate.approvals import check_pull_request
    from ftgov.gate.forge import ForgeError, UnknownRef
    from ftgov.register.pr_report import MissingApprovals

    forge = _github(repo, github_url, None, True, admin=True)
    try:
        counted = check_pull_request(forge, number)
    except (UnknownRef, ForgeError) as exc:
        # The report is still worth reading; say what could not be counted instead of failing it.
        return MissingApprovals(number, "unknown", f"GitHub could not answer: {exc}", ())
    return MissingApprovals(number, counted.state, counted.description, counted.reasons)


@main.command()
@click.option("--repo", metavar="OWNER/NAME", required=True, help="The repository on GitHub.")
@click.option("--pr", "number", type=click.IntRange(min=1), required=True, help="The pull request number.")
@click.option(
    "--body-file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The comment's markdown (e.g. `ftgov report pr --out`). Read as text, never run.",
)
@click.option("--marker", default="ftgov:report", show_default=True, help="The hidden marker naming this comment: <!-- MARKER -->.")
@click.option("--author", metavar="LOGIN", default=None, help="Only a comment by this account is updated, e.g. github-actions[bot].")
@github_url_option
def comment(repo: str, number: int, body_file: Path, marker: str, author: str | None, github_url: str | None) -> None:
    """Post BODY-FILE as ONE comment on the pull request, updated in place on later runs.

    The comment carrying the hidden marker (and, with --author, written by that account) is
    edited; without one, a comment is created. A separate command from `ftgov report pr`, so the
    job that holds the write token only posts text it did not compute. Needs GITHUB_TOKEN.

    Exit codes: 0 posted, 2 usage error or unreadable BODY-FILE, 3 GitHub could not answer.
    """
    import re

    from ftgov.gate.forge import ForgeError
    from ftgov.gate.forge.comment import MarkerError, upsert_comment
    from ftgov.gate.gate import GateUsageError, token_from_environment

    if not re.fullmatch(_REPOSITORY, repo):
        _forge_usage(f"--repo must be OWNER/NAME, e.g. acme/governance; got {repo!r}")
    try:
        body = body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail_input(f"--body-file {body_file}: cannot read it ({getattr(exc, 'strerror', None) or type(exc).__name__})")
    base_url = _github_url(github_url) if github_url is not None else None
    try:
        token = token_from_environment()
        posted = upsert_comment(repo, number, body, marker, token, base_url, author=author)
    except (GateUsageError, MarkerError) as exc:
        _forge_usage(str(exc))
    except ForgeError as exc:
        click.echo(f"ftgov: could not post: {exc}", err=True)
        sys.exit(3)
    click.echo(f"{posted.action} comment {posted.comment_id} on {repo}#{number}: {posted.url}")


def _time_option(value: str | None, option: str) -> object:
    from ftgov.documents.errors import InputError
    from ftgov.register.ops import parse_time

    if value is None:
        return None
    try:
        return parse_time(value, option)
    except InputError as exc:
        _fail_input(str(exc))


def _write_register(repo_root: Path, path: str, before: str, content: str) -> None:
    """The register through register_ops.write_register (the one writer); its refusals are exit 2."""
    from ftgov.documents.errors import InputError
    from ftgov.register.ops import write_register

    try:
        write_register(repo_root / path, path, before, content)
    except InputError as exc:
        _fail_input(str(exc))


@contextlib.contextmanager
def _register_edit(objective_id: str) -> Iterator[None]:
    """How a command that edits the register fails: a refused move is exit 1 (nothing written), bad input exit 2."""
    from ftgov.documents.errors import InputError
    from ftgov.register.ops import EditError, PolicyRefusal

    try:
        yield
    except InputError as exc:
        _fail_input(str(exc))
    except PolicyRefusal as exc:
        click.echo(f"ftgov: refused: {exc}", err=True)
        sys.exit(1)
    except EditError as exc:
        _fail_input(f"{objective_id}: {exc}")


@main.command()
@click.argument("objective_id")
@click.option("--action", type=click.Choice(("deploy", "reject", "abandon", "rollback", "retire")), required=True)
@click.option("--reason", required=True, help="Why, in a sentence.")
@click.option("--by", "by", metavar="LOGIN", default=None, help="Who decided (GitHub login). Default: $GITHUB_ACTOR.")
@click.option("--at", "at", metavar="ISO8601", default=None, help="When, with a time zone. Default: now.")
@repo_root_option
def decide(objective_id: str, action: str, reason: str, by: str | None, at: str | None, repo_root: Path | None) -> None:
    """Record a decision on OBJECTIVE_ID's round and move its status.

    \b
    deploy    evaluated, evaluation.verdict pass  -> deployed     (decision)
    reject    any status before deployed          -> rejected     (decision)
    abandon   any status before deployed          -> abandoned    (decision)
    rollback  deployed                            -> rolled-back  (withdrawal)
    retire    deployed                            -> retired      (withdrawal)

    A round approved unreviewed (approval.unreviewed: the local sandbox) is never deployed.
    Nor is any round of a register with an error `ftgov check` reports (a verdict or a
    measured value that differs from the pinned report, FTG915-917, among them): the
    refusal lists them.
    The register is appended to (comments, key order and every other byte kept) and written
    atomically; commit it in a PR like any other change. Exit codes: 0 recorded, 1 the move
    is not allowed from the round's status or would break the register's timeline (nothing
    written), 2 usage or input error.
    """
    import os

    from ftgov.documents.repository import Repository
    from ftgov.register.decide import decide as record_decision

    moment = _time_option(at, "--at")
    with _register_edit(objective_id):
        repo = Repository.discover(repo_root)
        loaded, change = record_decision(repo, objective_id, action, reason, by or os.environ.get("GITHUB_ACTOR") or None, moment)  # type: ignore[arg-type]
    _write_register(repo.root, loaded.path, loaded.text, change.file_text)
    click.echo(f"recorded in {loaded.path}: {change.summary}")


@main.command("record-run")
@click.argument("objective_id")
@click.option(
    "--config",
    "configs",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file the run was configured with (repeat).",
)
@click.option("--started-at", metavar="ISO8601", default=None, help="When training started, with a time zone. Default: now.")
@click.option("--finished-at", metavar="ISO8601", default=None, help="When training finished (moves the round to trained).")
@click.option("--checkpoint", metavar="URI", default=None, help="Where the trained weights are, pinned (s3://...@sha256:...).")
@click.option(
    "--gate-attestation", type=click.Path(dir_okay=False, path_type=Path), default=None, help="The JSON `ftgov gate --format json` wrote."
)
@repo_root_option
def record_run(
    objective_id: str,
    configs: tuple[Path, ...],
    started_at: str | None,
    finished_at: str | None,
    checkpoint: str | None,
    gate_attestation: Path | None,
    repo_root: Path | None,
) -> None:
    """Record what was actually trained for OBJECTIVE_ID (AG-341 4.3) in its register round.

    \b
    Reads (never unpickles; a training_args.bin is refused, pass its JSON instead):
      PEFT adapter_config.json; TrainingArguments JSON (trainer.args.to_json_string());
      trainer_state.json; Axolotl and torchtune YAML; a plain YAML/JSON in the register's
      configuration shape (devices: N, data: [{source, records}], method: full, ...).
    Batch size is per device x gradient accumulation x devices. Each file is pinned by
    sha256 in run.evidence; each difference from configuration_plan is listed in
    run.deviations. --gate-attestation fills approval (a deny, or one for another
    objective, is exit 2), under a comment naming what the register PR's reviewers must
    check on GitHub: the attestation is unsigned, a claim until they do. The offline
    gate's attestation (--forge git) is recorded as approval {unreviewed: true} only where
    the policy sets gate.allow_unreviewed_local (the local sandbox: never deployed,
    FTG925/FTG926), else exit 2. Status: approved -> training, or trained with --finished-at;
    a later call with --finished-at completes a run recorded as training.

    Exit codes: 0 recorded; 1 refused (the round's status does not allow it, or the run
    started before the objective was merged: nothing written), or recorded with a deviation
    beyond the policy's tolerance that needs acknowledged_by (FTG914); 2 usage or input error.
    """
    from ftgov.documents.repository import Repository
    from ftgov.register.record_run import record_run as record

    started = _time_option(started_at, "--started-at")
    finished = _time_option(finished_at, "--finished-at")
    with _register_edit(objective_id):
        repo = Repository.discover(repo_root)
        loaded, recorded = record(repo, objective_id, list(configs), started, finished, checkpoint, gate_attestation)  # type: ignore[arg-type]
    _write_register(repo.root, loaded.path, loaded.text, recorded.file_text)
    click.echo(f"recorded in {loaded.path}:")
    for line in recorded.summary:
        click.echo(f"  {line}")
    if recorded.unacknowledged:
        for why in recorded.unacknowledged:
            click.echo(f"ftgov: FTG914 {why}; a reviewed PR adds acknowledged_by: <role> and a reason to that deviation", err=True)
        sys.exit(1)


@main.command()
@click.argument("objective_id")
@click.option("--field", "field", metavar="PATH", required=True, help="The recorded field to correct, dotted: run.finished_at.")
@click.option("--value", "value", required=True, help="The correct value, of the field's type (a time with a time zone, a login, ...).")
@click.option("--reason", required=True, help="Why the recorded value was wrong, in a sentence.")
@click.option("--at", "at", metavar="ISO8601", default=None, help="When the correction is made, with a time zone. Default: now.")
@repo_root_option
def correct(objective_id: str, field: str, value: str, reason: str, at: str | None, repo_root: Path | None) -> None:
    """Correct a mistyped value of OBJECTIVE_ID's round by appending a correction.

    The register is only appended to and a decided round is sealed (`check --base`,
    FTG957), so a wrong value is never edited. This appends {field, was, value, reason,
    at} to the round's `corrections`; every reader (check, evaluate, register show, the
    gate) uses the corrected value, a second correction of the same field corrects the
    first, and the PR that adds it is reviewed like any register change.

    \b
    Fields: approval.merged_at, approval.pull_request, approval.commit, run.started_at,
      run.finished_at, run.checkpoint, evaluation.evaluated_at, decision.at, decision.by,
      decision.reason, withdrawal.at, withdrawal.by, withdrawal.reason.
    Times more than 5 minutes in the future are refused.

    \b
    Example:
      ftgov correct support-agent-r3 --field run.finished_at --value 2026-03-03T12:00:00Z \\
        --reason "finished_at was typed a day late"

    Exit codes: 0 recorded; 1 the corrected register would fail `ftgov check` (a time out
    of order, ...; nothing written); 2 usage or input error (an unknown field, a value that
    is not of the field's type, a field the round does not record, a time in the future).
    """
    from ftgov.documents.repository import Repository
    from ftgov.register.correct import correct as record_correction

    moment = _time_option(at, "--at")
    with _register_edit(objective_id):
        repo = Repository.discover(repo_root)
        loaded, change = record_correction(repo, objective_id, field, value, reason, moment)  # type: ignore[arg-type]
    _write_register(repo.root, loaded.path, loaded.text, change.file_text)
    click.echo(f"recorded in {loaded.path}: {change.summary}")


# -- evaluate: results files against the objective and its whole history --------------------

VERDICT_FORMATS = ("text", "json", "markdown", "html")


class _EvaluateProgress:
    """'read 3/20 files' then 'judged 12/40 criteria' on a terminal's stderr; silent when piped."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        unit = "files" if what == "read" else "criteria"
        click.echo(f"\r{what} {done}/{total} {unit}   ", err=True, nl=False)
        if done == total:
            click.echo("\r" + " " * 40 + "\r", err=True, nl=False)


@main.command()
@click.argument("objective_id")
@click.option("--candidate", "candidate", multiple=True, required=True, type=click.Path(path_type=Path), metavar="PATH",
              help="The fine-tuned model's results (file or lm-eval output directory); repeat for several.")
@click.option("--baseline", "baseline", multiple=True, type=click.Path(path_type=Path), metavar="PATH",
              help="The base model's results (criteria with compare_to: base). Default: the values the register recorded.")
@click.option("--parent", "parent", multiple=True, type=click.Path(path_type=Path), metavar="PATH",
              help="The parent round's results (compare_to: parent). Default: the parent round's recorded values.")
@click.option("--format", "fmt", type=click.Choice(VERDICT_FORMATS), default="text", show_default=True,
              help="text: for a terminal; json: DESIGN's verdict object; markdown: a PR comment or job summary; "
              "html: one self-contained file with a chart.")
@out_option
@click.option("--record", is_flag=True,
              help="Write the JSON report to registers/<model>/OBJECTIVE_ID.evaluation.json and pin it in the register round, "
              "moving it from trained to evaluated (any other status: exit 1, nothing written, the missing step named).")
@repo_root_option
def evaluate(
    objective_id: str,
    candidate: tuple[Path, ...],
    baseline: tuple[Path, ...],
    parent: tuple[Path, ...],
    fmt: str,
    out: Path | None,
    record: bool,
    repo_root: Path | None,
) -> None:
    """Judge a fine-tuned model's results against every criterion its round must meet.

    The criteria: the objective's success criteria and regression boundaries, those of
    every earlier round in the register (anchored where they were declared), the policy's
    standing safety suite and defaults (general capability, tail, calibration). Each gets a
    delta, a confidence interval (paired where both runs have per-item values; never of
    zero width) and a status: pass, fail, inconclusive (the interval straddles the
    threshold, or a value came with no items, stderr or n) or missing (absent, or a setting
    one run recorded differs or is absent in the other). Safety boundaries block when
    inconclusive; Holm's step-down corrects for the number of criteria. The README's
    "Statistical rules" section says each rule. Results: lm-eval output, Inspect logs,
    model cards, or ftgov's format (docs/results-format.md).

    \b
    Exit codes: 0 pass, 1 fail, 2 input error (an unknown objective, a results file that
    is malformed or truncated, an empty directory, duplicated items, a results file whose
    direction contradicts the objective, a non-finite value a criterion needs), naming
    the file in one line.

    \b
    Examples:
      ftgov evaluate support-agent-r3 --candidate out/r3/ --baseline out/base/ --parent out/r2/
      ftgov evaluate support-agent-r3 --candidate out/r3/ --format markdown >> "$GITHUB_STEP_SUMMARY"
      ftgov evaluate support-agent-r3 --candidate out/r3/ --format html --out r3.html
      ftgov evaluate support-agent-r3 --candidate out/r3/ --record
    """
    from ftgov.documents.errors import InputError
    from ftgov.documents.repository import Repository
    from ftgov.evaluation import evaluate as evaluation_module
    from ftgov.evaluation.results import ResultsError
    from ftgov.register.ops import PolicyRefusal
    from ftgov.register.yaml_append import EditError
    from ftgov.render.verdict_formats import VERDICT_FORMATS as renderers

    try:
        repo = Repository.discover(repo_root)
        result = evaluation_module.evaluate(repo, objective_id, candidate, baseline, parent, progress=_EvaluateProgress())
    except (InputError, ResultsError) as exc:
        _fail_input(str(exc))
        return
    report = result.to_json()
    _emit(renderers[fmt](report), out)
    if record:
        try:
            outcome = evaluation_module.record(repo, result, objective_id)
        except (InputError, EditError) as exc:
            _fail_input(f"--record: {exc}")
            return
        except OSError as exc:
            _fail_input(f"--record: {exc.filename or 'the register'}: cannot write ({exc.strerror or type(exc).__name__})")
            return
        except PolicyRefusal as exc:
            click.echo(f"ftgov: refused: {exc}", err=True)
            sys.exit(1)
        click.echo(f"ftgov: recorded {outcome.report} and pinned it in {outcome.register} ({objective_id} is now evaluated)", err=True)
        for line in outcome.findings:
            click.echo(f"ftgov: register now: {line}", err=True)
    sys.exit(0 if result.passed else 1)


@main.command("new")
@click.argument("model")
@click.option(
    "--parent",
    "parent",
    metavar="ID",
    default=None,
    help="The round to build on: the register's last live round (the default); another is refused.",
)
@click.option(
    "--base-model", metavar="REPOSITORY@REVISION", default=None, help="Round 1 only: the base checkpoint, e.g. org/model@5206a32."
)
@repo_root_option
def new(model: str, parent: str | None, base_model: str | None, repo_root: Path | None) -> None:
    """Scaffold the next round of MODEL: its objective and its `proposed` register entry.

    Writes objectives/MODEL/MODEL-rN.yaml with the parent, base checkpoint, owners, risk
    tier, domain and configuration plan of the parent round, the policy's standing safety
    suite as regression boundaries and the criteria it inherits as comments, and TODO
    wherever only its authors can speak; `ftgov check` reports those (FTG2xx) until they are
    written. registers/MODEL.yaml gains the round as proposed (created if missing); nothing
    else in it changes. Exit codes: 0 written, 2 usage or input error.
    """
    from ftgov.documents.errors import InputError
    from ftgov.documents.repository import Repository
    from ftgov.register.new import scaffold, write

    try:
        repo = Repository.discover(repo_root)
        result = scaffold(repo, model, parent, base_model)
        write(repo, result)
    except InputError as exc:
        _fail_input(str(exc))
        return
    except OSError as exc:
        _fail_input(f"{model}: cannot write the new round ({exc.strerror or type(exc).__name__})")
        return
    created = " (created)" if result.register_created else ""
    click.echo(
        f"wrote {result.objective_path} and a proposed round in {result.register_path}{created}; replace every TODO, then `ftgov check`"
    )
