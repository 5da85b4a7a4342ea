"""The conditional-request cache a host's launchers share stays under its size bound.

Issue 9, item 7: a few hundred gate runs left 1,205 files (35 MB) in the cache. A write
that pushes the directory past FTGOV_CACHE_MAX_MB evicts the least recently used entries;
a hit counts as a use, so what every decision reads (the policy and objective blobs)
outlives what only one decision read (the tree of an old branch head).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ftgov.gate.attestation import Attestation
from ftgov.gate.forge.cache import MAX_MB_VARIABLE, evict, max_bytes_from_environment
from ftgov.gate.forge.github import GitHubForge
from ftgov.gate.gate import decide

from ..conftest import governance_files
from ..fakegithub import FakeGitHub

TOKEN = "ghp_cache_bound_token_0123456789abcdef"
OBJECTIVE = "support-agent-r3"


@pytest.fixture
def fake(tmp_path: Path) -> FakeGitHub:
    return FakeGitHub(tmp_path / "github", repo="acme/governance", initial_files=governance_files(), token=TOKEN)


@pytest.fixture
def url(fake: FakeGitHub) -> Iterator[str]:
    with fake.serve() as served:
        yield served


def _decide(url: str, cache: Path) -> Attestation:
    forge = GitHubForge("acme/governance", TOKEN, github_url=url, cache_dir=cache, backoff=0.01)
    return decide(forge, OBJECTIVE)


def _total(cache: Path) -> int:
    return sum(p.stat().st_size for p in cache.iterdir())


def _urls(cache: Path) -> set[str]:
    return {json.loads(p.read_text())["url"] for p in cache.iterdir() if not p.name.startswith(".")}


def test_gate_runs_keep_the_cache_under_its_bound_and_keep_what_is_still_used(
    fake: FakeGitHub, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bound_mb = 48 / 1024  # 48 KiB: a cold decision writes ~30 KiB, each new branch head ~6 KiB more
    monkeypatch.setenv(MAX_MB_VARIABLE, str(bound_mb))
    bound = max_bytes_from_environment()
    cache = tmp_path / "cache"
    first = _decide(url, cache)
    assert first.exit_code in (0, 1), first.reasons
    blobs = {u for u in _urls(cache) if "/git/blobs/" in u}
    assert blobs, "the first decision caches the blobs it read"
    written = len(_urls(cache))
    heads = []
    for i in range(15):
        heads.append(fake.commit("main", {f"notes/note-{i}.md": f"note {i}\n".encode()}, f"note {i}"))
        attestation = _decide(url, cache)
        assert attestation.exit_code == first.exit_code, attestation.reasons
        assert _total(cache) <= bound
        assert attestation.stats is not None and attestation.stats.served_from_cache >= len(blobs)  # blobs survive: they are used
        written += 2
    kept = _urls(cache)
    assert len(kept) < written, "nothing was evicted: the bound did not apply"
    assert blobs <= kept, "the entries every decision reads were evicted"
    assert any(heads[-1] in u for u in kept), "the newest head's entries were evicted"
    assert not any(heads[0] in u for u in kept), "the oldest head's entries outlived newer ones"
    again = _decide(url, cache)  # nothing changed: the newest entries answer it
    assert again.stats is not None and again.stats.requests <= first.stats.requests  # type: ignore[union-attr]
    assert again.stats.served_from_cache >= len(blobs) + 1 and again.stats.not_modified >= 1


def test_a_zero_bound_writes_nothing_and_still_decides(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_MB_VARIABLE, "0")
    attestation = _decide(url, tmp_path / "cache")
    assert attestation.exit_code in (0, 1), attestation.reasons
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []


def test_the_default_bound_is_64_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAX_MB_VARIABLE, raising=False)
    assert max_bytes_from_environment() == 64 * 2**20
    assert max_bytes_from_environment({MAX_MB_VARIABLE: "1.5"}) == 3 * 2**19
    for bad in ("", " "):
        assert max_bytes_from_environment({MAX_MB_VARIABLE: bad}) == 64 * 2**20
    for bad in ("-1", "many", "nan", "inf"):
        with pytest.raises(ValueError, match=MAX_MB_VARIABLE):
            max_bytes_from_environment({MAX_MB_VARIABLE: bad})


def _file(folder: Path, name: str, size: int, age: float) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    moment = os.stat(folder).st_mtime - age
    os.utime(path, (moment, moment))
    return path


def test_eviction_removes_least_recently_used_first_and_spares_writes_in_progress(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    entries = [_file(cache, f"entry-{i:02d}", 1000, age=100 - i) for i in range(10)]  # entry-00 is the oldest
    writing = _file(cache, ".entry-live.tmp", 1000, age=200)  # older than every entry, but not stale
    abandoned = _file(cache, ".entry-dead.tmp", 1000, age=7200)  # a writer that died an hour ago
    evict(cache, 10_000)  # 12,000 bytes against a bound of 10,000: down to 9,000
    remaining = sorted(p.name for p in cache.iterdir())
    assert _total(cache) <= 9_000
    assert writing.exists() and not abandoned.exists()
    assert remaining == [".entry-live.tmp", *(p.name for p in entries[-8:])]


def test_eviction_under_the_bound_removes_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for i in range(5):
        _file(cache, f"entry-{i}", 100, age=i)
    evict(cache, 500)
    assert len(list(cache.iterdir())) == 5
    evict(tmp_path / "no-such-cache", 500)  # a cache never written: nothing to do, no error


def test_concurrent_evictions_tolerate_files_vanishing_under_them(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for i in range(400):
        _file(cache, f"entry-{i:03d}", 500, age=400 - i)
    start = threading.Barrier(20)

    def evict_together(_: int) -> None:
        start.wait()
        evict(cache, 50_000)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(evict_together, range(20)))  # any exception re-raises here
    assert _total(cache) <= 50_000
    assert (cache / "entry-399").exists()  # the newest survive


def test_twenty_launchers_over_a_tiny_bound_all_decide(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound below one decision's writes: every write evicts, and launchers race on the same files."""
    monkeypatch.setenv(MAX_MB_VARIABLE, str(16 / 1024))
    cache = tmp_path / "shared"
    expected = _decide(url, tmp_path / "private").decision
    start = threading.Barrier(20)

    def launch(_: int) -> Attestation:
        start.wait()
        return _decide(url, cache)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(launch, range(20)))
    assert [a.decision for a in results] == [expected] * 20, [a.reasons for a in results if a.decision != expected]
    assert not any(a.undecided for a in results)
    assert _total(cache) <= 16 * 1024
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]
