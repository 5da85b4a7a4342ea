"""Builders for complete GitHub REST v3 JSON objects.

github3.py 4.0.1 reads required keys with ``dict[...]`` and raises ``IncompleteResponse`` on any
missing one, so every builder here returns a *complete* object: all keys the OpenAPI schema
requires plus everything github3 reads. ``tests/test_fakegithub_openapi.py`` validates the
served objects against GitHub's published description.

``api`` is the REST base (``http://127.0.0.1:PORT/api/v3``), ``web`` the HTML base
(``http://127.0.0.1:PORT``). Every URL points back at the fake, because github3 follows them.

Settable payloads (branch protection, rules) may use the placeholders ``{api}``, ``{web}``,
``{owner}``, ``{repo}`` and ``{branch}`` in strings; the server fills them in when serving.
"""

from __future__ import annotations

import base64
import html
from typing import Any
from urllib.parse import quote

JSON = dict[str, Any]

DOCS = "https://docs.github.com/rest"


def _node(prefix: str, ident: int | str) -> str:
    return base64.b64encode(f"{prefix}:{ident}".encode()).decode().rstrip("=")


def error(message: str, **extra: Any) -> JSON:
    return {"message": message, "documentation_url": DOCS, **extra}


def not_found() -> JSON:
    return error("Not Found")


# --------------------------------------------------------------------------- users and orgs
def simple_user(
    api: str,
    web: str,
    login: str,
    user_id: int,
    *,
    user_type: str = "User",
    site_admin: bool = False,
) -> JSON:
    u = f"{api}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": _node("04:User" if user_type == "User" else "04:Organization", user_id),
        "avatar_url": f"{web}/avatars/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": u,
        "html_url": f"{web}/{login}",
        "followers_url": f"{u}/followers",
        "following_url": f"{u}/following{{/other_user}}",
        "gists_url": f"{u}/gists{{/gist_id}}",
        "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{u}/subscriptions",
        "organizations_url": f"{u}/orgs",
        "repos_url": f"{u}/repos",
        "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events",
        "type": user_type,
        "user_view_type": "public",
        "site_admin": site_admin,
    }


def organization_full(api: str, web: str, login: str, org_id: int, created_at: str) -> JSON:
    o = f"{api}/orgs/{login}"
    return {
        "login": login,
        "id": org_id,
        "node_id": _node("012:Organization", org_id),
        "url": o,
        "repos_url": f"{o}/repos",
        "events_url": f"{o}/events",
        "hooks_url": f"{o}/hooks",
        "issues_url": f"{o}/issues",
        "members_url": f"{o}/members{{/member}}",
        "public_members_url": f"{o}/public_members{{/member}}",
        "avatar_url": f"{web}/avatars/u/{org_id}?v=4",
        "description": f"The {login} organization",
        "name": login,
        "company": "",
        "blog": f"{web}/{login}",
        "location": "",
        "email": f"admin@{login}.example.com",
        "twitter_username": None,
        "is_verified": False,
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": 1,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "html_url": f"{web}/{login}",
        "type": "Organization",
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "private_gists": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "billing_email": None,
        "default_repository_permission": "read",
        "members_can_create_repositories": False,
        "two_factor_requirement_enabled": True,
        "members_allowed_repository_creation_type": "none",
        "members_can_create_public_repositories": False,
        "members_can_create_private_repositories": False,
        "members_can_create_internal_repositories": False,
        "members_can_create_pages": False,
        "members_can_fork_private_repositories": False,
        "web_commit_signoff_required": False,
        "created_at": created_at,
        "updated_at": created_at,
        "archived_at": None,
    }


# --------------------------------------------------------------------------- repositories
def repository(
    api: str,
    web: str,
    owner: JSON,
    name: str,
    repo_id: int,
    *,
    default_branch: str,
    created_at: str,
    pushed_at: str,
    private: bool = False,
) -> JSON:
    """A full repository; a superset of ``repository``, ``full-repository`` and ``minimal-repository``."""
    full_name = f"{owner['login']}/{name}"
    r = f"{api}/repos/{full_name}"
    host = web.split("://", 1)[-1]
    obj: JSON = {
        "id": repo_id,
        "node_id": _node("010:Repository", repo_id),
        "name": name,
        "full_name": full_name,
        "owner": owner,
        "private": private,
        "html_url": f"{web}/{full_name}",
        "description": f"{name} (fake)",
        "fork": False,
        "url": r,
        "archive_url": f"{r}/{{archive_format}}{{/ref}}",
        "assignees_url": f"{r}/assignees{{/user}}",
        "blobs_url": f"{r}/git/blobs{{/sha}}",
        "branches_url": f"{r}/branches{{/branch}}",
        "collaborators_url": f"{r}/collaborators{{/collaborator}}",
        "comments_url": f"{r}/comments{{/number}}",
        "commits_url": f"{r}/commits{{/sha}}",
        "compare_url": f"{r}/compare/{{base}}...{{head}}",
        "contents_url": f"{r}/contents/{{+path}}",
        "contributors_url": f"{r}/contributors",
        "deployments_url": f"{r}/deployments",
        "downloads_url": f"{r}/downloads",
        "events_url": f"{r}/events",
        "forks_url": f"{r}/forks",
        "git_commits_url": f"{r}/git/commits{{/sha}}",
        "git_refs_url": f"{r}/git/refs{{/sha}}",
        "git_tags_url": f"{r}/git/tags{{/sha}}",
        "git_url": f"git://{host}/{full_name}.git",
        "issue_comment_url": f"{r}/issues/comments{{/number}}",
        "issue_events_url": f"{r}/issues/events{{/number}}",
        "issues_url": f"{r}/issues{{/number}}",
        "keys_url": f"{r}/keys{{/key_id}}",
        "labels_url": f"{r}/labels{{/name}}",
        "languages_url": f"{r}/languages",
        "merges_url": f"{r}/merges",
        "milestones_url": f"{r}/milestones{{/number}}",
        "notifications_url": f"{r}/notifications{{?since,all,participating}}",
        "pulls_url": f"{r}/pulls{{/number}}",
        "releases_url": f"{r}/releases{{/id}}",
        "ssh_url": f"git@{host}:{full_name}.git",
        "stargazers_url": f"{r}/stargazers",
        "statuses_url": f"{r}/statuses/{{sha}}",
        "subscribers_url": f"{r}/subscribers",
        "subscription_url": f"{r}/subscription",
        "tags_url": f"{r}/tags",
        "teams_url": f"{r}/teams",
        "trees_url": f"{r}/git/trees{{/sha}}",
        "clone_url": f"{web}/{full_name}.git",
        "mirror_url": None,
        "hooks_url": f"{r}/hooks",
        "svn_url": f"{web}/{full_name}",
        "homepage": None,
        "language": None,
        "forks_count": 0,
        "forks": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 1,
        "default_branch": default_branch,
        "open_issues_count": 0,
        "open_issues": 0,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": False,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private" if private else "public",
        "pushed_at": pushed_at,
        "created_at": created_at,
        "updated_at": pushed_at,
        "permissions": {"admin": True, "maintain": True, "push": True, "triage": True, "pull": True},
        "allow_rebase_merge": True,
        "allow_squash_merge": True,
        "allow_merge_commit": True,
        "allow_auto_merge": False,
        "delete_branch_on_merge": False,
        "allow_update_branch": False,
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "license": None,
        "network_count": 0,
        "subscribers_count": 0,
    }
    if owner.get("type") == "Organization":
        obj["organization"] = owner
    return obj


# --------------------------------------------------------------------------- commits and contents
def commit(
    api: str,
    web: str,
    full_name: str,
    info: Any,
    *,
    author: JSON | None,
    committer: JSON | None,
    files: list[JSON] | None = None,
) -> JSON:
    """A ``commit`` object; ``info`` is a :class:`gitrepo.CommitInfo`. ``files`` adds ``files`` and ``stats``."""
    r = f"{api}/repos/{full_name}"
    obj: JSON = {
        "url": f"{r}/commits/{info.sha}",
        "sha": info.sha,
        "node_id": _node("06:Commit", info.sha),
        "html_url": f"{web}/{full_name}/commit/{info.sha}",
        "comments_url": f"{r}/commits/{info.sha}/comments",
        "commit": {
            "url": f"{r}/git/commits/{info.sha}",
            "author": {"name": info.author_name, "email": info.author_email, "date": info.author_date},
            "committer": {"name": info.committer_name, "email": info.committer_email, "date": info.committer_date},
            "message": info.message,
            "comment_count": 0,
            "tree": {"sha": info.tree, "url": f"{r}/git/trees/{info.tree}"},
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None},
        },
        "author": author,
        "committer": committer,
        "parents": [{"sha": p, "url": f"{r}/commits/{p}", "html_url": f"{web}/{full_name}/commit/{p}"} for p in info.parents],
    }
    if files is not None:
        additions = sum(f["additions"] for f in files)
        deletions = sum(f["deletions"] for f in files)
        obj["stats"] = {"additions": additions, "deletions": deletions, "total": additions + deletions}
        obj["files"] = files
    return obj


def comparison(
    api: str, web: str, full_name: str, base: JSON, head: JSON, merge_base: JSON, status: str, ahead: list[JSON], behind_by: int
) -> JSON:
    """A ``commit-comparison`` (``GET /compare/{base}...{head}``); ``ahead`` are the commits listed (this page)."""
    basehead = f"{base['sha']}...{head['sha']}"
    return {
        "url": f"{api}/repos/{full_name}/compare/{basehead}",
        "html_url": f"{web}/{full_name}/compare/{basehead}",
        "permalink_url": f"{web}/{full_name}/compare/{full_name.split('/')[0]}:{basehead}",
        "diff_url": f"{web}/{full_name}/compare/{basehead}.diff",
        "patch_url": f"{web}/{full_name}/compare/{basehead}.patch",
        "base_commit": base,
        "merge_base_commit": merge_base,
        "status": status,
        "ahead_by": len(ahead),
        "behind_by": behind_by,
        "total_commits": len(ahead),
        "commits": ahead,
        "files": [],
    }


def diff_entry(api: str, web: str, full_name: str, ref: str, change: Any) -> JSON:
    """A ``diff-entry`` for a :class:`gitrepo.FileChange` seen at commit ``ref``."""
    path = quote(change.path)
    return {
        "sha": change.new_blob or change.old_blob,
        "filename": change.path,
        "status": change.status,
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.additions + change.deletions,
        "blob_url": f"{web}/{full_name}/blob/{ref}/{path}",
        "raw_url": f"{web}/{full_name}/raw/{ref}/{path}",
        "contents_url": f"{api}/repos/{full_name}/contents/{path}?ref={ref}",
    }


def _content_urls(api: str, web: str, full_name: str, path: str, ref: str, sha: str, kind: str) -> JSON:
    qpath = quote(path)
    url = f"{api}/repos/{full_name}/contents/{qpath}?ref={quote(ref, safe='')}"
    git_url = f"{api}/repos/{full_name}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}"
    html_url = f"{web}/{full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{qpath}"
    return {
        "url": url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": f"{web}/{full_name}/raw/{ref}/{qpath}" if kind == "file" else None,
        "_links": {"self": url, "git": git_url, "html": html_url},
    }


def content_file(api: str, web: str, full_name: str, path: str, ref: str, sha: str, data: bytes) -> JSON:
    """A ``content-file``: base64 content wrapped at 60 characters as GitHub does, and the blob sha."""
    b64 = base64.b64encode(data).decode()
    wrapped = "".join(b64[i : i + 60] + "\n" for i in range(0, len(b64), 60))
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(data),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": wrapped,
        "sha": sha,
        **_content_urls(api, web, full_name, path, ref, sha, "file"),
    }


def git_tree(api: str, full_name: str, sha: str, entries: list[Any]) -> JSON:
    """A ``git-tree`` (recursive listing): every blob and tree with its mode and sha."""
    base = f"{api}/repos/{full_name}/git"
    return {
        "sha": sha,
        "url": f"{base}/trees/{sha}",
        "truncated": False,
        "tree": [
            {
                "path": e.path,
                "mode": e.mode,
                "type": e.kind,
                "sha": e.sha,
                **({"size": e.size} if e.kind == "blob" else {}),
                "url": f"{base}/{'blobs' if e.kind == 'blob' else 'trees'}/{e.sha}",
            }
            for e in entries
        ],
    }


def git_blob(api: str, full_name: str, sha: str, data: bytes) -> JSON:
    """A ``blob``: base64 content, as GitHub's git database API returns it."""
    b64 = base64.b64encode(data).decode()
    return {
        "sha": sha,
        "node_id": "B_" + base64.b64encode(sha.encode()).decode()[:20],
        "size": len(data),
        "url": f"{api}/repos/{full_name}/git/blobs/{sha}",
        "content": "".join(b64[i : i + 60] + "\n" for i in range(0, len(b64), 60)),
        "encoding": "base64",
    }


def content_entry(api: str, web: str, full_name: str, entry: Any, ref: str) -> JSON:
    """One item of a ``content-directory`` listing for a :class:`gitrepo.TreeEntry`."""
    return {
        "type": entry.type,
        "size": entry.size,
        "name": entry.name,
        "path": entry.path,
        "sha": entry.sha,
        **_content_urls(api, web, full_name, entry.path, ref, entry.sha, entry.type),
    }


# --------------------------------------------------------------------------- pull requests
def _html(body: str | None) -> str:
    return f"<p>{html.escape(body)}</p>" if body else ""


def pull_request(
    api: str,
    web: str,
    repo: JSON,
    *,
    number: int,
    pr_id: int,
    title: str,
    body: str | None,
    user: JSON,
    state: str,
    draft: bool,
    created_at: str,
    updated_at: str,
    closed_at: str | None,
    merged_at: str | None,
    merge_commit_sha: str | None,
    head_ref: str,
    head_sha: str,
    base_ref: str,
    base_sha: str,
    author_association: str,
    full: bool = False,
    merged_by: JSON | None = None,
    commits: int = 0,
    additions: int = 0,
    deletions: int = 0,
    changed_files: int = 0,
) -> JSON:
    """``pull-request-simple`` (lists, ``commits/{sha}/pulls``) or, with ``full``, ``pull-request``."""
    full_name = repo["full_name"]
    r = f"{api}/repos/{full_name}"
    p = f"{r}/pulls/{number}"
    html_url = f"{web}/{full_name}/pull/{number}"
    owner = repo["owner"]

    def side(ref: str, sha: str) -> JSON:
        return {"label": f"{owner['login']}:{ref}", "ref": ref, "sha": sha, "user": owner, "repo": repo}

    obj: JSON = {
        "url": p,
        "id": pr_id,
        "node_id": _node("011:PullRequest", pr_id),
        "html_url": html_url,
        "diff_url": f"{html_url}.diff",
        "patch_url": f"{html_url}.patch",
        "issue_url": f"{r}/issues/{number}",
        "commits_url": f"{p}/commits",
        "review_comments_url": f"{p}/comments",
        "review_comment_url": f"{r}/pulls/comments{{/number}}",
        "comments_url": f"{r}/issues/{number}/comments",
        "statuses_url": f"{r}/statuses/{head_sha}",
        "number": number,
        "state": state,
        "locked": False,
        "title": title,
        "user": user,
        "body": body,
        "body_html": _html(body),
        "body_text": body or "",
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": created_at,
        "updated_at": updated_at,
        "closed_at": closed_at,
        "merged_at": merged_at,
        "merge_commit_sha": merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": side(head_ref, head_sha),
        "base": side(base_ref, base_sha),
        "_links": {
            "self": {"href": p},
            "html": {"href": html_url},
            "issue": {"href": f"{r}/issues/{number}"},
            "comments": {"href": f"{r}/issues/{number}/comments"},
            "review_comments": {"href": f"{p}/comments"},
            "review_comment": {"href": f"{r}/pulls/comments{{/number}}"},
            "commits": {"href": f"{p}/commits"},
            "statuses": {"href": f"{r}/statuses/{head_sha}"},
        },
        "author_association": author_association,
        "auto_merge": None,
        "draft": draft,
    }
    if full:
        merged = merged_at is not None
        obj.update(
            {
                "merged": merged,
                "mergeable": None if state == "closed" else True,
                "rebaseable": None if state == "closed" else True,
                "mergeable_state": "unknown" if state == "closed" else "clean",
                "merged_by": merged_by,
                "comments": 0,
                "review_comments": 0,
                "maintainer_can_modify": False,
                "commits": commits,
                "additions": additions,
                "deletions": deletions,
                "changed_files": changed_files,
            }
        )
    return obj


def review(
    api: str,
    web: str,
    full_name: str,
    *,
    number: int,
    review_id: int,
    user: JSON | None,
    state: str,
    commit_id: str | None,
    submitted_at: str | None,
    body: str,
    author_association: str,
) -> JSON:
    """A ``pull-request-review``. ``user`` None is a deleted ("ghost") account; PENDING has no ``submitted_at``."""
    html_url = f"{web}/{full_name}/pull/{number}#pullrequestreview-{review_id}"
    pr_url = f"{api}/repos/{full_name}/pulls/{number}"
    obj: JSON = {
        "id": review_id,
        "node_id": _node("017:PullRequestReview", review_id),
        "user": user,
        "body": body,
        "body_html": _html(body),
        "body_text": body,
        "state": state,
        "html_url": html_url,
        "pull_request_url": pr_url,
        "_links": {"html": {"href": html_url}, "pull_request": {"href": pr_url}},
        "commit_id": commit_id,
        "author_association": author_association,
    }
    if submitted_at is not None:
        obj["submitted_at"] = submitted_at
    return obj


# --------------------------------------------------------------------------- teams
def team_simple(api: str, web: str, org: str, team_id: int, slug: str, name: str, description: str | None) -> JSON:
    t = f"{api}/orgs/{org}/teams/{slug}"
    return {
        "id": team_id,
        "node_id": _node("04:Team", team_id),
        "url": t,
        "html_url": f"{web}/orgs/{org}/teams/{slug}",
        "name": name,
        "slug": slug,
        "description": description,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{t}/members{{/member}}",
        "repositories_url": f"{t}/repos",
        "type": "organization",
    }


def team_full(
    api: str,
    web: str,
    organization: JSON,
    *,
    team_id: int,
    slug: str,
    name: str,
    description: str | None,
    parent: JSON | None,
    members_count: int,
    repos_count: int,
    created_at: str,
) -> JSON:
    obj = team_simple(api, web, organization["login"], team_id, slug, name, description)
    obj.update(
        {
            "parent": parent,
            "members_count": members_count,
            "repos_count": repos_count,
            "created_at": created_at,
            "updated_at": created_at,
            "organization": organization,
            "organization_id": organization["id"],
        }
    )
    return obj


def org_membership(api: str, organization: JSON, user: JSON, *, role: str, state: str) -> JSON:
    """GET /orgs/{org}/memberships/{username}: ``organization`` is the full org, trimmed here to organization-simple."""
    simple_keys = ("login", "id", "node_id", "url", "repos_url", "events_url", "hooks_url", "issues_url", "members_url",
                   "public_members_url", "avatar_url", "description")  # fmt: skip
    org = organization["login"]
    return {
        "url": f"{api}/orgs/{org}/memberships/{user['login']}",
        "state": state,
        "role": role,
        "organization_url": f"{api}/orgs/{org}",
        "organization": {k: organization[k] for k in simple_keys},
        "user": user,
    }


def team_membership(api: str, org: str, slug: str, login: str, *, role: str, state: str) -> JSON:
    return {"url": f"{api}/orgs/{org}/teams/{slug}/memberships/{login}", "role": role, "state": state}


# --------------------------------------------------------------------------- branches and protection
def branch_with_protection(api: str, web: str, full_name: str, name: str, head: JSON, *, protection: JSON | None) -> JSON:
    b = f"{api}/repos/{full_name}/branches/{name}"
    summary: JSON = {"enabled": False, "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []}}
    if protection is not None:
        rsc = protection.get("required_status_checks") or {}
        summary = {
            "enabled": True,
            "required_status_checks": {
                "enforcement_level": "everyone" if rsc else "off",
                "contexts": list(rsc.get("contexts", [])),
                "checks": list(rsc.get("checks", [])),
            },
        }
    return {
        "name": name,
        "commit": head,
        "_links": {"self": b, "html": f"{web}/{full_name}/tree/{name}"},
        "protected": protection is not None,
        "protection": summary,
        "protection_url": f"{b}/protection",
    }


PROTECTION_URL = "{api}/repos/{owner}/{repo}/branches/{branch}/protection"


def branch_protection(
    *,
    required_approving_review_count: int = 2,
    dismiss_stale_reviews: bool = True,
    require_code_owner_reviews: bool = True,
    require_last_push_approval: bool = True,
    enforce_admins: bool = True,
    contexts: tuple[str, ...] = ("objective-gate",),
    strict: bool = True,
    allow_force_pushes: bool = False,
    allow_deletions: bool = False,
    required_linear_history: bool = False,
    required_conversation_resolution: bool = True,
    check_apps: dict[str, int] | None = None,
) -> JSON:
    """A complete ``branch-protection`` payload (strict by default) with URL placeholders.

    Assign it to ``fake.protection`` (then tweak keys) or set ``fake.protection = None`` for 404.
    ``check_apps`` pins required checks to apps (``checks[].app_id``); GitHub answers ``null``
    for a check any source may set.
    """
    u = PROTECTION_URL
    return {
        "url": u,
        "required_status_checks": {
            "url": f"{u}/required_status_checks",
            "strict": strict,
            "contexts": list(contexts),
            "contexts_url": f"{u}/required_status_checks/contexts",
            "checks": [{"context": c, "app_id": (check_apps or {}).get(c)} for c in contexts],
        },
        "required_pull_request_reviews": {
            "url": f"{u}/required_pull_request_reviews",
            "dismiss_stale_reviews": dismiss_stale_reviews,
            "require_code_owner_reviews": require_code_owner_reviews,
            "required_approving_review_count": required_approving_review_count,
            "require_last_push_approval": require_last_push_approval,
        },
        "enforce_admins": {"url": f"{u}/enforce_admins", "enabled": enforce_admins},
        "required_linear_history": {"enabled": required_linear_history},
        "allow_force_pushes": {"enabled": allow_force_pushes},
        "allow_deletions": {"enabled": allow_deletions},
        "block_creations": {"enabled": False},
        "required_conversation_resolution": {"enabled": required_conversation_resolution},
        "lock_branch": {"enabled": False},
        "allow_fork_syncing": {"enabled": False},
    }


def required_reviewer(team_id: int, file_patterns: list[str], minimum_approvals: int = 1) -> JSON:
    """One ``required_reviewers`` entry of a ruleset ``pull_request`` rule (beta on GitHub)."""
    return {"reviewer": {"id": team_id, "type": "Team"}, "file_patterns": list(file_patterns), "minimum_approvals": minimum_approvals}


def pull_request_rule(
    *,
    required_approving_review_count: int = 2,
    dismiss_stale_reviews_on_push: bool = True,
    require_code_owner_review: bool = True,
    require_last_push_approval: bool = True,
    required_review_thread_resolution: bool = False,
    required_reviewers: list[JSON] | None = None,
    allowed_merge_methods: tuple[str, ...] = ("merge", "squash", "rebase"),
    ruleset_id: int = 1,
    ruleset_source: str = "{owner}/{repo}",
    ruleset_source_type: str = "Repository",
) -> JSON:
    """A ``repository-rule-detailed`` of type ``pull_request`` for ``fake.rules[branch]``."""
    params: JSON = {
        "allowed_merge_methods": list(allowed_merge_methods),
        "dismiss_stale_reviews_on_push": dismiss_stale_reviews_on_push,
        "require_code_owner_review": require_code_owner_review,
        "require_last_push_approval": require_last_push_approval,
        "required_approving_review_count": required_approving_review_count,
        "required_review_thread_resolution": required_review_thread_resolution,
    }
    if required_reviewers is not None:
        params["required_reviewers"] = required_reviewers
    return {
        "type": "pull_request",
        "parameters": params,
        "ruleset_source_type": ruleset_source_type,
        "ruleset_source": ruleset_source,
        "ruleset_id": ruleset_id,
    }


def required_status_checks_rule(
    checks: dict[str, int | None],
    *,
    strict: bool = True,
    ruleset_id: int = 1,
    ruleset_source: str = "{owner}/{repo}",
) -> JSON:
    """A ``required_status_checks`` rule: context -> ``integration_id`` (None: any source, key absent)."""
    listed: list[JSON] = [{"context": c} if app is None else {"context": c, "integration_id": app} for c, app in checks.items()]
    return {
        "type": "required_status_checks",
        "parameters": {"required_status_checks": listed, "strict_required_status_checks_policy": strict},
        "ruleset_source_type": "Repository",
        "ruleset_source": ruleset_source,
        "ruleset_id": ruleset_id,
    }


def simple_rule(rule_type: str, ruleset_id: int = 1, ruleset_source: str = "{owner}/{repo}") -> JSON:
    """A parameterless rule such as ``non_fast_forward``, ``deletion`` or ``required_linear_history``."""
    return {"type": rule_type, "ruleset_source_type": "Repository", "ruleset_source": ruleset_source, "ruleset_id": ruleset_id}


def codeowners_error(
    line: int,
    kind: str,
    *,
    column: int = 1,
    source: str = "",
    message: str | None = None,
    suggestion: str | None = None,
    path: str = ".github/CODEOWNERS",
) -> JSON:
    """One entry of ``GET /repos/{o}/{r}/codeowners/errors``."""
    return {
        "line": line,
        "column": column,
        "source": source,
        "kind": kind,
        "suggestion": suggestion,
        "message": message or f"{kind} on line {line}:\n\n  {source}\n  ^",
        "path": path,
    }


# --------------------------------------------------------------------------- statuses and rate limit
def status(
    api: str,
    full_name: str,
    *,
    status_id: int,
    sha: str,
    state: str,
    target_url: str | None,
    description: str | None,
    context: str,
    created_at: str,
    creator: JSON | None,
) -> JSON:
    return {
        "url": f"{api}/repos/{full_name}/statuses/{sha}",
        "avatar_url": creator["avatar_url"] if creator else None,
        "id": status_id,
        "node_id": _node("013:StatusContext", status_id),
        "state": state,
        "description": description,
        "target_url": target_url,
        "context": context,
        "created_at": created_at,
        "updated_at": created_at,
        "creator": creator,
    }


def simple_commit_status(full: JSON) -> JSON:
    obj = {k: v for k, v in full.items() if k != "creator"}
    obj["required"] = False
    return obj


def combined_status(api: str, full_name: str, sha: str, statuses: list[JSON], repo: JSON) -> JSON:
    states = {s["state"] for s in statuses}
    if states & {"error", "failure"}:
        state = "failure"
    elif not statuses or "pending" in states:
        state = "pending"
    else:
        state = "success"
    return {
        "state": state,
        "statuses": [simple_commit_status(s) for s in statuses],
        "sha": sha,
        "total_count": len(statuses),
        "repository": repo,
        "commit_url": f"{api}/repos/{full_name}/commits/{sha}",
        "url": f"{api}/repos/{full_name}/commits/{sha}/status",
    }


def rate_limit(limit: int, remaining: int, reset: int, used: int) -> JSON:
    core = {"limit": limit, "remaining": remaining, "reset": reset, "used": used}
    other = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    return {
        "resources": {"core": core, "search": other, "graphql": {**other, "limit": 5000, "remaining": 5000}},
        "rate": core,
    }


# --------------------------------------------------------------------------- writes (refs, contents)
def git_ref(api: str, full_name: str, ref: str, sha: str) -> JSON:
    """A ``git-ref`` (``POST /git/refs``): the new reference and the commit it points at."""
    base = f"{api}/repos/{full_name}/git"
    return {
        "ref": ref,
        "node_id": _node("03:Ref", f"{full_name}:{ref}"),
        "url": f"{base}/{ref}",
        "object": {"type": "commit", "sha": sha, "url": f"{base}/commits/{sha}"},
    }


def file_commit(api: str, web: str, full_name: str, path: str, branch: str, blob_sha: str, size: int, info: Any) -> JSON:
    """A ``file-commit`` (``PUT /contents/{path}``): the file as written (no content) and the git commit that wrote it."""
    r = f"{api}/repos/{full_name}"
    return {
        "content": {
            "type": "file",
            "size": size,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": blob_sha,
            **_content_urls(api, web, full_name, path, branch, blob_sha, "file"),
        },
        "commit": {
            "sha": info.sha,
            "node_id": _node("06:Commit", info.sha),
            "url": f"{r}/git/commits/{info.sha}",
            "html_url": f"{web}/{full_name}/commit/{info.sha}",
            "author": {"date": info.author_date, "name": info.author_name, "email": info.author_email},
            "committer": {"date": info.committer_date, "name": info.committer_name, "email": info.committer_email},
            "message": info.message,
            "tree": {"url": f"{r}/git/trees/{info.tree}", "sha": info.tree},
            "parents": [{"url": f"{r}/commits/{p}", "html_url": f"{web}/{full_name}/commit/{p}", "sha": p} for p in info.parents],
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None},
        },
    }


# --------------------------------------------------------------------------- issue comments
def issue_comment(
    api: str,
    web: str,
    full_name: str,
    *,
    comment_id: int,
    issue_number: int,
    body: str,
    user: JSON | None,
    created_at: str,
    updated_at: str,
    author_association: str = "NONE",
) -> JSON:
    """An ``issue-comment`` (a PR's conversation comment is an issue comment), as ``GET/POST /issues/{n}/comments`` and
    ``PATCH /issues/comments/{id}`` return it. Stored with ``{api}``/``{web}`` placeholders like a status."""
    return {
        "id": comment_id,
        "node_id": _node("012:IssueComment", comment_id),
        "url": f"{api}/repos/{full_name}/issues/comments/{comment_id}",
        "html_url": f"{web}/{full_name}/pull/{issue_number}#issuecomment-{comment_id}",
        "issue_url": f"{api}/repos/{full_name}/issues/{issue_number}",
        "body": body,
        "user": user,
        "created_at": created_at,
        "updated_at": updated_at,
        "author_association": author_association,
        "performed_via_github_app": None,
        "reactions": {
            "url": f"{api}/repos/{full_name}/issues/comments/{comment_id}/reactions",
            "total_count": 0,
            **dict.fromkeys(("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0),
        },
    }
