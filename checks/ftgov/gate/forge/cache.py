"""A conditional-request cache shared by concurrent launchers, that never trusts itself.

GitHub answers a request carrying `If-None-Match` with 304 when nothing changed, and such
answers do not count against the rate limit. This adapter revalidates every mutable
resource on every request (a gate must see a review dismissed a second ago), and answers
from the cache alone what a commit sha pins forever: blobs and trees by sha, a file's
contents at a commit, and the history below a commit.

Every entry is sealed with an HMAC keyed by the token. A truncated, corrupt or edited
entry fails the check and is ignored, as if absent. Writes go to a temporary file that
is renamed over the entry, so a concurrent reader sees the old entry or the new one,
never half of either.

The directory is bounded (FTGOV_CACHE_MAX_MB, default 64 MiB): a write that pushes the
total past the bound evicts the least recently used entries (every hit touches its
entry's mtime) down to nine tenths of it. Launchers evict concurrently, so each step
tolerates files that another process already removed or replaced; a cache problem only
ever costs requests, never a decision.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from ftgov.gate.forge import git_blob_sha

_SHA = r"[0-9a-f]{40}"
# Resources a 40-hex sha pins forever (the sha in the path, or as the ref / start of history).
_IMMUTABLE = (
    re.compile(rf"/git/(?:blobs|trees)/{_SHA}(?:\?|$)"),
    re.compile(rf"/contents/[^?]*\?(?:.*&)?ref={_SHA}(?:&|$)"),
    re.compile(rf"/commits\?(?:.*&)?sha={_SHA}(?:&|$)"),
    re.compile(rf"/commits/{_SHA}(?:\?|$)"),  # one commit (its parents) by sha
    re.compile(rf"/compare/{_SHA}\.\.\.{_SHA}(?:\?|$)"),  # ancestry of two shas never changes
)
_BLOB = re.compile(rf"/git/blobs/({_SHA})$")
_KEPT_HEADERS = ("Content-Type", "ETag", "Link")
MAX_MB_VARIABLE = "FTGOV_CACHE_MAX_MB"
DEFAULT_MAX_MB = 64.0
_STALE_TEMP_SECONDS = 3600  # a temporary file this old belongs to a writer that died


def max_bytes_from_environment(environ: Mapping[str, str] | None = None) -> int:
    """The cache bound in bytes from FTGOV_CACHE_MAX_MB (MiB, default 64; 0 turns writing off)."""
    raw = (os.environ if environ is None else environ).get(MAX_MB_VARIABLE, "").strip()
    if not raw:
        return int(DEFAULT_MAX_MB * 2**20)
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = -1.0
    if not megabytes >= 0 or megabytes == float("inf"):
        raise ValueError(f"{MAX_MB_VARIABLE}={raw!r} is not a size in MiB; use a number such as 64 (0 turns the cache's writes off)")
    return int(megabytes * 2**20)


@dataclass(frozen=True)
class _Entry:
    path: Path
    size: int
    used: float  # mtime: written, or last answered a request
    evictable: bool


def _scan(directory: Path) -> list[_Entry]:
    """Every file in the cache directory; a file that vanishes meanwhile is skipped."""
    entries: list[_Entry] = []
    now = time.time()
    try:
        listing = list(os.scandir(directory))
    except OSError:
        return entries
    for item in listing:
        try:
            if not item.is_file(follow_symlinks=False):
                continue
            stat = item.stat(follow_symlinks=False)
        except OSError:
            continue
        temporary = item.name.startswith(".")
        evictable = not temporary or now - stat.st_mtime > _STALE_TEMP_SECONDS  # never a write in progress
        entries.append(_Entry(Path(item.path), stat.st_size, stat.st_mtime, evictable))
    return entries


def evict(directory: Path, max_bytes: int) -> None:
    """Bring the directory under max_bytes, least recently used first, to 90% of the bound."""
    entries = _scan(directory)
    total = sum(entry.size for entry in entries)
    if total <= max_bytes:
        return
    target = max_bytes * 9 // 10
    for entry in sorted((e for e in entries if e.evictable), key=lambda e: e.used):
        if total <= target:
            return
        try:
            entry.path.unlink()
        except FileNotFoundError:
            pass  # another launcher evicted it first; it no longer counts either way
        except OSError:
            continue
        total -= entry.size


def _is_immutable(url: str) -> bool:
    return any(pattern.search(url) for pattern in _IMMUTABLE)


class CachingAdapter(HTTPAdapter):
    """requests adapter with ETag revalidation; counts what each request cost."""

    def __init__(self, directory: Path | None, secret: str, *, max_bytes: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._directory = directory
        self._max_bytes = max_bytes_from_environment() if max_bytes is None else max_bytes
        self._secret = hashlib.sha256(("ftgov-cache\0" + secret).encode()).digest()
        self.requests = 0
        self.not_modified = 0
        self.served_from_cache = 0

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        if self._directory is None or request.method != "GET" or request.url is None:
            return self._network(request, **kwargs)
        key = self._key(request)
        entry = self._read(key, request.url)
        if entry is not None and _is_immutable(request.url) and self._blob_is_intact(request.url, entry):
            self.served_from_cache += 1
            self._touch(key)
            return self._replay(request, entry)
        if entry is not None:
            request.headers["If-None-Match"] = entry["etag"]
        response = self._network(request, **kwargs)
        if response.status_code == 304 and entry is not None:
            self.not_modified += 1
            self._touch(key)
            return self._replay(request, entry)
        if response.status_code == 200 and response.headers.get("ETag"):
            self._write(key, request.url, response)
        return response

    def _network(self, request: PreparedRequest, **kwargs: Any) -> Response:
        self.requests += 1
        return super().send(request, **kwargs)

    def _key(self, request: PreparedRequest) -> str:
        accept = str(request.headers.get("Accept", ""))
        return hmac.new(self._secret, f"{request.url}\0{accept}".encode(), hashlib.sha256).hexdigest()

    def _seal(self, url: str, etag: str, body: str) -> str:
        return hmac.new(self._secret, f"{url}\0{etag}\0{body}".encode(), hashlib.sha256).hexdigest()

    def _read(self, key: str, url: str) -> dict[str, Any] | None:
        assert self._directory is not None
        try:
            entry = json.loads((self._directory / key).read_text(encoding="utf-8"))
            sealed = self._seal(url, entry["etag"], entry["body"])
            if entry["url"] != url or not hmac.compare_digest(sealed, entry["mac"]):
                return None
            base64.b64decode(entry["body"], validate=True)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, corrupt, truncated or tampered: as if never cached
        return entry if isinstance(entry.get("headers"), dict) else None

    def _blob_is_intact(self, url: str, entry: dict[str, Any]) -> bool:
        """A cached blob must also hash to its sha (other immutable entries rely on the seal)."""
        if not _BLOB.search(url.split("?")[0]):
            return True
        try:
            blob = json.loads(base64.b64decode(entry["body"]))
            content = base64.b64decode(blob["content"])
        except (ValueError, KeyError, TypeError):
            return False
        return bool(git_blob_sha(content) == url.split("?")[0].rsplit("/", 1)[-1] == blob.get("sha"))

    def _write(self, key: str, url: str, response: Response) -> None:
        assert self._directory is not None
        body = base64.b64encode(response.content).decode()
        etag = response.headers["ETag"]
        entry = {
            "url": url,
            "etag": etag,
            "headers": {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers},
            "body": body,
            "mac": self._seal(url, etag, body),
        }
        text = json.dumps(entry)
        if len(text) > self._max_bytes // 2:
            return  # an entry that would crowd out half the cache is not worth keeping
        temp: str | None = None
        try:
            self._directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temp = tempfile.mkstemp(dir=self._directory, prefix=".entry-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temp, self._directory / key)
            temp = None
            evict(self._directory, self._max_bytes)
        except OSError:
            pass  # a cache that cannot be written only costs requests
        finally:
            if temp is not None:
                Path(temp).unlink(missing_ok=True)

    def _touch(self, key: str) -> None:
        """Mark an entry as recently used, so eviction keeps what launchers still ask for."""
        assert self._directory is not None
        with contextlib.suppress(OSError):  # evicted by another launcher meanwhile: the answer was already read
            os.utime(self._directory / key)

    @staticmethod
    def _replay(request: PreparedRequest, entry: dict[str, Any]) -> Response:
        response = Response()
        response.status_code = 200
        response.url = request.url or ""
        response.request = request
        response.headers = CaseInsensitiveDict(entry["headers"])
        response._content = base64.b64decode(entry["body"])
        response.encoding = "utf-8"
        return response
