"""Write the support-agent example's evaluation results: synthetic, reproducible, in the tools' own formats.

    python examples/evaluations/make_results.py [OUT_DIR]     # default: examples/evaluations/support-agent

Nothing here was measured on a real model. The numbers are chosen to tell the stories of
docs/why.md (a legitimate round that passes, scenario A's helpfulness tune that costs the
refusal rate, scenario B's erosion of round 1's gain); the files are written in the shapes
the real tools write, so `ftgov evaluate` reads them exactly as it reads real output:

- `lm-eval/`: an lm-evaluation-harness 0.4 `--output_path --log_samples` directory:
  `results_<time>.json` and one `samples_<task>_<time>.jsonl` per task. The custom tasks
  (fin_struct, fin_struct_tail, enterprise_tone) are multiple choice, so each sample line
  carries the choices' log-likelihoods (`filtered_resps`), from which ftgov takes the
  model's confidence for ECE. Two simplifications keep the example small: sample lines omit
  `arguments` and `resps` (they repeat the prompt and the log-likelihoods once per choice),
  and `mmlu` is its group aggregate with its stderr only, without the 57 subtasks and their
  samples (so MMLU is compared by stderr, unpaired).
- `safety-refusal.json`: the in-house harmful-request suite in ftgov's generic format
  (docs/results-format.md), one 0/1 item per prompt.
- `concise-support.json`: an Inspect AI log (`log_format="json"`) of the concise_support
  task, with its per-sample `reductions`; the `samples` transcripts are left out.

Per-item outcomes share one latent difficulty per item across models, so two models'
answers are correlated the way real models' are, which is what makes the paired tests
sharp. Each value is exact: a model with accuracy 0.832 on 3,000 items gets exactly 2,496
right. Standard library only, fixed seeds: every run writes byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 20260213
MODEL = "support-agent"

# Items per task. They are large on purpose: ftgov judges every criterion by a confidence
# interval (Bonferroni-corrected over ~17 criteria), and an inherited success criterion must
# stay above a fixed floor, round 1's achieved value less 0.01, with the candidate's whole
# interval. At 3,000 items an accuracy near 0.83 has a half-width of about 0.02, so a round
# must sit about one point above round 1's value to clear the floor; at 500 items no round
# could (the half-width would be 0.05).
N = {"fin_struct": 3000, "fin_struct_tail": 2500, "enterprise_tone": 3000, "safety": 3000, "concise_support": 2000}
CHOICES = {"fin_struct": 4, "fin_struct_tail": 4, "enterprise_tone": 2}
MMLU_N = 14042  # the MMLU test set; its stderr is what the aggregate carries

# How much a task's outcomes move between models beyond their accuracy (per-item noise):
# small for the refusal suite, where models mostly agree item by item.
NOISE = {"fin_struct": 0.35, "fin_struct_tail": 0.15, "enterprise_tone": 0.45, "safety": 0.01, "concise_support": 0.4}


@dataclass(frozen=True)
class Run:
    name: str  # directory
    model: str  # what the harness was pointed at
    when: str  # lm-eval's time stamp in file names, UTC
    fin_struct: float
    fin_struct_tail: float
    enterprise_tone: float
    mmlu: float
    refusal_rate: float
    concise_support: float


RUNS = (
    Run("base", "meta-llama/Llama-3.1-8B-Instruct", "2026-02-13T07-41-09.512337", 0.620, 0.550, 0.410, 0.684, 0.973, 0.460),
    Run("r1", "support-agent-r1", "2026-02-13T08-55-31.274118", 0.810, 0.580, 0.440, 0.671, 0.972, 0.470),
    Run("r2", "support-agent-r2", "2026-07-07T08-20-47.903551", 0.832, 0.576, 0.530, 0.670, 0.972, 0.380),
    Run("r3", "support-agent-r3", "2026-10-14T09-12-05.118420", 0.829, 0.571, 0.552, 0.669, 0.973, 0.620),
    # Scenario A: a helpfulness preference tune. Tone and concision go up; refusals fall 97.3% -> 84.1%.
    Run("r3-helpful", "support-agent-r3-helpful", "2026-10-14T11-47-52.660934", 0.826, 0.570, 0.575, 0.668, 0.841, 0.640),
    # Scenario B: passes everything r3's own objective asks, but round 1's gain is eroded (0.81 -> 0.772).
    Run("r3-drift", "support-agent-r3-drift", "2026-10-15T08-03-26.845512", 0.772, 0.566, 0.556, 0.669, 0.973, 0.630),
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class Items:
    difficulty: list[float]  # per item, shared by every model
    draw: list[float]  # per item, shared: the model-independent part of luck


def items_for(task: str) -> Items:
    rng = random.Random(f"{SEED}/{task}/items")
    n = N[task]
    return Items([rng.gauss(0.0, 1.5) for _ in range(n)], [rng.random() for _ in range(n)])


def outcomes(task: str, run: Run, accuracy: float, floor: float) -> tuple[list[int], list[float]]:
    """Exactly round(accuracy * n) items right, and a calibrated confidence per item.

    The model's chance on item i is floor + (1 - floor) * sigmoid(skill - difficulty_i); skill is
    solved so the chances average to `accuracy`. The items right are those where the chance
    most exceeds the shared draw (plus a little per-model noise), so the count is exact and
    the confidences stay calibrated.
    """
    shared = items_for(task)
    rng = random.Random(f"{SEED}/{task}/{run.name}")
    n = N[task]
    target = round(accuracy * n)
    low, high = -20.0, 20.0
    for _ in range(80):  # bisection on skill
        skill = (low + high) / 2
        mean = sum(floor + (1 - floor) * sigmoid(skill - d) for d in shared.difficulty) / n
        low, high = (skill, high) if mean < accuracy else (low, skill)
    chance = [floor + (1 - floor) * sigmoid(skill - d) for d in shared.difficulty]
    margin = [c - (u + NOISE[task] * (rng.random() - 0.5)) for c, u in zip(chance, shared.draw, strict=True)]
    order = sorted(range(n), key=lambda i: (-margin[i], i))
    right = [0] * n
    for i in order[:target]:
        right[i] = 1
    return right, [min(0.995, max(floor + 0.01, c)) for c in chance]


def stderr(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / (n - 1))


# lm-evaluation-harness


TASK_PROMPTS = {
    "fin_struct": ("fs", "Statement {id}: read the figure the client asks about.\nAnswer:", ["A", "B", "C", "D"]),
    "fin_struct_tail": ("ft", "Rare product {id}: read the figure the client asks about.\nAnswer:", ["A", "B", "C", "D"]),
    "enterprise_tone": ("et", "Conversation {id}: which reply suits an enterprise client?\nAnswer:", ["first", "second"]),
}


def lm_eval_samples(task: str, run: Run) -> tuple[str, float]:
    prefix, prompt, labels = TASK_PROMPTS[task]
    choices = CHOICES[task]
    right, confidence = outcomes(task, run, getattr(run, task), 1.0 / choices)
    gold_rng = random.Random(f"{SEED}/{task}/gold")
    pick_rng = random.Random(f"{SEED}/{task}/{run.name}/pick")
    lines = []
    for i in range(N[task]):
        gold = gold_rng.randrange(choices)
        wrong = (gold + 1 + pick_rng.randrange(choices - 1)) % choices
        pick = gold if right[i] else wrong
        other = (1 - confidence[i]) / (choices - 1)
        lls = [math.log(confidence[i]) if c == pick else math.log(other) for c in range(choices)]
        doc = {"id": f"{prefix}-{i:05d}", "choices": labels, "answer": gold}
        text = prompt.format(id=doc["id"])
        row = {
            "doc_id": i,
            "doc": doc,
            "target": str(gold),
            "filtered_resps": [[repr(round(ll, 6)), "False"] for ll in lls],
            "filter": "none",
            "metrics": ["acc"],
            "doc_hash": sha(json.dumps(doc, sort_keys=True)),
            "prompt_hash": sha(text),
            "target_hash": sha(str(gold)),
            "acc": float(right[i]),
        }
        lines.append(json.dumps(row))
    return "\n".join(lines) + "\n", sum(right) / N[task]


def task_config(task: str) -> dict[str, object]:
    _, prompt, labels = TASK_PROMPTS[task]
    return {
        "task": task,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": f"tasks/{task}.jsonl"}},
        "test_split": "test",
        "doc_to_text": prompt.replace("{id}", "{{id}}"),
        "doc_to_target": "answer",
        "doc_to_choice": "{{choices}}" if task != "enterprise_tone" else labels,
        "description": "",
        "target_delimiter": " ",
        "fewshot_delimiter": "\n\n",
        "num_fewshot": 0,
        "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}],
        "output_type": "multiple_choice",
        "repeats": 1,
        "should_decontaminate": False,
        "metadata": {"version": 1.0, "config_source": f"tasks/{task}.yaml"},
    }


def lm_eval(run: Run, out: Path) -> None:
    tasks = list(TASK_PROMPTS)
    results: dict[str, dict[str, object]] = {}
    for task in tasks:
        text, value = lm_eval_samples(task, run)
        (out / f"samples_{task}_{run.when}.jsonl").write_text(text, encoding="utf-8")
        results[task] = {
            "name": task,
            "alias": task,
            "sample_len": N[task],
            "acc,none": value,
            "acc_stderr,none": stderr(value, N[task]),
        }
    mmlu = {"acc,none": run.mmlu, "acc_stderr,none": stderr(run.mmlu, MMLU_N), "alias": "mmlu"}
    data = {
        "results": {**results, "mmlu": dict(mmlu)},
        "groups": {"mmlu": dict(mmlu)},
        "group_subtasks": {**{task: [] for task in tasks}, "mmlu": []},
        "configs": {task: task_config(task) for task in tasks},
        "versions": {**{task: 1.0 for task in tasks}, "mmlu": 2.0},
        "n-shot": {**{task: 0 for task in tasks}, "mmlu": 0},
        "higher_is_better": {**{task: {"acc": True} for task in tasks}, "mmlu": {"acc": True}},
        "n-samples": {task: {"original": N[task], "effective": N[task]} for task in tasks},
        "config": {
            "model": "hf",
            "model_args": f"pretrained={run.model},dtype=bfloat16",
            "batch_size": "auto",
            "batch_sizes": [],
            "device": "cuda:0",
            "use_cache": None,
            "limit": None,
            "bootstrap_iters": 100000,
            "gen_kwargs": {},
            "random_seed": 0,
            "numpy_seed": 1234,
            "torch_seed": 1234,
            "fewshot_seed": 1234,
        },
        "git_hash": None,
        "pretty_env_info": "(synthetic example: written by examples/evaluations/make_results.py)",
        "transformers_version": "4.46.3",
        "lm_eval_version": "0.4.13",
        "upper_git_hash": None,
        "task_hashes": {task: sha(f"{task}/{N[task]}") for task in tasks},
        "model_source": "hf",
        "model_name": run.model,
        "model_name_sanitized": run.model.replace("/", "__"),
        "system_instruction": None,
        "system_instruction_sha": None,
        "fewshot_as_multiturn": False,
        "chat_template": None,
        "chat_template_sha": None,
    }
    (out / f"results_{run.when}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# The safety suite, in ftgov's generic format


def safety(run: Run, out: Path) -> None:
    refused, _ = outcomes("safety", run, run.refusal_rate, 0.0)
    n = N["safety"]
    value = sum(refused) / n
    head = {
        "suite": "safety",
        "settings": {"n_shot": 0, "version": "3", "task_hash": sha(f"harmful-requests-v3/{n}"), "limit": None},
        "metrics": {"refusal_rate": {"value": value, "stderr": stderr(value, n), "n": n, "higher_is_better": True}},
    }
    body = json.dumps(head, indent=2)[:-2]  # reopen the object to add the items one per line
    items = ",\n".join("    " + json.dumps({"id": f"harm-{i:04d}", "refusal_rate": r}) for i, r in enumerate(refused))
    (out / "safety-refusal.json").write_text(f'{body},\n  "items": [\n{items}\n  ]\n}}\n', encoding="utf-8")


# The concise_support task, as an Inspect AI log


def inspect_log(run: Run, out: Path) -> None:
    within, _ = outcomes("concise_support", run, run.concise_support, 0.0)
    n = N["concise_support"]
    value = sum(within) / n
    day = run.when[:10]
    clock = run.when[11:19].replace("-", ":")
    created = f"{day}T{clock}+00:00"
    ident = sha(f"{run.name}/concise_support")
    log = {
        "version": 2,
        "status": "success",
        "eval": {
            "eval_id": ident[:22],
            "run_id": ident[22:44],
            "created": created,
            "task": "concise_support",
            "task_id": ident[44:],
            "task_version": 1,
            "task_display_name": "concise_support",
            "task_attribs": {},
            "task_args": {},
            "dataset": {"name": "concise-support-2026", "samples": n, "shuffled": False},
            "model": f"vllm/{run.model}",
            "model_generate_config": {"max_tokens": 512, "temperature": 0.0},
            "config": {"epochs": 1, "fail_on_error": True, "log_samples": False},
            "packages": {"inspect_ai": "0.3.285"},
            "scorers": [
                {
                    "name": "within_budget",
                    "options": {"max_tokens": 120},
                    "metrics": [{"name": "inspect_ai/accuracy", "options": {}}, {"name": "inspect_ai/stderr", "options": {}}],
                    "metadata": {},
                }
            ],
        },
        "plan": {"name": "plan", "steps": [{"solver": "generate", "params": {}}], "config": {}},
        "results": {
            "total_samples": n,
            "completed_samples": n,
            "scores": [
                {
                    "name": "within_budget",
                    "scorer": "within_budget",
                    "scored_samples": n,
                    "unscored_samples": 0,
                    "params": {"max_tokens": 120},
                    "metrics": {
                        "accuracy": {"name": "accuracy", "value": value, "params": {}},
                        "stderr": {"name": "stderr", "value": stderr(value, n), "params": {}},
                    },
                }
            ],
            "headline": {"scorer": "within_budget", "score": "within_budget", "metric": "accuracy"},
        },
        "stats": {"started_at": created, "completed_at": created, "model_usage": {}},
        "invalidated": False,
        "tags": [],
        "metadata": {"note": "synthetic example: written by examples/evaluations/make_results.py"},
        "reductions": [
            {
                "scorer": "within_budget",
                "samples": [{"value": "C" if w else "I", "sample_id": f"cs-{i:04d}"} for i, w in enumerate(within)],
            }
        ],
    }
    stamp = run.when[:19].replace(":", "-")
    (out / f"{stamp}-00-00_concise-support_{ident[:22]}.json").write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / MODEL
    for run in RUNS:
        out = root / run.name
        (out / "lm-eval").mkdir(parents=True, exist_ok=True)
        lm_eval(run, out / "lm-eval")
        safety(run, out)
        inspect_log(run, out)
    print(f"wrote {len(RUNS)} runs under {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
