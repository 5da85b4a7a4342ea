"""Provenance: every input the gate relies on reached the branch through an approved PR.

The gate trusts three kinds of file at the pinned commit, and checks how each got there:

- The objective (objectives/<model>/<id>.yaml): every PR in its lineage merged into the
  branch, each approved for the highest risk tier the id has ever had, at any path. The
  lineage is the file's history at its path, newest first, back to the change that added
  it; when that change moved the file from another objectives/<model>/<id>.yaml or .yml
  in the parent commit's tree, the history of the old path continues it (nothing outside
  objectives/ is ever part of it: a fixture or a report named for the id is another file).
  A fresh addition ends it: its reviewers saw the whole file. Every commit must belong to
  exactly one merged PR whose final head holds the blob the commit put there.
- The policy and the schemas the gate reads (policies/<name>.schema.json): every PR in
  the history of each was approved for the highest tier under the policy the branch had
  just before that PR merged (Reads.branch_before: never the PR's recorded base.sha), so
  no PR relaxes its own requirement and no later PR launders a relaxing one; a direct
  push denies. Bootstrap: the PR that first added the policy has no policy before
  it and is judged under the policy it adds. A schema identical
  to the one ftgov was released with is trusted as ftgov's own, and so is a schema the
  repository never held (the gate uses the packaged one, as `ftgov check` does); one the
  repository held and deleted needs its deletion approved like any change, since the
  repository's own may have been stricter.
- The model's register (registers/<model>.yaml): its last PR, and every earlier PR that
  changed the gated objective's round entry, deleted the register or re-created it, was
  approved for the highest tier among the model's objectives. A register absent at the
  pinned commit was never on the branch, or was removed by a PR approved for that tier.

"Highest tier ever" reads every version found: the lineage, the history of each path a
move came from, and the history of objectives/<m>/<id>.yaml for every model directory m
in the pinned tree or in any tree read along the way. So deleting, moving or renaming an
objective never lowers what it needs.

What this does not see (residual limits, stated so nobody relies on them):
- An earlier incarnation of the id in a model directory that no longer exists in any
  tree read, and that was not moved from in one commit (deleted in one PR, the whole
  directory removed, the id re-added elsewhere later), is not searched.
- A move to a file named neither <id>.* nor with the same content, followed by a later
  rename back, is found only if the old canonical path is still swept (its model
  directory still exists).
- Approvals count people who are members of the role's team now; someone who has left
  the team no longer counts for any PR in the lineage, old or new, including every
  governance PR back to the one that added the policy (the gate then denies naming it),
  until the operator moves the trust root past that PR.

Trust root: a commit the launcher's operator pins (never read from the repository).
Every walk stops at the first change at or before it (`Reads.given`: the commits that
changed the path below the root), which stands as given: its version's risk tier still
counts, its PR is not asked for.

Independence: approvals are counted without anyone who wrote the PR (ftgov.approvals).
- Bootstrap: the PR that first added the policy is judged under the policy it adds, and
  so is one that re-adds a policy when the branch before it held none (after an approved
  deletion, during which the gate denied everything).
- "The model's highest tier" is read at the pinned commit: a register PR approved when
  the model's objectives were all of a lower tier denies once a higher one is added.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Protocol

from ftgov.documents import paths
from ftgov.documents.corrected import corrected
from ftgov.documents.document import Document
from ftgov.documents.errors import Refusal
from ftgov.documents.findings import Finding
from ftgov.documents.lifecycle import UNAPPROVED
from ftgov.documents.loader import decode, parse_document
from ftgov.documents.policy import Policy
from ftgov.documents.schemas import packaged_schema
from ftgov.gate.approval_count import ApprovalCount, Independence, count_approvals, independence_of
from ftgov.gate.forge import Forge, PullCommit, PullRequest, Review, git_blob_sha

TIERS = ("low", "medium", "high")
HIGHEST = TIERS[-1]
MAX_REPLAYED = 250  # a rebase merge replays at most as many commits as GitHub lists for a PR


class Denied(Refusal):
    """A definite no, with the reasons; decide() turns it into a deny attestation."""

    def __init__(self, *reasons: str) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class ProvenanceForge(Forge, Protocol):
    """What tracing history needs beyond the last change: whole histories and files at commits."""

    def history(self, path: str, commit: str) -> list[tuple[str, tuple[str, ...]]]:
        """Commits below `commit` that changed `path`, newest first, each with its parents."""
        ...

    def file_at(self, path: str, commit: str) -> tuple[str, bytes] | None:
        """(blob sha, content) of `path` at `commit`, or None when no file is there."""
        ...

    def default_branch(self) -> str: ...

    def branch_protected(self, branch: str) -> bool: ...


def risk_tier(document: Document) -> str:
    """The document's risk tier; anything unreadable counts as the strictest."""
    model = document.data.get("model")
    tier = model.get("risk_tier") if isinstance(model, dict) else None
    return tier if tier in TIERS else HIGHEST


def tier_of_text(raw: bytes, path: str) -> str:
    """The risk tier a version of a file declares; unreadable counts as the strictest."""
    text = decode(raw, path)
    if isinstance(text, Finding):
        return HIGHEST
    loaded = parse_document(text, path)
    return HIGHEST if isinstance(loaded, Finding) else risk_tier(loaded)


def strictest(tiers: Iterable[str]) -> str:
    return max(tiers, key=TIERS.index, default=TIERS[0])


def model_dirs(tree: dict[str, str]) -> set[str]:
    return {p.split("/")[1] for p in tree if p.startswith("objectives/") and p.count("/") >= 2}


class Reads:
    """One decision's questions to the forge, each asked once (trees, files, PRs, reviews, teams)."""

    def __init__(
        self, forge: ProvenanceForge, branch: str, default_branch: str | None = None, *, head: str = "", trust_root: str | None = None
    ) -> None:
        self.forge = forge
        self.branch = branch
        self.head = head  # the pinned commit every question is asked below
        # History at or before the trust root is accepted as given (the operator pinned it).
        self.trust_root = trust_root
        self._given: dict[str, frozenset[str]] = {}
        self._history: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]] = {}
        self._parents: dict[str, tuple[str, ...]] = {}
        self._on_branch: dict[str, bool] = {}
        self._before: dict[int, str | None] = {}
        self._independence: dict[int, Independence] = {}
        self.unmerged: list[str] = []  # commits that came from no merged PR (for the trust-root hint)
        # What was merged into the default branch was approved there; a protected release
        # branch the policy names receives it from there, so those merges count for it too.
        self.bases = {branch, default_branch or branch}
        self._trees: dict[str, dict[str, str]] = {}
        self._files: dict[tuple[str, str], tuple[str, bytes] | None] = {}
        self._pulls: dict[str, list[PullRequest]] = {}
        self._reviews: dict[int, list[Review]] = {}
        self._members: dict[tuple[str, str], str | None] = {}
        self._blobs: dict[str, bytes] = {}
        self._tiers: dict[str, str] = {}
        self._counts: dict[tuple[int, tuple[str, ...], tuple[tuple[str, str], ...]], ApprovalCount] = {}

    def history(self, path: str, start: str) -> list[tuple[str, tuple[str, ...]]]:
        if (path, start) not in self._history:
            self._history[(path, start)] = self.forge.history(path, start)
        return self._history[(path, start)]

    def given(self, path: str) -> frozenset[str]:
        """The commits at or before the trust root that changed `path` (one history read per path); none without a root."""
        if self.trust_root is None:
            return frozenset()
        if path not in self._given:
            self._given[path] = frozenset(commit for commit, _ in self.history(path, self.trust_root))
        return self._given[path]

    def parents(self, commit: str) -> tuple[str, ...]:
        if commit not in self._parents:
            self._parents[commit] = self.forge.commit_parents(commit)
        return self._parents[commit]

    def on_branch(self, commit: str) -> bool:
        """`commit` is the pinned head or one of its ancestors (GitHub's compare API)."""
        if commit == self.head:
            return True
        if commit not in self._on_branch:
            self._on_branch[commit] = self.forge.is_ancestor(commit, self.head)
        return self._on_branch[commit]

    def _merged_prs(self, commit: str) -> list[PullRequest]:
        if commit not in self._pulls:
            self._pulls[commit] = self.forge.pulls_for_commit(commit)
        return [pr for pr in self._pulls[commit] if pr.merged_at is not None and pr.base_ref in self.bases]

    def branch_before(self, pr: PullRequest, change: Change) -> str | None:
        """The branch's commit just before `pr` merged; None when the PR's changes start the branch.

        That is the first parent of its merge or squash commit, and for a rebase merge the
        parent of the first commit it replayed (walking back over commits of the same PR).
        A PR's recorded `base.sha` is never used: GitHub does not move it when the branch
        moves, so it can name a policy the branch had long before the merge.
        """
        if pr.number in self._before:
            return self._before[pr.number]
        merge = pr.merge_commit_sha
        if not merge:
            raise Denied(f"PR #{pr.number} reports no merge commit: which policy the branch had when it merged cannot be read")
        if merge == change.commit:
            parents = change.parents
        elif self.on_branch(merge):
            parents = self.parents(merge)
        else:
            raise Denied(f"PR #{pr.number}'s merge commit {merge[:12]} is not on {self.branch}: how it reached the branch cannot be read")
        for _ in range(MAX_REPLAYED):
            if len(parents) != 1 or pr.number not in {p.number for p in self._merged_prs(parents[0])}:
                break
            parents = self.parents(parents[0])  # a commit the rebase replayed: the branch is further back
        else:
            raise Denied(f"PR #{pr.number} replayed more than {MAX_REPLAYED} commits: the branch before it cannot be found")
        before = parents[0] if parents else None
        self._before[pr.number] = before
        return before

    def independence(self, pr: PullRequest) -> Independence:
        """Who wrote the PR (its commits' accounts and co-authors): they may not approve it."""
        if pr.number not in self._independence:
            commits: list[PullCommit] = self.forge.pull_commits(pr.number)
            self._independence[pr.number] = independence_of(pr, commits)
        return self._independence[pr.number]

    def tree(self, commit: str) -> dict[str, str]:
        if commit not in self._trees:
            self._trees[commit] = self.forge.tree(commit)
        return self._trees[commit]

    def remember_tree(self, commit: str, tree: dict[str, str]) -> None:
        self._trees[commit] = tree

    def known_trees(self) -> list[dict[str, str]]:
        return list(self._trees.values())

    def file_at(self, path: str, commit: str) -> tuple[str, bytes] | None:
        key = (path, commit)
        if key not in self._files:
            found = self._files[key] = self.forge.file_at(path, commit)
            if found is not None:
                self._blobs.setdefault(found[0], found[1])  # the content came with it: no second read
        return self._files[key]

    def sha_at(self, path: str, commit: str) -> str | None:
        if commit in self._trees:
            return self._trees[commit].get(path)
        found = self.file_at(path, commit)
        return found[0] if found else None

    def tier(self, blob: str, path: str, content: bytes | None = None) -> str:
        """The risk tier a blob declares, read once per blob."""
        if blob not in self._tiers:
            self._tiers[blob] = tier_of_text(content if content is not None else self.blob(blob), path)
        return self._tiers[blob]

    def knows_tier(self, blob: str) -> bool:
        return blob in self._tiers

    def remember_tier(self, blob: str, tier: str) -> None:
        self._tiers[blob] = tier

    def blob(self, sha: str) -> bytes:
        if sha not in self._blobs:
            self._blobs[sha] = self.forge.blob(sha)
        return self._blobs[sha]

    def membership(self, team: str, login: str) -> str | None:
        if (team, login) not in self._members:
            self._members[(team, login)] = self.forge.team_membership(team, login)
        return self._members[(team, login)]

    def merged_pr(self, commit: str, what: str) -> PullRequest:
        """The one PR merged into the branch that brought `commit`; anything else denies."""
        merged = self._merged_prs(commit)
        if not merged:
            self.unmerged.append(commit)
            raise Denied(
                f"{what} ({commit[:12]}) did not come from a pull request merged into {self.branch} "
                "(a direct push, a force push, or an unmerged or closed pull request)"
            )
        if len(merged) > 1:
            raise Denied(f"{what} ({commit[:12]}) belongs to several merged pull requests: " + ", ".join(f"#{pr.number}" for pr in merged))
        return merged[0]

    def count(self, pr: PullRequest, roles: tuple[str, ...], teams: dict[str, str]) -> ApprovalCount:
        key = (pr.number, roles, tuple(sorted(teams.items())))
        if key not in self._counts:
            if pr.number not in self._reviews:
                self._reviews[pr.number] = self.forge.reviews(pr.number)
            self._counts[key] = count_approvals(pr, self._reviews[pr.number], roles, teams, self.membership, self.independence(pr))
        return self._counts[key]


def approval_reason(subject: str, pr: str, count: ApprovalCount, roles: tuple[str, ...], need: str) -> str:
    """'<subject>: PR #7 was approved by technical only; <need> needs technical, risk'."""
    filled = [a.role for a in count.approvals]
    if not count.missing and count.doubts:
        return (
            f"{subject}: {pr} was approved by {', '.join(filled)}, but that its approvers wrote none of it cannot be shown; "
            f"{need} needs independent approvers"
        )
    by = f"{', '.join(filled)} only" if filled else "none of the roles it needs"
    return f"{subject}: {pr} was approved by {by}; {need} needs {', '.join(roles)}"


# -- the objective ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One commit on the branch that changed a governed file: what it left there (None: it deleted the file)."""

    path: str
    commit: str
    parents: tuple[str, ...]
    blob: str | None
    given: bool = field(default=False, kw_only=True)  # at or before the trust root: accepted as it is, judged by no rule


@dataclass(frozen=True)
class Revision(Change):
    """A change to an objective, with the risk tier the version it left declares."""

    tier: str | None


@dataclass
class Lineage:
    """What the history of an objective id shows."""

    chain: list[Revision] = field(default_factory=list)  # whose PRs must be approved, newest first
    tier: str = TIERS[0]
    tier_at: str = ""  # a path holding a version at that tier

    def see(self, revision: Revision) -> None:
        if revision.tier is not None and (not self.tier_at or TIERS.index(revision.tier) > TIERS.index(self.tier)):
            self.tier, self.tier_at = revision.tier, revision.path


def _revisions(reads: Reads, path: str, start: str) -> list[Revision]:
    return [
        Revision(c.path, c.commit, c.parents, c.blob, reads.tier(c.blob, path) if c.blob else None, given=c.given)
        for c in changes_of(reads, path, start, reads.sha_at(path, start))  # start's tree is already read
    ]


def _move_sources(reads: Reads, added: Revision, objective_id: str) -> list[str]:
    """Objective paths in the parent commit the added file may have come from: objectives/<model>/<id>.yaml or .yml.

    Nothing else is part of an objective's history: a test fixture or an evaluation
    report named for the id is another file, whatever its name or content.
    """
    if not added.parents:
        return []
    names = (f"{objective_id}.yaml", f"{objective_id}.yml")
    before = reads.tree(added.parents[0])
    return sorted(
        path
        for path in before
        if path != added.path and paths.is_objective_path(path, (".yaml", ".yml")) and PurePosixPath(path).name in names
    )


def trace_objective(reads: Reads, objective_id: str, path: str, head: str, pinned_tree: dict[str, str]) -> Lineage:
    """Every version of the id that history shows, and the chain of changes behind the pinned one."""
    lineage = Lineage()
    queue: list[tuple[str, str, bool]] = [(path, head, True)]  # (path, history start, part of the chain)
    asked: set[tuple[str, str]] = set()
    swept: set[str] = set()
    while True:
        while queue:
            where, start, chained = queue.pop(0)
            if (where, start) in asked:
                continue
            asked.add((where, start))
            revisions = _revisions(reads, where, start)
            for i, revision in enumerate(revisions):
                lineage.see(revision)
                if revision.given:
                    break  # the trust root's version: accepted as given, and so is everything before it
                if chained:
                    lineage.chain.append(revision)
                older = revisions[i + 1] if i + 1 < len(revisions) else None
                if revision.blob is None or (older is not None and older.blob is not None):
                    continue  # not an addition
                sources = _move_sources(reads, revision, objective_id)
                queue.extend((source, revision.parents[0], chained) for source in sources)
                chained = False  # a fresh addition's reviewers saw it all; a move hands on to its source
        # Every canonical place the id could have lived, in every model directory any read tree shows.
        dirs = model_dirs(pinned_tree).union(*(model_dirs(tree) for tree in reads.known_trees()))
        pending = sorted(paths.objective_path(m, objective_id) for m in dirs)
        queue = [(p, head, False) for p in pending if p not in swept and (p, head) not in asked]
        swept.update(pending)
        if not queue:
            return lineage


Requirements = Callable[[PullRequest, Change, bool], tuple[tuple[str, ...], dict[str, str]]]


@dataclass(frozen=True)
class ChainJudgement:
    """The verdict on a chain of changes: the newest PR, its approvals, and what is wrong."""

    pr: PullRequest | None  # None: the objective is as the trust root has it, accepted as given
    count: ApprovalCount | None
    roles: tuple[str, ...]
    reasons: tuple[str, ...]
    merged: tuple[tuple[PullRequest, Change], ...] = ()  # each PR judged, with its newest change


def judge_chain(reads: Reads, lineage: Lineage, current_tier: str, requirements: Requirements) -> ChainJudgement:
    """Each PR of the chain: merged here, unchanged since its final head, approved for the lineage's tier."""
    if not lineage.chain:
        if reads.trust_root is not None:
            return ChainJudgement(None, None, (), ())  # unchanged since the trust root
        raise Denied(f"no commit on {reads.branch} touches the objective")
    newest = lineage.chain[0]
    note = ""
    if lineage.tier_at != newest.path:
        note = f" (its highest, at {lineage.tier_at})"
    elif lineage.tier != current_tier:
        note = " (its highest, in an earlier version)"
    need = f"risk tier {lineage.tier}{note}"
    reasons: list[str] = []
    judged: dict[int, PullRequest] = {}
    merged: list[tuple[PullRequest, Change]] = []
    first: tuple[PullRequest, ApprovalCount, tuple[str, ...]] | None = None
    for revision in lineage.chain:
        is_newest = revision is newest
        what = f"the last change to {revision.path}" if is_newest else f"an earlier change to {revision.path}"
        pr = reads.merged_pr(revision.commit, what)
        if pr.number in judged:
            continue  # an older commit of a PR already judged: an intermediate state of that PR
        judged[pr.number] = pr
        merged.append((pr, revision))
        label = f"PR #{pr.number}" + ("" if is_newest else " (an earlier change)")
        if is_newest and revision.commit != pr.head_sha:
            reads.tree(pr.head_sha)  # as costly as the one file, and answers for the register or policy in the same PR
        reviewed = revision.blob if revision.commit == pr.head_sha else reads.sha_at(revision.path, pr.head_sha)
        if reviewed != revision.blob:
            reasons.append(
                f"{revision.path} as {revision.commit[:12]} left it (blob {(revision.blob or 'absent')[:12]}) is not the content "
                f"{label} approved at its final head {pr.head_sha[:12]} (blob {(reviewed or 'absent')[:12]}): "
                "it changed in the merge or after it"
            )
        roles, teams = requirements(pr, revision, is_newest)
        count = reads.count(pr, roles, teams)
        if first is None:
            first = (pr, count, roles)
        if not count.satisfied:
            reasons.append(approval_reason(revision.path, label, count, roles, need))
            reasons.extend(count.reasons)
    assert first is not None
    return ChainJudgement(first[0], first[1], first[2], tuple(reasons), tuple(merged))


# -- what the gate trusts besides the objective ---------------------------------------

PolicyReader = Callable[[dict[str, str], str], Policy]


def governance_files(tree: dict[str, str], model: str) -> list[str]:
    """The policy and the schemas the gate reads: what decides what every objective must satisfy.

    The register schema counts once the model has a register, which is when the gate reads it.
    A schema identical to the one this ftgov was released with needs no provenance: the gate
    would trust its own copy anyway, so how those bytes reached the branch changes nothing.
    A schema absent from the tree is listed: its absence has a provenance too, when the
    repository once held it.
    """
    schemas = ["objective", "policy"] + (["register"] if paths.register_path(model) in tree else [])
    files = [paths.POLICY]
    for name in schemas:
        path = paths.schema_path(name)
        bundled = packaged_schema(name)
        if bundled is None or tree.get(path) != git_blob_sha(bundled):
            files.append(path)
    return files


def changes_of(reads: Reads, path: str, head: str, blob_at_head: str | None) -> list[Change]:
    """Every commit below `head` that changed `path`, newest first, each with the blob it left.

    With a trust root, the walk ends at the first change at or before it, which is
    returned marked `given`: what the file was when the operator's trust began.
    The history and each file at a commit are pinned by sha, so a warm decision reads
    them from the cache alone.
    """
    given = reads.given(path)
    changes = []
    for i, (commit, parents) in enumerate(reads.history(path, head)):
        if i == 0:
            blob = blob_at_head  # the newest change left what the pinned tree holds
        else:
            found = reads.file_at(path, commit)
            blob = found[0] if found else None
        changes.append(Change(path, commit, parents, blob, given=commit in given))
        if commit in given:
            break
    return changes


State = Callable[[str | None], object]


def continuity_reasons(
    reads: Reads, path: str, merged: list[tuple[PullRequest, Change]], start: str | None, head_blob: str | None, state: State
) -> list[str]:
    """The PRs judged for `path` account for every state it had on the branch, one after the other.

    A file's history is read as GitHub lists it (`git log -- path`), which simplifies merges:
    where a merge holds the file as one parent does, only that parent is followed. A branch
    that already held a change, merged the base back in after the same bytes reached the
    base through another PR, hides that other PR from the history entirely. So each judged
    PR's merge is checked on the branch itself: just before it merged, the file was as the
    previous judged PR left it (or as the trust root had it, or absent), and the last judged
    PR left what the pinned commit holds. `state` says which differences count (for the
    register: only the rounds the gated round rests on).
    """
    if not merged:
        return []
    ordered = sorted({pr.number: (pr, change) for pr, change in merged}.values(), key=lambda item: (_merged(item[0]), item[0].number))
    expected, source = state(start), ("the trust root" if start is not None else "absent")
    reasons = []
    for pr, change in ordered:
        before = reads.branch_before(pr, change)
        # Whole trees, not the file: one listing answers for every governed file of the PR, and a
        # file absent there is an answer the cache can revalidate (a 404 is not).
        held = reads.tree(before).get(path) if before is not None else None
        if state(held) != expected:
            reasons.append(
                f"{path}: just before PR #{pr.number} merged, {reads.branch} held it as blob {(held or 'absent')[:12]} "
                f"({(before or '')[:12]}), not as {source} left it: a change reached {reads.branch} that the file's history "
                "does not list (a branch that merged the base back in hides it), so no rule judged it"
            )
        # A squash or the last replayed commit is the change itself: what it left is known already.
        after = change.blob if pr.merge_commit_sha == change.commit else reads.tree(pr.merge_commit_sha or "").get(path)
        expected, source = state(after), f"PR #{pr.number}"
    if state(head_blob) != expected:
        reasons.append(
            f"{path}: the pinned commit holds it as blob {(head_blob or 'absent')[:12]}, not as {source} left it: a change reached "
            f"{reads.branch} after it that the file's history does not list, so no rule judged it"
        )
    return reasons


def _merged(pr: PullRequest) -> float:
    return pr.merged_at.timestamp() if pr.merged_at is not None else 0.0


def blob_state(blob: str | None) -> object:
    return blob


@dataclass(frozen=True)
class _Walk:
    """A file's changes since the trust root, by the PRs that brought them."""

    merged: list[tuple[PullRequest, Change]]  # each PR once, with its newest change, newest first
    start: str | None  # the blob the trust root's version left (None: no trust root, or the file absent there)
    unmerged: list[str]  # the reasons a change came from no merged PR


def _walk(reads: Reads, changes: list[Change]) -> _Walk:
    merged: list[tuple[PullRequest, Change]] = []
    unmerged: list[str] = []
    for i, change in enumerate(changes):
        if change.given:
            return _Walk(merged, change.blob, unmerged)
        try:
            pr = reads.merged_pr(change.commit, _what(change, i == 0))
        except Denied as denied:
            unmerged.extend(denied.reasons)
            continue
        if all(pr.number != judged.number for judged, _ in merged):  # else an intermediate state of a PR already judged
            merged.append((pr, change))
    return _Walk(merged, None, unmerged)


def _what(change: Change, newest: bool) -> str:
    if change.blob is None:
        return f"the change that deleted {change.path}"
    return f"the last change to {change.path}" if newest else f"an earlier change to {change.path}"


def _approved_content(reads: Reads, change: Change, pr: PullRequest) -> list[str]:
    """The blob the change left is the one the PR's reviewers approved at its final head."""
    if change.commit == pr.head_sha:
        return []
    reads.tree(pr.head_sha)  # one listing answers for every file of this PR
    reviewed = reads.sha_at(change.path, pr.head_sha)
    if reviewed == change.blob:
        return []
    return [
        f"{change.path} as {change.commit[:12]} left it (blob {(change.blob or 'absent')[:12]}) is not the content PR #{pr.number} "
        f"approved at its final head {pr.head_sha[:12]} (blob {(reviewed or 'absent')[:12]}): it changed in the merge or after it"
    ]


@dataclass
class _GovernancePR:
    pr: PullRequest
    change: Change  # its newest change to the first governed file it touched
    newest: bool
    paths: list[str] = field(default_factory=list)


def _judging_policy(
    reads: Reads, item: _GovernancePR, pinned: tuple[Policy, str | None], policy_of: PolicyReader, read: dict[str, Policy | None]
) -> tuple[Policy, str, str]:
    """(policy, label suffix, need) a governance PR is judged under: the branch's just before it merged, else its own.

    The branch's is read at the first parent of the PR's merge or squash commit (before
    the first replayed commit of a rebase), never at the PR's recorded base, so a PR opened
    under a weaker policy and merged after it was strengthened meets the stronger one.
    Its own is the bootstrap: the PR that first added the policy has nothing earlier to be
    judged under, so it is judged under the policy it adds (and so is one re-adding a policy
    after an approved deletion, when no earlier policy is on the branch before it).
    """
    pr = item.pr
    tried = []
    before = reads.branch_before(pr, item.change)
    if before is not None:
        where = f"{reads.branch} just before PR #{pr.number} merged ({before[:12]})"
        tried.append((before, where, "", f"the policy on {reads.branch} when it merged"))
    own = f" (the first policy on {reads.branch}, judged under itself)"
    tried.append((pr.head_sha, f"the final head of PR #{pr.number} ({pr.head_sha[:12]})", own, "the policy it adds"))
    for commit, where, label, under in tried:
        tree = reads.tree(commit)
        blob = tree.get(paths.POLICY)
        if blob is None:
            continue
        if blob == pinned[1]:
            return pinned[0], label, under  # the pinned policy, already read and checked
        if blob not in read:
            try:
                read[blob] = policy_of(tree, where)
            except Denied:
                read[blob] = None  # a policy that does not validate there decides nothing; try the next
        policy = read[blob]
        if policy is not None:
            return policy, label, under
    return pinned[0], "", "the policy now"


def governance_reasons(reads: Reads, head: str, tree: dict[str, str], model: str, pinned: Policy, policy_of: PolicyReader) -> list[str]:
    """Every PR in the history of the policy and of each schema the gate reads from the repository.

    Changes at or before the trust root are accepted as given. Each PR after it is
    approved for the highest tier under the policy the branch had when it merged, so no chain of PRs
    relaxes the rules link by link: a relaxing PR stays judged under the rules it relaxed.
    Approvals are counted by membership now, like the objective's: an approver of a past
    governance PR who has left the role's team makes the gate deny, naming that PR.
    """
    reasons: list[str] = []
    prs: dict[int, _GovernancePR] = {}
    for path in governance_files(tree, model):
        if path == paths.POLICY and path not in tree:
            reasons.append(f"{path} is missing at the pinned commit")
            continue
        changes = changes_of(reads, path, head, tree.get(path))
        if not changes and path in tree:
            reasons.append(f"no commit on {reads.branch} touches {path}")
        walk = _walk(reads, changes)
        reasons.extend(walk.unmerged)
        for pr, change in walk.merged:
            reasons.extend(_approved_content(reads, change, pr))
            item = prs.setdefault(pr.number, _GovernancePR(pr, change, change is changes[0]))
            item.newest = item.newest or change is changes[0]
            if path not in item.paths:
                item.paths.append(path)
        if not walk.unmerged:  # a change from no PR is denied already; the states around it would say it twice
            reasons.extend(continuity_reasons(reads, path, walk.merged, walk.start, tree.get(path), blob_state))
    read: dict[str, Policy | None] = {}
    for item in sorted(prs.values(), key=lambda it: -it.pr.number):
        try:
            policy, own, under = _judging_policy(reads, item, (pinned, tree.get(paths.POLICY)), policy_of, read)
        except Denied as denied:
            reasons.extend(f"{', '.join(item.paths)}: {reason}" for reason in denied.reasons)
            continue
        label = f"PR #{item.pr.number}" + (own or ("" if item.newest else " (an earlier change)"))
        roles = policy.required.get(HIGHEST, ())
        if not roles:
            reasons.append(f"{', '.join(item.paths)}: {label}: {under} requires no approval for risk tier {HIGHEST}")
            continue
        count = reads.count(item.pr, roles, policy.teams)
        if not count.satisfied:
            need = f"a change to the policy or its schemas (risk tier {HIGHEST} under {under})"
            reasons.append(approval_reason(", ".join(item.paths), label, count, roles, need))
            reasons.extend(count.reasons)
    return reasons


def _model_tier(reads: Reads, tree: dict[str, str], model: str, head: str) -> str:
    """The highest tier any of the model's objectives has declared since the trust root.

    Every version counts, not only the pinned one: a later PR, approved for the lower tier it
    writes, that lowers an earlier round's risk_tier (or deletes its objective) must not lower
    the bar for the register. An approved reclassification takes effect from the next trust
    root the operator pins. The pinned versions are read first, known tiers before unknown,
    and the walk stops at the highest tier, so a high-tier model costs few reads.
    """
    register = paths.register_path(model)
    # Every round any version of the register listed since the trust root: a PR that deletes a
    # later, stricter round (objective and entry) leaves its tier in the register's history.
    versions = [c.blob for c in changes_of(reads, register, head, tree.get(register))] or [tree.get(register)]
    listed = {paths.objective_path(model, i) for blob in versions for i in _round_ids(reads, register, blob)}
    candidates = {p for p in tree if paths.is_objective_path(p) and paths.model_of(p) == model} | listed
    ordered = sorted(candidates, key=lambda p: (p not in tree or not reads.knows_tier(tree[p]), p))
    found = []
    for path in ordered:
        if path in tree:
            found.append(reads.tier(tree[path], path))
            if found[-1] == HIGHEST:
                return HIGHEST
    for path in ordered:
        for change in changes_of(reads, path, head, tree.get(path)):
            if change.blob is not None:
                found.append(reads.tier(change.blob, path))
                if found[-1] == HIGHEST:
                    return HIGHEST
    return strictest(found)


def _loaded_rounds(reads: Reads, path: str, blob: str) -> list[dict[str, object]] | None:
    """The round entries of a version of the register; None: one the loader cannot read."""
    text = decode(reads.blob(blob), path)
    loaded = parse_document(text, path) if not isinstance(text, Finding) else text
    if isinstance(loaded, Finding):
        return None
    rounds = loaded.data.get("rounds")
    return [e for e in rounds if isinstance(e, dict)] if isinstance(rounds, list) else []


def _round_ids(reads: Reads, path: str, blob: str | None) -> list[str]:
    """The objective ids the register's rounds name, in order (none without a readable register)."""
    entries = _loaded_rounds(reads, path, blob) if blob is not None else None
    return [e["objective"] for e in entries or () if isinstance(e.get("objective"), str)]  # type: ignore[misc]


def rounds_through(reads: Reads, path: str, blob: str | None, objective_id: str) -> tuple[str, ...]:
    """The ids of the register's rounds up to and including `objective_id`'s: the rounds its stack can rest on.

    A round the register does not list rests on all of them.
    """
    ids = _round_ids(reads, path, blob)
    return tuple(ids[: ids.index(objective_id) + 1]) if objective_id in ids else (*ids, objective_id)


def _round_entries(reads: Reads, path: str, blob: str | None, objective_id: str) -> list[dict[str, object]] | None:
    """The objective's round entries in a version of the register; None: no register there, or one the loader cannot read."""
    entries = _loaded_rounds(reads, path, blob) if blob is not None else None
    return None if entries is None else [e for e in entries if e.get("objective") == objective_id]


def _round_states(reads: Reads, path: str, blob: str | None, ids: tuple[str, ...]) -> dict[str, str] | str | None:
    """Each round's entries in a version of the register, canonically; None: no register there.

    A version the loader cannot read stands for itself (its blob), so a change to or from it counts.
    """
    if blob is None:
        return None
    entries = _loaded_rounds(reads, path, blob)
    if entries is None:
        return f"unreadable {blob}"
    return {i: json.dumps([e for e in entries if e.get("objective") == i], sort_keys=True, default=str) for i in ids}


def _changed_rounds(before: dict[str, str] | str | None, after: dict[str, str] | str | None, ids: tuple[str, ...]) -> list[str]:
    """The rounds of `ids` whose entries differ between two versions of the register (all, when either is not a mapping)."""
    if before == after:
        return []
    if not isinstance(before, dict) or not isinstance(after, dict):
        return list(ids)
    return [i for i in ids if before.get(i) != after.get(i)]


def _register_changes(reads: Reads, changes: list[Change], ids: tuple[str, ...]) -> list[tuple[Change, str]]:
    """The changes to judge, each with its label: the newest; every deletion and re-creation; every change to these rounds."""
    if changes[0].blob is None:
        return [(changes[0], " (which deleted it)")]  # a register removed by an approved PR is no register at all
    judged = [(changes[0], "")]
    for i, change in enumerate(changes[1:], start=1):
        older = changes[i + 1] if i + 1 < len(changes) else None
        if change.blob is None:
            judged.append((change, " (which deleted it)"))
        elif older is not None and older.blob is None:
            judged.append((change, " (which re-created it)"))
        else:
            before = _round_states(reads, change.path, older.blob if older else None, ids)
            changed = _changed_rounds(before, _round_states(reads, change.path, change.blob, ids), ids)
            if changed:
                judged.append((change, f" (an earlier change to round {', '.join(changed)})"))
    return judged


def register_reasons(reads: Reads, head: str, tree: dict[str, str], model: str, policy: Policy, objective_id: str) -> list[str]:
    """The register's PRs that matter for this round, each approved for the model's highest tier.

    A register present at the pinned commit: its last PR, and every earlier PR that changed
    the entry of this round or of a round before it (compared before and after, so a cosmetic
    PR approved by everyone cannot launder a status change that only one role approved, nor
    a change to the parent's measured values this round's inherited boundaries rest on),
    deleted the register or re-created it. A register absent at the pinned commit needs the
    proof a missing schema needs: never on the branch, or removed by a PR approved for that tier.
    """
    path = paths.register_path(model)
    changes = changes_of(reads, path, head, tree.get(path))
    if not changes:
        return [f"no commit on {reads.branch} touches {path}"] if path in tree else []
    ids = rounds_through(reads, path, tree.get(path), objective_id)
    reasons: list[str] = []
    tiers: list[str] = []
    seen: set[int] = set()
    merged: list[tuple[PullRequest, Change]] = []
    judged = _register_changes(reads, changes, ids)
    # What the register held before the oldest judged change: its rounds are what that change found.
    oldest = changes.index(judged[-1][0]) + 1
    start, refused = (changes[oldest].blob if oldest < len(changes) else None), False
    for i, (change, label) in enumerate(judged):
        if change.given:
            continue  # at or before the trust root
        try:
            pr = reads.merged_pr(change.commit, _what(change, i == 0))
        except Denied as denied:
            reasons.extend(denied.reasons)
            refused = True
            continue
        if pr.number in seen:
            continue
        seen.add(pr.number)
        merged.append((pr, change))
        if i == 0:
            reasons.extend(_approved_content(reads, change, pr))
        elif change.commit != pr.head_sha:
            # A PR of several commits: what matters is that its final head holds these rounds as the change left them.
            at_head = _round_states(reads, path, reads.sha_at(path, pr.head_sha), ids)
            differ = _changed_rounds(at_head, _round_states(reads, path, change.blob, ids), ids)
            if differ:
                reasons.append(
                    f"{path}: round {', '.join(differ)} as {change.commit[:12]} left it is not what PR #{pr.number} approved "
                    f"at its final head {pr.head_sha[:12]}: it changed in the merge or after it"
                )
        reasons.extend(_register_approval(reads, (tree, head), model, policy, (pr, f"PR #{pr.number}{label}", path), tiers))
    reasons.extend(_created_with_history(reads, path, judged, ids))
    if not refused:

        def rounds(blob: str | None) -> object:
            return _round_states(reads, path, blob, ids) or {i: "[]" for i in ids}  # no register: none of the rounds

        reasons.extend(continuity_reasons(reads, path, merged, start, tree.get(path), rounds))
    return reasons


# What a round records once it has lived: written by record-run, evaluate --record, decide. A register
# that first appears holding them got them elsewhere.
_RECORDS = ("run", "evaluation", "decision", "withdrawal")


def _created_with_history(reads: Reads, path: str, judged: list[tuple[Change, str]], ids: tuple[str, ...]) -> list[str]:
    """A register created (or re-created) after the trust root that arrived with history no rule judged.

    Moved there from another register path in the same commit (a model renamed in one PR,
    whose moved lines GitHub shows as unchanged): any of these rounds past approved. Created
    otherwise (a repository adopting ftgov with its history, a copy): the gated round with
    records (run, evaluation, decision, withdrawal), since they were recorded elsewhere.
    """
    reasons = []
    for change, label in judged:
        if change.given or change.blob is None or not (label == " (which re-created it)" or change is judged[-1][0]):
            continue
        if not _is_creation(reads, path, change):
            continue
        moved = _moved_from(reads, path, change)
        born = _loaded_rounds(reads, path, change.blob) or []
        checked = ids if moved else ids[-1:]  # moved: any of the rounds; else the gated round
        older = [e for e in born if e.get("objective") in checked and any(k in e for k in _RECORDS)]
        if not older:
            continue
        named = ", ".join(f"{e.get('objective')} ({e.get('status')})" for e in older)
        whence = f"moved from {', '.join(moved)}, whose history is not judged as this register's" if moved else "created"
        reasons.append(
            f"{path} first appears at {change.commit[:12]} ({whence}) already holding round {named} with its run, evaluation "
            "or decision: they were recorded elsewhere, and no rule judged them here; record them in this register "
            "through reviewed PRs, or have the operator pin a trust root at or after that commit if it was the adoption"
        )
    return reasons


def _moved_from(reads: Reads, path: str, change: Change) -> list[str]:
    """Registers the commit that added `path` removed: where it was moved from."""
    before, after = reads.tree(change.parents[0]), reads.tree(change.commit)
    return sorted(p for p in before if p != path and paths.is_register_path(p) and p not in after)


def _is_creation(reads: Reads, path: str, change: Change) -> bool:
    """`change` added the file: no parent held it."""
    return not change.parents or path not in reads.tree(change.parents[0])  # a tree answers "absent" cacheably


def report_reasons(reads: Reads, head: str, tree: dict[str, str], model: str, policy: Policy, report: str) -> list[str]:
    """The round's pinned report reached the branch through PRs approved for the model's highest tier.

    Every change since the trust root is judged as the policy's are: a merged PR, the bytes
    its reviewers saw at its final head, approved by every role the model's highest tier
    needs, one after the other on the branch (continuity_reasons). Without this a register PR
    could pin a report_sha256 and the report be pushed afterwards, never reviewed. A report
    absent at the pinned commit is the register rules' finding, not this one.
    """
    if report not in tree:
        return []
    changes = changes_of(reads, report, head, tree[report])
    if not changes:
        return [f"no commit on {reads.branch} touches {report}"]
    walk = _walk(reads, changes)
    reasons = list(walk.unmerged)
    tiers: list[str] = []
    for pr, change in walk.merged:
        reasons.extend(_approved_content(reads, change, pr))
        reasons.extend(_register_approval(reads, (tree, head), model, policy, (pr, f"PR #{pr.number}", report), tiers))
    if not walk.unmerged:
        reasons.extend(continuity_reasons(reads, report, walk.merged, walk.start, tree[report], blob_state))
    return reasons


def decided_on_reasons(reads: Reads, head: str, tree: dict[str, str], model: str, objective_id: str) -> list[str]:
    """The run and the evaluation the deploy decision was made on are the ones the register holds now.

    Read from the register's history since the trust root, not from its dates (which a writer
    types): the last version that recorded or changed the decision (`ftgov decide`, or a
    correction of decision.*) fixes the round's run and evaluation (with their corrections).
    A later change to either, a run.checkpoint corrected to another URI above all, was not
    decided on, however it was approved.
    """
    path = paths.register_path(model)
    decision: object = None
    basis: object = None
    stale: Change | None = None
    for change in reversed(changes_of(reads, path, head, tree.get(path))):
        entries = _round_entries(reads, path, change.blob, objective_id) or [{}]
        entry = corrected(entries[0])
        if entry.get("decision") != decision:
            decision, basis, stale = entry.get("decision"), [entry.get("run"), entry.get("evaluation")], None
        elif stale is None and [entry.get("run"), entry.get("evaluation")] != basis:
            stale = change
    if stale is None or not isinstance(decision, dict) or decision.get("action") != "deploy":
        return []  # no deploy decision at all is the register's reason, said already
    return [
        f"{path}: round {objective_id}'s run or evaluation changed in {stale.commit[:12]}, after its deploy decision was recorded: "
        "a decision covers the checkpoint and the evaluation it was made on; the risk reviewer decides again on what the "
        f"register holds now (`ftgov correct {objective_id} --field decision.reason --value ... --reason ...`, through a reviewed "
        f"PR), or the change is trained as a new round (`ftgov new {model}`)"
    ]


def _register_approval(
    reads: Reads, pinned: tuple[dict[str, str], str], model: str, policy: Policy, judged: tuple[PullRequest, str, str], tiers: list[str]
) -> list[str]:
    """A register-side PR (`judged`: the PR, its label, the file) approved for the model's highest tier; `tiers` remembers that tier."""
    tree, head = pinned
    pr, label, path = judged
    strictest_roles = policy.required.get(HIGHEST, ())
    nested = strictest_roles and all(set(policy.required.get(t, ())) <= set(strictest_roles) for t in TIERS)
    # Approvals that fill the strictest tier's roles fill any subset of them: no need to read tiers.
    if nested and reads.count(pr, tuple(strictest_roles), policy.teams).satisfied:
        return []
    if not tiers:
        tiers.append(_model_tier(reads, tree, model, head))
    tier = tiers[0]
    roles = policy.required.get(tier, ())
    if not roles:
        return [f"{path}: the policy requires no approval for risk tier {tier}"]
    count = reads.count(pr, roles, policy.teams)
    if count.satisfied:
        return []
    return [approval_reason(path, label, count, roles, f"risk tier {tier} (model {model}'s highest)"), *count.reasons]


# -- the objective's bytes since its round was approved ----------------------------------


def approved_bytes_reasons(
    reads: Reads,
    head: str,
    tree: dict[str, str],
    model: str,
    objective_id: str,
    objective_path: str,
    actual_sha256: str,
    current_pin: str | None = None,
) -> list[str]:
    """The objective is byte for byte what its round held when the register first recorded it approved (or later).

    The gate does not assume `check --base` ran in CI, so a PR that changed an approved
    objective and re-pinned objective_sha256 in the same change is caught here: the
    reference is the oldest version of the register (after the trust root, or the one at
    it) that records the round past `proposed`, its objective_sha256, or failing that the
    objective's bytes at that commit. A mismatch the register's current pin already shows
    (`current_pin`, FTG905) is not said twice, nor is a current register the gate cannot read.
    """
    path = paths.register_path(model)
    if path not in tree:
        return []
    changes = changes_of(reads, path, head, tree[path])
    for change in reversed(changes):
        entries = _round_entries(reads, path, change.blob, objective_id)
        if change.blob is not None and entries is None:
            if change is changes[0]:
                return []  # the register at the pinned commit cannot be read: the gate denies on that already
            return [
                f"{path} as {change.commit[:12]} left it cannot be read, so when round {objective_id} was first approved, "
                "and what it approved, cannot be shown"
            ]
        approved = [e for e in entries or () if e.get("status") not in UNAPPROVED]
        if not approved:
            continue
        pinned = approved[0].get("objective_sha256")
        if isinstance(pinned, str):
            reference, source = pinned, f"its objective_sha256 there ({pinned[:16]})"
        else:
            found = reads.file_at(objective_path, change.commit)
            if found is None:
                return [
                    f"{path} first records round {objective_id} as {approved[0].get('status')} at {change.commit[:12]}, "
                    f"where {objective_path} does not exist: what was approved cannot be shown"
                ]
            reference = hashlib.sha256(found[1]).hexdigest()
            source = f"{objective_path} at that commit ({reference[:16]})"
        if reference == actual_sha256 or reference == current_pin != actual_sha256:
            return []
        return [
            f"{objective_path} has sha256 {actual_sha256[:16]} at the pinned commit, but when {path} first recorded round "
            f"{objective_id} as {approved[0].get('status')} ({change.commit[:12]}) it was {source}: an approved objective is "
            "immutable, even if a later change re-pinned objective_sha256; restore the approved file, or write the change as a "
            f"new round (`ftgov new {model}`)"
        ]
    return []
