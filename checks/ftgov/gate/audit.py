"""`ftgov audit-repo`: every setting that would let a change reach the branch around the gate.

Reads branch protection, the rules that apply to the branch (rulesets), CODEOWNERS and
GitHub's own CODEOWNERS errors, and reports findings with FTG8xx codes. A setting counts
as enforced when either classic protection or an active ruleset enforces it. Given the
operator's trust root, it also lists the commits after it that came from no merged pull
request (FTG812): what the gate, pinned to the same root, would refuse to trust.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from codeowners import CodeOwners

from ftgov.documents import paths
from ftgov.documents.access import mapping, sequence, text
from ftgov.documents.document import Document
from ftgov.documents.findings import Finding, Rule
from ftgov.documents.loader import decode, parse_document
from ftgov.documents.rules import bypass as B
from ftgov.documents.validate import ValidationResult, locate

CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
GOVERNED_PATHS = ("objectives/", "registers/", "policies/", "checks/", ".github/", "CODEOWNERS")
APPROVALS_CHECK = "ftgov/approvals"
REQUIRED_CHECKS = (APPROVALS_CHECK, "ftgov validate")
# The GitHub Actions app: every workflow run, including one a PR defines, posts statuses as it.
GITHUB_ACTIONS_APP_ID = 15368
_ANY_SOURCE = (None, -1, GITHUB_ACTIONS_APP_ID)
CATCH_ALL_PATTERNS = ("*", "**", "/**")
# Direct pushes listed one finding each; the rest are counted in one more.
MAX_LISTED_PUSHES = 20
_SUBJECT_CHARS = 72
_FULL_SHA = re.compile(r"[0-9a-f]{40}")


def _enabled(section: Any) -> bool:
    return isinstance(section, dict) and bool(section.get("enabled"))


def _at(rule: Rule, where: str, message: str, line: int = 1) -> Finding:
    return rule.at_line(where, line, 1, message)


def audit(
    forge: Any, branch: str = "main", required_checks: tuple[str, ...] = REQUIRED_CHECKS, trust_root: str | None = None
) -> ValidationResult:
    """The FTG8xx findings for `branch`; with `trust_root` (a full commit sha), also the commits after it that no PR merged."""
    if trust_root is not None and not _FULL_SHA.fullmatch(trust_root):
        raise ValueError(f"trust root {trust_root!r} is not a full commit sha (40 lower-case hex digits)")
    setting = f"github:branch-protection/{branch}"
    protection = forge.protection(branch)
    rules = forge.branch_rules(branch)
    findings = list(_protection_findings(setting, protection, rules, required_checks))
    head = forge.branch_head(branch)
    tree = forge.tree(head)
    findings.extend(_codeowners_findings(forge, tree, head))
    findings.extend(_orphaned_owner_findings(forge, tree))
    paths = (setting, *[p for p in CODEOWNERS_LOCATIONS if p in tree])
    if trust_root is not None:
        history = f"github:history/{branch}"
        findings.extend(_direct_push_findings(forge, history, branch, trust_root, head))
        paths = (*paths, history)
    # A stable sort: FTG812's findings share one place and stay oldest first.
    return ValidationResult(tuple(sorted(findings, key=Finding.sort_key)), paths)


def _protection_findings(
    setting: str, protection: dict[str, Any] | None, rules: list[dict[str, Any]], required_checks: tuple[str, ...]
) -> Iterator[Finding]:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for rule in rules:
        by_type.setdefault(str(rule.get("type")), []).append(rule.get("parameters") or {})
    pr_rules = by_type.get("pull_request", [])
    if protection is None and not pr_rules:
        yield _at(B.UNPROTECTED, setting, "the branch has no protection and no ruleset pull_request rule (or the token cannot read them)")
        return
    yield from _review_findings(setting, protection, pr_rules)
    if protection is not None and not _enabled(protection.get("enforce_admins")):
        yield _at(B.ADMINS_EXEMPT, setting, "administrators are not bound by branch protection (enforce_admins is off)")
    yield from _history_findings(setting, protection, by_type)
    yield from _status_check_findings(setting, protection, by_type, required_checks)


def _review_findings(setting: str, protection: dict[str, Any] | None, pr_rules: list[dict[str, Any]]) -> Iterator[Finding]:
    """The review a merge needs: from a code owner, not dismissed as stale, and of the most recent push."""
    reviews = (protection or {}).get("required_pull_request_reviews")

    def from_rules(key: str) -> bool:
        return any(bool(p.get(key)) for p in pr_rules)

    def from_protection(key: str) -> bool:
        return isinstance(reviews, dict) and bool(reviews.get(key))

    if not (from_protection("require_code_owner_reviews") or from_rules("require_code_owner_review")):
        yield _at(B.NO_CODEOWNER_REVIEW, setting, "code-owner review is not required before merging")
    if not (from_protection("dismiss_stale_reviews") or from_rules("dismiss_stale_reviews_on_push")):
        yield _at(B.STALE_REVIEWS, setting, "stale approvals are not dismissed when new commits are pushed")
    if not (from_protection("require_last_push_approval") or from_rules("require_last_push_approval")):
        yield _at(B.LAST_PUSH, setting, "the most recent push does not need approval by someone else")


def _history_findings(setting: str, protection: dict[str, Any] | None, by_type: dict[str, list[dict[str, Any]]]) -> Iterator[Finding]:
    """The branch's history cannot be rewritten: no force push, no deletion, by protection or by a ruleset."""
    if protection is not None:
        if _enabled(protection.get("allow_force_pushes")) and "non_fast_forward" not in by_type:
            yield _at(B.HISTORY_REWRITE, setting, "force pushes to the branch are allowed")
        if _enabled(protection.get("allow_deletions")) and "deletion" not in by_type:
            yield _at(B.HISTORY_REWRITE, setting, "the branch may be deleted")
    elif "non_fast_forward" not in by_type or "deletion" not in by_type:
        yield _at(B.HISTORY_REWRITE, setting, "no rule blocks force pushes and deletion of the branch")


def _status_check_findings(
    setting: str, protection: dict[str, Any] | None, by_type: dict[str, list[dict[str, Any]]], required_checks: tuple[str, ...]
) -> Iterator[Finding]:
    """ftgov's checks are required before merging, and `ftgov/approvals` only from the app that sets it."""
    checks = (protection or {}).get("required_status_checks")
    required = _required_status_checks(checks, by_type.get("required_status_checks", []))
    for name in required_checks:
        if name not in required:
            yield _at(B.CHECK_NOT_REQUIRED, setting, f"status check '{name}' is not required before merging")
    if APPROVALS_CHECK in required:
        pins = _approvals_pins(checks, by_type.get("required_status_checks", []))
        if not any(app not in _ANY_SOURCE for app in pins):
            actions = " (GitHub Actions, which any workflow a PR changes can post as)" if GITHUB_ACTIONS_APP_ID in pins else ""
            yield _at(
                B.CHECK_NOT_PINNED,
                setting,
                f"required status check '{APPROVALS_CHECK}' is not pinned to the app that sets it{actions}; "
                "anyone with push access can post it",
            )


def _required_status_checks(checks: Any, status_rules: list[dict[str, Any]]) -> set[str]:
    """Every status check a merge needs, whether branch protection or a ruleset requires it."""
    required: set[str] = set()
    if isinstance(checks, dict):
        required.update(str(c) for c in checks.get("contexts") or [])
        required.update(str(c.get("context")) for c in checks.get("checks") or [] if isinstance(c, dict))
    for params in status_rules:
        required.update(str(c.get("context")) for c in params.get("required_status_checks") or [] if isinstance(c, dict))
    return required


def _approvals_pins(checks: Any, status_rules: list[dict[str, Any]]) -> list[int | None]:
    """The app each requirement of `ftgov/approvals` demands; None where any source may set it.

    Branch protection pins with `required_status_checks.checks[].app_id` (null or -1: any
    source; the deprecated `contexts` list carries no pin); a ruleset with
    `required_status_checks[].integration_id` (absent: any source). GitHub enforces every
    requirement, so one real pin is enough.
    """
    pins: list[int | None] = []
    if isinstance(checks, dict):
        listed = [c for c in checks.get("checks") or [] if isinstance(c, dict) and c.get("context") == APPROVALS_CHECK]
        pins.extend(c.get("app_id") if isinstance(c.get("app_id"), int) else None for c in listed)
        if not listed and APPROVALS_CHECK in (checks.get("contexts") or []):
            pins.append(None)
    for params in status_rules:
        for c in params.get("required_status_checks") or []:
            if isinstance(c, dict) and c.get("context") == APPROVALS_CHECK:
                pins.append(c.get("integration_id") if isinstance(c.get("integration_id"), int) else None)
    return pins


def _codeowners_findings(forge: Any, tree: dict[str, str], head: str) -> Iterator[Finding]:
    location = next((p for p in CODEOWNERS_LOCATIONS if p in tree), None)
    if location is None:
        yield _at(B.CODEOWNERS_INVALID, "CODEOWNERS", f"no CODEOWNERS file in {', '.join(CODEOWNERS_LOCATIONS)}")
        return
    for error in forge.codeowners_errors(head) or []:
        line = error.get("line") if isinstance(error.get("line"), int) else 1
        yield _at(B.CODEOWNERS_INVALID, location, f"GitHub: {error.get('kind', 'error')}: {error.get('message', '').strip()}", line)
    text = forge.blob(tree[location]).decode("utf-8", "replace")
    owners = CodeOwners(text)
    if not _has_catch_all(text):
        yield _at(
            B.CODEOWNERS_GAP,
            location,
            "no catch-all owner line ('*' or '/**' with an owner): paths no other line matches (pyproject.toml, tests/, …) "
            "can change with any approval",
        )
    for governed in GOVERNED_PATHS:
        samples = [p for p in tree if p.startswith(governed)] if governed.endswith("/") else [governed]
        samples = samples or [f"{governed}example.yaml"]
        unowned = [p for p in samples if not owners.of(p)]
        if unowned:
            yield _at(B.CODEOWNERS_GAP, location, f"{governed} has no code owner (e.g. {unowned[0]})")


def _orphaned_owner_findings(forge: Any, tree: dict[str, str]) -> Iterator[Finding]:
    """FTG811: objectives of deployed rounds (registers at the branch head) whose owners left the organisation.

    The organisation is the repository's owner; membership is GET /orgs/{org}/memberships/{username}.
    """
    org = str(forge.describe().repository).split("/", 1)[0]
    states: dict[str, str | None] = {}
    for register_path in sorted(p for p in tree if paths.is_register_path(p)):
        model = register_path[len("registers/") : -len(".yaml")]
        register = _document(forge, tree, register_path)
        deployed = [text(r, "objective") for r in sequence(register[1] if register else {}, "rounds") if text(r, "status") == "deployed"]
        for objective_id in filter(None, deployed):
            path = paths.objective_path(model, objective_id)
            objective = _document(forge, tree, path)
            if objective is None:
                continue  # a missing objective is `ftgov check`'s finding (FTG902)
            found = []
            for role in ("technical_lead", "risk_reviewer"):
                login = text(mapping(objective[1], "owners"), role)
                if login is None:
                    continue
                if login.lower() not in states:
                    states[login.lower()] = forge.org_membership(org, login)
                state = states[login.lower()]
                if state != "active":
                    why = "a pending invitation, not an active member" if state == "pending" else "not a member"
                    message = f"{objective_id} is deployed, but its {role} {login} is {why} of {org}"
                    found.append(B.OWNER_GONE.at(path, ("owners", role), message))
            yield from locate(found, _text_of(objective[0]))


def _direct_push_findings(forge: Any, where: str, branch: str, root: str, head: str) -> Iterator[Finding]:
    """FTG812: the commits on the branch after the trust root that came from no pull request merged into it.

    Cost: one compare request for the ancestry, one per 100 commits after the root, and one
    `commits/{sha}/pulls` per commit after it. GitHub associates a merged PR's merge commit,
    squash commit and rebased commits (and the commits a merge commit brings) with the PR.
    """
    if root == head:
        return
    if not forge.is_ancestor(root, head):
        yield _at(
            B.DIRECT_PUSH,
            where,
            f"trust root {root} is not {branch}'s head {head[:12]} nor one of its ancestors (GitHub's compare API): "
            "the gate pinned to it denies every objective; pin a commit the branch contains, the one that installed the reviewed policy",
        )
        return
    listed = forge.commits_between(root, head)
    if not listed.complete:
        # Judging the commits GitHub did list would pass off part of the history as the whole.
        yield _at(
            B.DIRECT_PUSH,
            where,
            f"GitHub's compare API listed {len(listed.commits)} of the {listed.total} commits on {branch} after the trust root "
            f"{root[:12]}; the audit judges none of them rather than a part as the whole (list them with "
            f"`git log {root[:12]}..{branch}` in a clone, or pin a trust root nearer the head after reviewing them)",
        )
        return
    direct = [commit for commit in listed.commits if not _merged_into(forge, commit.sha, branch)]
    for commit in direct[:MAX_LISTED_PUSHES]:
        who = commit.author_login or commit.author_email or "an unknown author"
        yield _at(
            B.DIRECT_PUSH,
            where,
            f"commit {commit.sha[:12]} ({_subject(commit.message)}, by {_printable(who)}) reached {branch} after the trust root "
            "without a merged pull request",
        )
    if len(direct) > MAX_LISTED_PUSHES:
        yield _at(
            B.DIRECT_PUSH,
            where,
            f"... and {len(direct) - MAX_LISTED_PUSHES} more commit(s) reached {branch} after the trust root without a merged "
            f"pull request (the first {MAX_LISTED_PUSHES} are listed above, oldest first)",
        )


def _merged_into(forge: Any, commit: str, branch: str) -> bool:
    """Some pull request merged into `branch` brought `commit` (GitHub: `GET /commits/{sha}/pulls`)."""
    return any(pr.merged_at is not None and pr.base_ref == branch for pr in forge.pulls_for_commit(commit))


def _subject(message: str) -> str:
    """A commit message's first line, as a finding can quote it: printable, and short."""
    lines = message.strip().splitlines()
    subject = _printable(lines[0].strip() if lines else "")
    if len(subject) > _SUBJECT_CHARS:
        return subject[: _SUBJECT_CHARS - 1].rstrip() + "…"
    return subject or "no message"


def _printable(text: str) -> str:
    # Commit messages and emails are anyone's text: no terminal escapes or other controls in a report.
    return "".join(ch for ch in text if ch.isprintable())


def _text_of(content: str) -> Callable[[str], str | None]:
    return lambda _: content


def _document(forge: Any, tree: dict[str, str], path: str) -> tuple[str, dict[str, Any]] | None:
    """A document at the branch head as (text, values); None when absent or unreadable."""
    if path not in tree:
        return None
    content = decode(forge.blob(tree[path]), path)
    if not isinstance(content, str):
        return None
    loaded = parse_document(content, path)
    return (content, loaded.data) if isinstance(loaded, Document) else None


def _has_catch_all(text: str) -> bool:
    """A line that owns every path, with at least one owner (GitHub: the last matching line wins)."""
    for raw in text.splitlines():
        fields = raw.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] in CATCH_ALL_PATTERNS:
            return True
    return False
