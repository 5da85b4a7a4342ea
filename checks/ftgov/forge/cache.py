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
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from ftgov.forge import git_blob_sha

_SHA = r"[0-9a-f]{40}"
# Resources a 40-hex sha pins forever (the sha in the path, or as the ref / start of history).
_IMMUTABLE = (
    re.compile(rf"/git/(?:blobs|trees)/{_SHA}(?:\?|$)"),
    re.compile(rf"/contents/[^?]*\?(?:.*&)?ref={_SHA}(?:&|$)"),
    re.compile(rf"/commits\?(?:.*&)?sha={_SHA}(?:&|$)"),
)
_BLOB = re.compile(rf"/git/blobs/({_SHA})$")
_KEPT_HEADERS = ("Content-Type", "ETag", "Link")


def _is_immutable(url: str) -> bool:
    return any(pattern.search(url) for pattern in _IMMUTABLE)


class CachingAdapter(HTTPAdapter):
    """requests adapter with ETag revalidation; counts what each request cost."""

    def __init__(self, directory: Path | None, secret: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._directory = directory
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
            return self._replay(request, entry)
        if entry is not None:
            request.headers["If-None-Match"] = entry["etag"]
        response = self._network(request, **kwargs)
        if response.status_code == 304 and entry is not None:
            self.not_modified += 1
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
        try:
            self._directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temp = tempfile.mkstemp(dir=self._directory, prefix=".entry-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle)
            os.replace(temp, self._directory / key)
        except OSError:
            pass  # a cache that cannot be written only costs requests

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
