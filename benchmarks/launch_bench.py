"""Launches per hour per GitHub token: the online gate against the offline one, side by side in one run.

    python benchmarks/launch_bench.py [--launches 20] [--verifications 300] [--processes 10] [--objectives 1,10,50]

Before (issue 17): every launch asks GitHub, `ftgov gate ID --repo O/N`. After: a workflow on
the default branch asks once per objective and signs the allow (`ftgov attest`), and every
launch verifies that bundle offline, `ftgov gate ID --attestation B --trusted-key P`.

It starts the tests' loopback GitHub (tests/fakegithub) with a governed repository built as
tests/gate/test_gate.py's fixture builds it (the governance files merged through a PR
approved by every role, then support-agent-r4 merged through a PR approved by its roles),
and measures, in this order:

  1. online, cold: --launches decisions, each with an empty request cache (a new node, a
     new pod with no shared cache): requests per launch, as the loopback server saw them;
  2. online, warm: --launches decisions sharing one cache after a first cold one;
  3. offline: --verifications decisions from the bundle `ftgov attest` signed with an
     organisation key (Ed25519 and ECDSA P-256), in this process, one core, and
     --processes runs of the `ftgov gate --attestation` command as a launcher runs it;
     with tests/fixtures/sigstore, the Sigstore verification of the real bundles there
     (they are not ftgov approvals, so the time is the signature's, the part that costs);
  4. the attest workflow's cost: one cold `ftgov attest` run over K objectives (a CI runner
     starts with no cache), for each K in --objectives.

GitHub's primary rate limit is 5,000 requests an hour for a user's token or an app
installation's (more for installations on large organisations and Enterprise Cloud).
"Making a conditional request does not count against your primary rate limit if a 304
response is returned and the request was made while correctly authorized with an
Authorization header" (docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-
the-rest-api#use-conditional-requests-if-appropriate): so launches per hour per token are
printed both ways, counting only the requests GitHub counts, and counting every request
(a proxy, a GitHub Enterprise Server instance with rate limiting on, or the secondary
limits, which count every request). The offline gate makes no request: its bound is CPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the tests' loopback GitHub, fixtures and key helpers

from tests.fakegithub import FakeGitHub  # noqa: E402
from tests.repository import FIXTURES, governance_files  # noqa: E402
from tests.signing import OrgKey, org_key  # noqa: E402

from ftgov.attest.age import parse_duration  # noqa: E402
from ftgov.attest.sign import KeySigner  # noqa: E402
from ftgov.attest.verify import trusted_signers, verify_file  # noqa: E402
from ftgov.gate.forge.github import GitHubForge  # noqa: E402
from ftgov.gate.gate import decide  # noqa: E402
from ftgov.gate.publish import Published, publish  # noqa: E402
from ftgov.gate.signed import decide_train  # noqa: E402

TOKEN = "ghp_bench_token_0123456789"
PER_HOUR = 5000  # GitHub's primary rate limit for one token
R4 = "objectives/support-agent/support-agent-r4.yaml"
R4_TEXT = (FIXTURES / "valid" / "support-agent-r4.yaml").read_bytes()
SIGSTORE = FIXTURES / "sigstore"
BEACON = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"


@dataclass(frozen=True)
class Cost:
    """What GitHub saw for some decisions: every request, and the ones answered 304 Not Modified."""

    decisions: int
    requests: int
    not_modified: int
    wall_seconds: float = 0.0  # all the decisions, against the loopback server (no network latency: a lower bound)

    @property
    def per_launch(self) -> float:
        return self.requests / self.decisions

    @property
    def counted_per_launch(self) -> float:
        """The requests GitHub's primary limit counts: 304s to authorised conditional requests do not."""
        return (self.requests - self.not_modified) / self.decisions


def governed(where: Path) -> FakeGitHub:
    """tests/gate/test_gate.py's repository: governance merged through a PR every role approved, then r4 through its own."""
    world = FakeGitHub(where / "github", repo="acme/governance", token=TOKEN)
    world.add_team("acme/ml-tech-leads", {"alice": "active", "tom": "active", "carol": "pending"})
    world.add_team("acme/model-risk", {"rita": "active"})
    world.add_team("acme/model-risk-emea", {"emil": "active"}, parent="acme/model-risk")
    world.add_team("acme/model-validation", {"ivan": "active"})
    world.commit("adopt-ftgov", governance_files(), "Adopt ftgov: policy, schemas and the first objectives", author="bob")
    adopt = world.open_pr("adopt-ftgov", author_login="bob", title="Adopt ftgov")
    for login in ("alice", "rita", "ivan"):
        adopt.review(login)
    adopt.merge("squash")
    merge_approved(world, R4, R4_TEXT, "add-r4")
    return world


def merge_approved(world: FakeGitHub, path: str, text: bytes, branch: str) -> None:
    world.commit(branch, {path: text}, f"Propose {path}", author="bob")
    pr = world.open_pr(branch, author_login="bob", title=f"Propose {path}")
    for login in ("alice", "rita"):  # medium tier: technical and risk
        pr.review(login)
    pr.merge("squash")


def first_round(model: str) -> bytes:
    """support-agent-r4's objective as the first round of another model (no parent: compared to the base)."""
    text = R4_TEXT.decode().replace("support-agent-r4", f"{model}-r1").replace("name: support-agent", f"name: {model}")
    text = text.replace("  parent: support-agent-r3\n", "").replace("compare_to: parent", "compare_to: base")
    return text.replace("to: support-agent-r3", "to: base").encode()


def requests_seen(world: FakeGitHub, run: Callable[[], object]) -> tuple[int, int]:
    """(requests, of which 304) the loopback server answered while `run` ran; its rate counter is GitHub's rule."""
    before, remaining = len(world.requests), world.rate_remaining
    run()
    requests = len(world.requests) - before
    counted = remaining - world.rate_remaining
    world.rate_remaining = world.rate_limit  # each phase starts with a full hour's budget
    return requests, requests - counted


def online(world: FakeGitHub, url: str, where: Path, launches: int) -> tuple[Cost, Cost]:
    """Cold (a new cache each launch) and warm (one shared cache, after a first cold launch) online decisions."""

    def ask(cache: Path) -> None:
        answer = decide(GitHubForge("acme/governance", TOKEN, github_url=url, cache_dir=cache), "support-agent-r4")
        if not answer.allowed:
            raise SystemExit(f"the online gate denied the benchmark's objective: {answer.reasons}")

    started = time.perf_counter()
    cold = [requests_seen(world, lambda i=i: ask(where / f"cold-{i}")) for i in range(launches)]  # type: ignore[misc]
    cold_wall = time.perf_counter() - started
    ask(where / "warm")
    started = time.perf_counter()
    warm = [requests_seen(world, lambda: ask(where / "warm")) for _ in range(launches)]
    warm_wall = time.perf_counter() - started
    return (
        Cost(launches, sum(r for r, _ in cold), sum(n for _, n in cold), cold_wall),
        Cost(launches, sum(r for r, _ in warm), sum(n for _, n in warm), warm_wall),
    )


@dataclass(frozen=True)
class Timing:
    what: str
    runs: int
    cpu_seconds: float  # per verification, this process's CPU
    wall_seconds: float  # per verification

    @property
    def per_hour_per_core(self) -> float:
        return 3600 / self.cpu_seconds


def timed(what: str, runs: int, one: Callable[[], object]) -> Timing:
    one()  # the first call loads what a launcher process loads once (cryptography, sigstore); not a launch's cost twice
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(runs):
        one()
    return Timing(what, runs, (time.process_time() - cpu) / runs, (time.perf_counter() - wall) / runs)


def offline(bundle: Path, key: OrgKey, objective: Path, runs: int, label: str) -> Timing:
    """The offline gate's whole decision, as `ftgov gate --attestation` makes it: load the key, verify, judge."""
    limit = parse_duration("7d")

    def one() -> None:
        answer = decide_train("support-agent-r4", bundle, trusted_signers((key.public,)), max_age=limit, objective_file=objective)
        if not answer.allowed:
            raise SystemExit(f"the offline gate denied the benchmark's bundle: {answer.reasons}")

    return timed(label, runs, one)


def sigstore(runs: int) -> list[Timing]:
    """Sigstore verification of the real bundles in tests/fixtures/sigstore, each against its instance's trusted root."""
    found = []
    for instance in ("production", "staging"):
        bundle, root = SIGSTORE / f"{instance}-dsse.sigstore.json", SIGSTORE / f"{instance}-trusted_root.json"
        if bundle.is_file() and root.is_file():
            signers = trusted_signers(trusted_identities=(BEACON,), sigstore_root=root)
            found.append(timed(f"Sigstore bundle ({instance} root, in process)", runs, lambda b=bundle, s=signers: verify_file(b, s)))  # type: ignore[misc]
    return found


def processes(what: str, command: list[str], runs: int) -> Timing:
    """An ftgov command as a launcher runs it: a process each time, interpreter start and imports included."""
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}

    def one() -> None:
        done = subprocess.run([str(Path(sys.executable).parent / "ftgov"), *command], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise SystemExit(f"ftgov {command[0]} exited {done.returncode}: {done.stderr or done.stdout}")

    before = os.times()
    timing = timed(what, runs, one)
    after = os.times()
    children = (after.children_user + after.children_system - before.children_user - before.children_system) / (runs + 1)
    return Timing(timing.what, runs, children, timing.wall_seconds)


def launcher_processes(bundle: Path, key: OrgKey, objective: Path, runs: int) -> list[Timing]:
    """The key path through `ftgov gate --attestation`; the Sigstore path through `ftgov verify` on the real production bundle
    (the gate would verify it the same way and then deny it: it is not an ftgov approval)."""
    gate = ["gate", "support-agent-r4", "--attestation", str(bundle), "--trusted-key", str(key.public), "--objective", str(objective)]
    found = [processes("ftgov gate --attestation, organisation key (a process each)", [*gate, "--format", "json"], runs)]
    sigstore_bundle, root = SIGSTORE / "production-dsse.sigstore.json", SIGSTORE / "production-trusted_root.json"
    if sigstore_bundle.is_file() and root.is_file():
        verify = ["verify", str(sigstore_bundle), "--trusted-identity", BEACON, "--sigstore-root", str(root), "--max-age", "10000d"]
        found.append(processes("ftgov verify, Sigstore bundle (a process each)", verify, runs))
    return found


def attest_run(world: FakeGitHub, url: str, cache: Path, ids: list[str], key: OrgKey, out: Path) -> Cost:
    """The requests of one `ftgov attest` run over `ids`, with the request cache in `cache`."""
    forge = GitHubForge("acme/governance", TOKEN, github_url=url, cache_dir=cache)
    results: list[Published] = []
    requests, not_modified = requests_seen(world, lambda: results.extend(publish(forge, ids, KeySigner(key.signer.signer), out)))
    refused = [r for r in results if r.decision != "allow"]
    if refused:
        raise SystemExit(f"ftgov attest did not allow every benchmark objective: {refused}")
    return Cost(len(ids), requests, not_modified)


def attest_cost(world: FakeGitHub, url: str, where: Path, counts: list[int], key: OrgKey) -> list[tuple[int, Cost]]:
    """One `ftgov attest` run over K objectives as the workflow runs it, for each K; each objective a model's first round.

    Cold: a CI runner starts with no cache, and keeping one between runs would not help, since
    the cache is sealed with the token and the app's installation token changes every run.
    """
    made = 0
    found = []
    for count in counts:
        for k in range(made + 1, count + 1):
            merge_approved(world, f"objectives/bench{k}/bench{k}-r1.yaml", first_round(f"bench{k}"), f"add-bench{k}")
        made = max(made, count)
        ids = [f"bench{k}-r1" for k in range(1, count + 1)]
        found.append((count, attest_run(world, url, where / f"attest-{count}", ids, key, where / f"published-{count}")))
    return found


@contextmanager
def serving(world: FakeGitHub) -> Iterator[str]:
    with world.serve() as url:
        yield url


def per_hour(requests_per_launch: float) -> str:
    return "unlimited by the token" if requests_per_launch == 0 else f"{PER_HOUR / requests_per_launch:,.0f}"


def report(cold: Cost, warm: Cost, timings: list[Timing], attest: list[tuple[int, Cost]]) -> None:
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{dt.datetime.now(dt.UTC):%Y-%m-%d}\n")  # fmt: skip
    print("| launch | requests / launch (304s) | launches / hour / token, counting only what GitHub counts | counting every request |")
    print("| --- | ---: | ---: | ---: |")
    for name, cost in (("online, cold cache", cold), ("online, warm cache", warm)):
        print(
            f"| {name} | {cost.per_launch:.1f} ({cost.per_launch - cost.counted_per_launch:.1f}) | "
            f"{per_hour(cost.counted_per_launch)} | {per_hour(cost.per_launch)} |"
        )
    print("| offline, from the signed bundle | 0 (0) | unlimited by the token | unlimited by the token |")
    print("\n| offline verification | runs | CPU ms / launch | wall ms / launch | launches / hour / core |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for timing in timings:
        print(
            f"| {timing.what} | {timing.runs} | {timing.cpu_seconds * 1000:.2f} | {timing.wall_seconds * 1000:.2f} | "
            f"{timing.per_hour_per_core:,.0f} |"
        )
    # Side by side, in this one run: the in-process decision online (loopback GitHub, so without any network
    # latency: the ratio is a lower bound) against the offline one with a key.
    key_timing = next((t for t in timings if "Ed25519" in t.what and "in process" in t.what), None)
    if key_timing is not None:
        print("\n| ratio, wall per launch in process | online | offline (Ed25519) | offline is faster by |")
        print("| --- | ---: | ---: | ---: |")
        for name, cost in (("online cold / offline", cold), ("online warm / offline", warm)):
            online_ms = cost.wall_seconds / cost.decisions * 1000
            offline_ms = key_timing.wall_seconds * 1000
            print(f"| {name} | {online_ms:.1f} ms | {offline_ms:.2f} ms | {online_ms / offline_ms:,.0f}x |")
    print("\n| attest workflow run (cold) | requests | of which 304 | requests / objective | counted: share of one token's hour |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for count, cost in attest:
        counted = cost.requests - cost.not_modified
        print(f"| {count} objective(s) | {cost.requests} | {cost.not_modified} | {cost.per_launch:.1f} | {counted / PER_HOUR:.1%} |")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--launches", type=int, default=20, help="online decisions, cold and warm each")
    parser.add_argument("--verifications", type=int, default=300, help="offline decisions in this process, per signer")
    parser.add_argument("--processes", type=int, default=10, help="`ftgov gate --attestation` processes")
    parser.add_argument("--objectives", default="1,10,50", help="K for the attest workflow's cost, comma-separated")
    args = parser.parse_args(argv)
    counts = sorted({int(k) for k in args.objectives.split(",") if k.strip()})
    with tempfile.TemporaryDirectory(prefix="ftgov-launch-bench-") as tmp:
        where = Path(tmp)
        world = governed(where)
        keys = {kind: org_key(where / "keys" / kind, kind) for kind in ("ed25519", "ecdsa")}
        objective = where / "support-agent-r4.yaml"
        objective.write_bytes(R4_TEXT)
        with serving(world) as url:
            cold, warm = online(world, url, where / "online", args.launches)
            bundles = {}
            for kind, key in keys.items():
                forge = GitHubForge("acme/governance", TOKEN, github_url=url, cache_dir=where / f"sign-{kind}")
                (signed,) = publish(forge, ["support-agent-r4"], KeySigner(key.signer.signer), where / f"approvals-{kind}")
                assert signed.bundle is not None, signed.reasons
                bundles[kind] = signed.bundle
            attest = attest_cost(world, url, where, counts, keys["ed25519"])
            # Offline from here: the loopback GitHub is still listening and must see nothing.
            served = len(world.requests)
            timings = [
                offline(bundles["ed25519"], keys["ed25519"], objective, args.verifications, "organisation key, Ed25519 (in process)"),
                offline(bundles["ecdsa"], keys["ecdsa"], objective, args.verifications, "organisation key, ECDSA P-256 (in process)"),
                *sigstore(max(args.verifications // 10, 10)),
                *launcher_processes(bundles["ed25519"], keys["ed25519"], objective, args.processes),
            ]
            if len(world.requests) != served:
                raise SystemExit("the offline gate reached the loopback GitHub")
    report(cold, warm, timings, attest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
