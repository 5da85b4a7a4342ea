"""FTG5xx: data preparation facts that make the evaluation trustworthy (docs/why.md#data-preparation, AG-340)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ftgov.documents.access import mapping, number, sequence, text, zoned_time
from ftgov.documents.corrected import corrected
from ftgov.documents.document import Document
from ftgov.documents.findings import Finding, Pointer, Rule, Severity
from ftgov.documents.lifecycle import RANK
from ftgov.documents.policy import DataThresholds, Policy

E = Severity.ERROR
W = Severity.WARNING
_WHY = "docs/why.md#data-preparation"

VALIDATION_CONTAMINATED = Rule(
    "FTG501",
    "validation-is-training-source",
    E,
    """
The validation set comes from a source that is also used for training.

Why this matters: validation drawn from the training corpus shares its style and
terms, so it overstates generalisation: one team saw 94% on validation and 71% in
production (docs/why.md#data-preparation).

Example:
    sources: [{name: support-transcripts-2026, ...}]
    validation: {source: support-transcripts-2026, records: 2000}

Fix: validate on a held-out source, ideally sampled from production inputs.
""",
)

RIGHTS_NOT_CLEARED = Rule(
    "FTG502",
    "rights-not-cleared",
    E,
    """
A training source's rights are not cleared, or the clearance has no reference.

Why this matters: AG-340 requires training data to be cleared for this use before
training; a model trained on uncleared data may have to be withdrawn.

Example: `rights: {status: pending}`

Fix: complete the rights review, then set `status: cleared` and `reference:` to the
ticket or register entry that records it.
""",
)

REPLAY_RANGE = Rule(
    "FTG503",
    "replay-fraction-out-of-range",
    E,
    """
dataset.replay_fraction is not a fraction between 0 and 1.

Why this matters: the replay fraction is the share of general-capability data mixed
in against forgetting (docs/why.md#forgetting); 10 (meant as 10%) is not a share.

Example: `replay_fraction: 10`

Fix: write the share as a fraction: 0.1 for 10%.
""",
)

TRAIN_VALIDATION_OVERLAP = Rule(
    "FTG504",
    "train-validation-overlap",
    E,
    f"""
The recorded data evidence shows more validation records in the training data than the policy allows, or was measured loosely.

Why this matters: a validation record that is also a training record (a copy, a near-copy,
or the same document) was learnt, not held out; the validation score then measures memory,
and overstates what the model does on new inputs ({_WHY}). The share is computed from the
counts `ftgov data check --record` wrote (contaminated / records, shared_ids / records),
never read from the register, and it is only as good as the method: a higher Jaccard
threshold or another shingle size than the policy's data.near_duplicate finds fewer
near-copies, and fewer than 16 MinHash permutations estimate nothing. Counts that
contradict each other (12 exact copies but 0 contaminated records) are not evidence, and
a declared training source that was not measured was never compared at all.

Example: `train_validation: {{source: production-sample-2026-10, records: 2000, exact: 12,
near: 30, contaminated: 38}}` against the default data.max_train_validation_overlap 0.01
(38 of 2,000 is 1.9%); or `method: {{name: minhash-lsh, ngram: 3, threshold: 0.99, ...}}`.

Fix: remove the contaminated records from the training data (the command prints examples),
or hold out another validation source, then measure again with `ftgov data check ID
--source NAME=PATH ... --record` and the policy's method. Never edit the recorded counts.
""",
)

TRAIN_EVAL_OVERLAP = Rule(
    "FTG505",
    "train-eval-overlap",
    E,
    f"""
The recorded data evidence shows more records of an evaluation set in the training data than the policy allows.

Why this matters: an evaluation set whose items were trained on reports what the model
memorised; a benchmark score that decides the round (or a regression boundary) then says
nothing about the capability it names ({_WHY}). The share is computed from the recorded
counts (contaminated / records, shared_ids / records) for every set measured with --eval,
and every evaluation set measured must have been compared.

Example: `train_eval: {{mmlu-subset: {{source: mmlu-subset, records: 500, exact: 9, near: 3,
contaminated: 11}}}}` against the default data.max_train_eval_overlap 0.01 (11 of 500 is 2.2%).

Fix: remove the evaluation items from the training data and measure again with `ftgov data
check ID --source NAME=PATH ... --eval NAME=PATH --record`, or evaluate on a set the
training data does not contain.
""",
)

RECORDS_DIFFER = Rule(
    "FTG506",
    "records-differ-from-declared",
    W,
    f"""
A measured source's record count differs from what the objective declares, or a declared source was not measured.

Why this matters: reviewers approved the objective's dataset: these sources, this many
records of each. A training file with a third fewer records (a failed export, a filter
nobody reviewed), a validation set of another size, or a declared source nobody measured
means the data trained on is not the data approved, and the contamination counts do not
cover it ({_WHY}). The count is compared with the objective itself
(dataset.sources[].records, dataset.validation.records), never with the copy the register
keeps beside it.

Example: the objective declares `{{name: support-transcripts-2026, records: 48000}}`; the
recorded `sources` entry says `records: 31000` (35.4% fewer than declared; the default
data.records_tolerance is 0.05).

Fix: measure the file the objective means, or, if the data really changed, amend the
objective (a new objective id that `supersedes` this one) so reviewers approve what is
trained on; then record again.
""",
)

AGREEMENT_LOW = Rule(
    "FTG507",
    "label-agreement-low",
    W,
    f"""
Annotators of a labelled source agree less than the policy's min_label_agreement (Krippendorff's alpha).

Why this matters: labels that annotators do not agree on are noise, and a model learns
noisy labels faithfully; an alpha below about 0.667 does not support even tentative
conclusions from the labels, let alone training on them ({_WHY}).

Example: `agreement: [{{source: support-transcripts-2026, level: nominal, alpha: 0.52,
items: 400, annotators: 3}}]` against the default data.min_label_agreement 0.667.

Fix: sharpen the labelling guidelines and relabel (or adjudicate the disagreements), then
measure again with `ftgov data check --record`.
""",
)

PREDATES_DEFINITION = Rule(
    "FTG508",
    "data-predates-task-definition",
    W,
    f"""
Records of a round that amends an objective were collected before the amended definition took effect.

Why this matters: an objective that `supersedes` another changes the task definition. Data
collected before the change was collected (and labelled) for the definition it replaced;
mixed with newer data, it teaches a blend of the old task and the new one: correct for most
cases, systematically wrong where the definition changed ({_WHY}). The boundary is this
round's approval.merged_at (as corrected), or, before it is approved, the approval of the
objective it supersedes: anything older certainly predates the amendment. A round that
amends nothing has no such boundary (its data is usually collected before it is approved).

Example: `supersedes: support-agent-r2` and `dates: [{{source: support-transcripts-2026,
field: collected_at, earliest: 2025-07-01T00:00:00Z, ...}}]`, where support-agent-r2 was
approved at 2026-02-02T10:00:00Z.

Fix: review the older records against the amended definition: relabel them, or drop them and
measure again (`--date-field` shows how many predate the boundary). Where the amendment did
not touch what they teach, say so in the PR, where the reviewers accept the warning.
"""
)

EVIDENCE_MISSING = Rule(
    "FTG509",
    "data-evidence-missing",
    E,
    f"""
A round approved or later records no data evidence, and the policy requires it (data.required: true).

Why this matters: without measured evidence, contamination between training, validation and
evaluation data, label agreement and record counts are whatever the objective claims
({_WHY}). The evidence can be recorded only while the round is proposed, approved, training
or trained.

Example: `status: trained` and no `data` in the round, under a policy with
`data: {{required: true}}`.

Fix: run `ftgov data check ID --source NAME=PATH ... --record` before the round is evaluated.
A round already past trained cannot record it any more: for rounds recorded before the
policy required it, add a reviewed waiver of FTG509 for the register with an expiry.
""",
)

RULES = (
    VALIDATION_CONTAMINATED,
    RIGHTS_NOT_CLEARED,
    REPLAY_RANGE,
    TRAIN_VALIDATION_OVERLAP,
    TRAIN_EVAL_OVERLAP,
    RECORDS_DIFFER,
    AGREEMENT_LOW,
    PREDATES_DEFINITION,
    EVIDENCE_MISSING,
)
# The rules on a round's recorded data evidence (`recorded`): what `ftgov data check --record` may write
# although they fire, and what the gate lets the policy's waivers excuse.
RECORDED_CODES = frozenset(rule.code for rule in RULES[3:])


def check(doc: Document, policy: Policy | None) -> Iterator[Finding]:
    dataset = mapping(doc.data, "dataset")
    sources = sequence(dataset, "sources")
    training = {text(s, "name") for s in sources if isinstance(s, dict)} - {None}
    validation_source = text(mapping(dataset, "validation"), "source")
    if validation_source is not None and validation_source in training:
        yield VALIDATION_CONTAMINATED.at(
            doc.path,
            ("dataset", "validation", "source"),
            f"validation source '{validation_source}' is also a training source; hold out a separate source",
        )
    for i, source in enumerate(sources):
        if not isinstance(source, dict):
            continue
        name = text(source, "name") or f"sources[{i}]"
        rights = mapping(source, "rights")
        status = text(rights, "status")
        if status is None:
            continue  # the schema reports the missing status
        if status != "cleared":
            yield RIGHTS_NOT_CLEARED.at(
                doc.path,
                ("dataset", "sources", i, "rights", "status"),
                f"source '{name}' has rights status '{status}'; only cleared sources may be trained on",
            )
        elif not text(rights, "reference"):
            yield RIGHTS_NOT_CLEARED.at(
                doc.path,
                ("dataset", "sources", i, "rights"),
                f"source '{name}' is marked cleared but names no reference recording the clearance",
                at_key=True,
            )
    replay = number(dataset, "replay_fraction")
    if replay is not None and not 0 <= replay <= 1:
        yield REPLAY_RANGE.at(doc.path, ("dataset", "replay_fraction"), f"replay_fraction must be in [0, 1], got {replay:g}")


# --- FTG504-FTG509: a register round's recorded data evidence (`ftgov data check --record`) ---------------

_TRAINING_ROLES = ("train", "replay")
_MIN_PERMUTATIONS = 16  # fewer MinHash permutations estimate Jaccard too coarsely to find near-copies


@dataclass(frozen=True)
class _Round:
    """Where a round's findings go and how its messages name it."""

    path: str
    pointer: Pointer  # ("rounds", i)
    name: str  # the round's objective id

    def at(self, *keys: str | int) -> Pointer:
        return (*self.pointer, "data", *keys)


@dataclass(frozen=True)
class _Declared:
    """What the round's objective declares: training sources (name -> records) and the validation source."""

    training: dict[str, int | None]
    validation: str | None
    validation_records: int | None

    @classmethod
    def of(cls, objective: Document) -> _Declared:
        dataset = mapping(objective.data, "dataset")
        training: dict[str, int | None] = {}
        for source in sequence(dataset, "sources"):
            name = text(source, "name")
            if name is not None:
                training.setdefault(name, _count(source, "records"))
        validation = mapping(dataset, "validation")
        return cls(training, text(validation, "source"), _count(validation, "records"))


def recorded(
    path: str, index: int, entry: dict[str, Any], objective: Document | None, policy: Policy | None, rounds: list[Any]
) -> Iterator[Finding]:
    """FTG504-FTG509 for register round `index` (`entry` as recorded; `objective` its parsed objective, when it exists).

    `rounds` is the register's whole `rounds` list: FTG508 reads the approval of the round an
    objective supersedes. Every share is computed here from the recorded counts.
    """
    limits = policy.data if policy is not None else DataThresholds()
    here = _Round(path, ("rounds", index), text(entry, "objective") or f"rounds[{index}]")
    evidence = entry.get("data")
    if not isinstance(evidence, dict):
        yield from _missing(here, entry, limits)
        return
    declared = _Declared.of(objective) if objective is not None else None
    sources = [s for s in sequence(evidence, "sources") if isinstance(s, dict)]
    pinned = {name: _count(s, "records") for s in reversed(sources) if (name := text(s, "name")) is not None}
    yield from _validation_overlap(here, evidence, declared, pinned, limits)
    yield from _eval_overlap(here, evidence, pinned, limits)
    if declared is not None:
        yield from _records(here, sequence(evidence, "sources"), declared, limits)
    yield from _agreement(here, sequence(evidence, "agreement"), limits)
    yield from _predates(here, entry, objective, rounds, sequence(evidence, "dates"))


def _missing(here: _Round, entry: dict[str, Any], limits: DataThresholds) -> Iterator[Finding]:
    """FTG509: with data.required, a round approved or later (on the forward path) records `data`."""
    status = text(entry, "status")
    if limits.required and status in RANK and RANK[status] >= RANK["approved"]:
        yield EVIDENCE_MISSING.at(
            here.path,
            (*here.pointer, "status"),
            f"round {here.name} is {status} but records no data evidence; the policy requires it (data.required): "
            f"run `ftgov data check {here.name} --source NAME=PATH ... --record` before the round is evaluated",
        )


def _validation_overlap(
    here: _Round, evidence: dict[str, Any], declared: _Declared | None, pinned: dict[str, int | None], limits: DataThresholds
) -> Iterator[Finding]:
    """FTG504: the method is no looser than the policy's, the counts agree, and the share is within the limit."""
    overlap = evidence.get("overlap")
    if not isinstance(overlap, dict):
        yield TRAIN_VALIDATION_OVERLAP.at(
            here.path,
            (*here.pointer, "data"),
            f"round {here.name} records data evidence without an overlap measurement: nothing shows the validation records "
            "are not in the training data; measure with the validation source",
            at_key=True,
        )
        return
    yield from _method(here, mapping(overlap, "method"), limits)
    measured = overlap.get("train_validation")
    if not isinstance(measured, dict):
        yield TRAIN_VALIDATION_OVERLAP.at(
            here.path,
            here.at("overlap"),
            f"round {here.name} records no train_validation overlap: nothing shows the validation records are not in the "
            "training data; measure with the validation source",
            at_key=True,
        )
        return
    yield from _uncompared_training(here, evidence, declared)
    expected = declared.validation if declared is not None else None
    source = text(measured, "source")
    if expected is not None and source is not None and source != expected:
        yield TRAIN_VALIDATION_OVERLAP.at(
            here.path,
            here.at("overlap", "train_validation", "source"),
            f"round {here.name}: the training data was compared with {source}, but the objective's validation source is {expected}",
        )
    yield from _contamination(
        TRAIN_VALIDATION_OVERLAP,
        here,
        ("overlap", "train_validation"),
        measured,
        pinned,
        _Limit(limits.max_train_validation_overlap, "data.max_train_validation_overlap", "validation records", "of"),
    )
    yield from _ids(TRAIN_VALIDATION_OVERLAP, here, ("overlap", "train_validation"), measured, text(mapping(evidence, "fields"), "id"))


def _uncompared_training(here: _Round, evidence: dict[str, Any], declared: _Declared | None) -> Iterator[Finding]:
    """FTG504: every declared training source was among the training data compared; an unmeasured one may hold any copy."""
    if declared is None:
        return
    compared = {text(s, "name") for s in sequence(evidence, "sources") if text(s, "role") in _TRAINING_ROLES}
    for name in declared.training:
        if name not in compared:
            yield TRAIN_VALIDATION_OVERLAP.at(
                here.path,
                here.at("sources"),
                f"round {here.name}: declared training source {name} was not measured, so its records were never compared "
                "with the validation records; measure every training source with --source",
                at_key=True,
            )


def _method(here: _Round, method: dict[str, Any], limits: DataThresholds) -> Iterator[Finding]:
    """FTG504: a recorded method that finds fewer near-copies than the policy's would hide contamination."""
    policy = limits.near_duplicate
    threshold = number(method, "threshold")
    if threshold is not None and not threshold <= policy.threshold:  # NaN is no threshold the policy allows
        yield TRAIN_VALIDATION_OVERLAP.at(
            here.path,
            here.at("overlap", "method", "threshold"),
            f"round {here.name}: near-copies were measured from Jaccard {threshold:g}, looser than the policy's {policy.threshold:g} "
            "(data.near_duplicate.threshold): pairs between the two were not counted",
        )
    ngram = _count(method, "ngram")
    if ngram is not None and ngram != policy.ngram:
        yield TRAIN_VALIDATION_OVERLAP.at(
            here.path,
            here.at("overlap", "method", "ngram"),
            f"round {here.name}: near-copies were measured over {ngram}-word shingles; the policy measures over {policy.ngram} "
            "(data.near_duplicate.ngram)",
        )
    permutations = _count(method, "num_perm")
    if permutations is not None and permutations < _MIN_PERMUTATIONS:
        yield TRAIN_VALIDATION_OVERLAP.at(
            here.path,
            here.at("overlap", "method", "num_perm"),
            f"round {here.name}: {permutations} MinHash permutations cannot estimate Jaccard similarity; use at least {_MIN_PERMUTATIONS}",
        )


def _eval_overlap(here: _Round, evidence: dict[str, Any], pinned: dict[str, int | None], limits: DataThresholds) -> Iterator[Finding]:
    """FTG505: every evaluation set measured was compared with the training data, within the limit."""
    compared = mapping(mapping(evidence, "overlap"), "train_eval")
    limit = _Limit(limits.max_train_eval_overlap, "data.max_train_eval_overlap", "records", "of evaluation set")
    for name, measured in compared.items():
        if not isinstance(measured, dict):
            continue  # the schema reports it
        source = text(measured, "source")
        if source is not None and source != name:
            yield TRAIN_EVAL_OVERLAP.at(
                here.path,
                here.at("overlap", "train_eval", name, "source"),
                f"round {here.name}: train_eval entry {name} was measured against {source}; each entry measures the set it is named for",
            )
        yield from _contamination(TRAIN_EVAL_OVERLAP, here, ("overlap", "train_eval", name), measured, pinned, limit)
        yield from _ids(TRAIN_EVAL_OVERLAP, here, ("overlap", "train_eval", name), measured, text(mapping(evidence, "fields"), "id"))
    for k, file in enumerate(sequence(evidence, "sources")):
        measured_set = text(file, "name")
        if text(file, "role") == "eval" and measured_set is not None and measured_set not in compared:
            yield TRAIN_EVAL_OVERLAP.at(
                here.path,
                here.at("sources", k, "name"),
                f"round {here.name}: evaluation set {measured_set} was measured but never compared with the training data "
                f"(no overlap.train_eval.{measured_set})",
            )


@dataclass(frozen=True)
class _Limit:
    share: float  # the policy's largest allowed share
    setting: str  # where the policy says so
    unit: str  # what `records` counts, in messages
    of: str  # how messages name the held-out set: "of production-sample-2026-10", "of evaluation set mmlu-subset"


def _ids(rule: Rule, here: _Round, keys: tuple[str, ...], measured: dict[str, Any], id_field: str | None) -> Iterator[Finding]:
    """With an id field recorded (fields.id) every comparison counts shared_ids, and without one none does.

    shared_ids is optional in the schema (no --id-field, nothing counted); deleting it where ids
    were compared would hide documents that are in both sets under another wording.
    """
    source = text(measured, "source") or "?"
    if id_field is not None and "shared_ids" not in measured:
        yield rule.at(
            here.path,
            here.at(*keys),
            f"round {here.name}: document ids ({id_field}) were compared, but the comparison with {source} records no shared_ids",
            at_key=True,
        )
    elif id_field is None and "shared_ids" in measured:
        yield rule.at(
            here.path,
            here.at(*keys, "shared_ids"),
            f"round {here.name}: shared_ids of {source} is recorded, but data.fields names no id field it was counted by",
        )


def _contamination(
    rule: Rule,
    here: _Round,
    keys: tuple[str, ...],
    measured: dict[str, Any],
    pinned: dict[str, int | None],
    limit: _Limit,
) -> Iterator[Finding]:
    """One contamination entry: consistent counts, then contaminated / records and shared_ids / records within the limit.

    Counts that contradict each other are the finding: a share computed from them would be a number someone chose.
    """
    source = text(measured, "source") or "?"
    records, exact, near = _count(measured, "records"), _count(measured, "exact"), _count(measured, "near")
    contaminated, shared = _count(measured, "contaminated"), _count(measured, "shared_ids")
    if records is not None and source in pinned and pinned[source] is not None and pinned[source] != records:
        yield rule.at(
            here.path,
            here.at(*keys, "records"),
            f"round {here.name}: {records:,} records of {source} were compared, "
            f"but data.sources pins {pinned[source]:,} read from its file",
        )
    if records is None or exact is None or near is None or contaminated is None:
        return  # the schema reports a missing or malformed count
    wrong: list[tuple[str, str]] = []
    if records == 0:
        wrong.append(("records", f"no record of {source} was compared: nothing shows it is not in the training data"))
    if contaminated > records:
        wrong.append(("contaminated", f"{contaminated:,} contaminated of only {records:,} records of {source}"))
    elif contaminated == 0 and exact + near > 0:
        copies = f"{exact:,} exact and {near:,} near copies of records of {source} are in the training data"
        wrong.append(("contaminated", f"{copies}, but 0 contaminated"))
    elif contaminated > exact + near:
        wrong.append(
            ("contaminated", f"{contaminated:,} contaminated records of {source}, but only {exact + near:,} training records match any")
        )
    if shared is not None and shared > records:
        wrong.append(("shared_ids", f"{shared:,} records of {source} share a document id with training, of only {records:,}"))
    for key, why in wrong:
        yield rule.at(here.path, here.at(*keys, key), f"round {here.name}: the recorded counts contradict each other: {why}")
    if wrong:
        return
    allowed = f"the policy allows {_shown(limit.share)} ({limit.setting})"
    if _above(contaminated, records, limit.share):
        yield rule.at(
            here.path,
            here.at(*keys, "contaminated"),
            f"round {here.name}: {contaminated:,} of {records:,} {limit.unit} ({_percent(contaminated, records, limit.share)}) "
            f"{limit.of} {source} have a copy or near-copy in the training data; {allowed}",
        )
    if shared is not None and _above(shared, records, limit.share):
        yield rule.at(
            here.path,
            here.at(*keys, "shared_ids"),
            f"round {here.name}: {shared:,} of {records:,} {limit.unit} ({_percent(shared, records, limit.share)}) "
            f"{limit.of} {source} share a document id with the training data; {allowed}",
        )


def _records(here: _Round, sources: list[Any], declared: _Declared, limits: DataThresholds) -> Iterator[Finding]:
    """FTG506: each measured training or validation source against the objective's declared count; declared sources measured.

    A source given as several files (shards) is one source: its files' records are summed before
    they are compared, and the finding points at its first file.
    """
    totals: dict[tuple[str, str], tuple[int, int | None]] = {}  # (training|validation, name) -> (first entry, records or None)
    for k, source in enumerate(sources):
        name, role, records = text(source, "name"), text(source, "role"), _count(source, "records")
        if name is None or role is None or role not in (*_TRAINING_ROLES, "validation"):
            continue  # an evaluation set declares no count
        kind = "training" if role in _TRAINING_ROLES else "validation"
        if kind == "training" and name not in declared.training:
            yield RECORDS_DIFFER.at(
                here.path,
                here.at("sources", k, "name"),
                f"round {here.name}: training source {name} was measured but the objective does not declare it in dataset.sources",
            )
            continue
        if kind == "validation" and name != declared.validation:
            yield RECORDS_DIFFER.at(
                here.path,
                here.at("sources", k, "name"),
                f"round {here.name}: {name} was measured as the validation set, but the objective's validation source is "
                f"{declared.validation}",
            )
            continue
        first, total = totals.get((kind, name), (k, 0))
        totals[(kind, name)] = (first, None if total is None or records is None else total + records)
    for (kind, name), (first, records) in totals.items():
        expected = declared.training[name] if kind == "training" else declared.validation_records
        if records is not None and expected is not None and _differs(records, expected, limits.records_tolerance):
            files = sum(1 for s in sources if text(s, "name") == name and text(s, "role") != "eval")
            across = f" across {files} files" if files > 1 else ""
            yield RECORDS_DIFFER.at(
                here.path,
                here.at("sources", first, "records"),
                f"round {here.name}: {name} has {records:,} records{across}; the objective declares {expected:,} "
                f"({_difference(records, expected)}); the policy tolerates {_shown(limits.records_tolerance)} (data.records_tolerance)",
            )
    measured = set(totals)
    unmeasured = [(n, c) for n, c in declared.training.items() if ("training", n) not in measured]
    if declared.validation is not None and ("validation", declared.validation) not in measured:
        unmeasured.append((declared.validation, declared.validation_records))
    for name, count in unmeasured:
        kind_text = "validation source" if name == declared.validation else "training source"
        declared_count = f" ({count:,} records)" if count is not None else ""
        yield RECORDS_DIFFER.at(
            here.path,
            here.at("sources"),
            f"round {here.name}: declared {kind_text} {name}{declared_count} was not measured (no entry in data.sources)",
            at_key=True,
        )


def _agreement(here: _Round, agreement: list[Any], limits: DataThresholds) -> Iterator[Finding]:
    """FTG507: Krippendorff's alpha of each labelled source reaches min_label_agreement."""
    for k, entry in enumerate(agreement):
        alpha = number(entry, "alpha")
        if alpha is None or alpha >= limits.min_label_agreement:
            continue
        items, annotators = _count(entry, "items"), _count(entry, "annotators")
        over = f" over {items:,} items" if items is not None else ""
        among = f" ({annotators} annotators)" if annotators is not None else ""
        yield AGREEMENT_LOW.at(
            here.path,
            here.at("agreement", k, "alpha"),
            f"round {here.name}: annotators of {text(entry, 'source') or '?'} agree with Krippendorff's alpha {alpha:g}{over}{among}; "
            f"the policy asks at least {limits.min_label_agreement:g} (data.min_label_agreement)",
        )


def _predates(here: _Round, entry: dict[str, Any], objective: Document | None, rounds: list[Any], dates: list[Any]) -> Iterator[Finding]:
    """FTG508: no source's earliest record predates the approval of the task definition."""
    if not dates:
        return
    boundary = _boundary(entry, objective, rounds)
    if boundary is None:
        return
    moment, what = boundary
    for k, item in enumerate(dates):
        earliest = zoned_time(item.get("earliest") if isinstance(item, dict) else None)
        if earliest is not None and earliest < moment:
            field = text(item, "field") or "?"
            yield PREDATES_DEFINITION.at(
                here.path,
                here.at("dates", k, "earliest"),
                f"round {here.name}: the earliest record of {text(item, 'source') or '?'} ({field} {_iso(earliest)}) predates "
                f"the task definition, approved {_iso(moment)} ({what})",
            )


def _boundary(entry: dict[str, Any], objective: Document | None, rounds: list[Any]) -> tuple[dt.datetime, str] | None:
    """When an amended task definition took effect: this round's approval, else that of the objective it supersedes.

    Only an objective that amends another (`supersedes`) has one: otherwise data collected before
    approval is the normal order of things, and warning on it would teach reviewers to ignore FTG508.
    """
    superseded = text(objective.data, "supersedes") if objective is not None else None
    if superseded is None:
        return None
    merged = zoned_time(mapping(corrected(entry), "approval").get("merged_at"))
    if merged is not None:
        return merged, f"approval.merged_at of this round, which amends {superseded}"
    for other in rounds:
        if isinstance(other, dict) and text(other, "objective") == superseded:
            merged = zoned_time(mapping(corrected(other), "approval").get("merged_at"))
            if merged is not None:
                return merged, f"the approval of {superseded}, which it supersedes"
    return None


def _count(value: Any, key: str) -> int | None:
    """A recorded count: a non-negative whole number, else None (the schema reports it).

    `12.0` is a whole number to the schema (JSON Schema's integer), so it is one here too: read
    as None, an edited `contaminated: 12.0` would skip the very comparison the schema lets through.
    """
    found = value.get(key) if isinstance(value, dict) else None
    if isinstance(found, float) and found.is_integer():
        found = int(found)
    return found if isinstance(found, int) and not isinstance(found, bool) and found >= 0 else None


def _exact(value: float) -> Fraction:
    """A policy value as written (0.01 is one hundredth, not the binary float nearest it)."""
    return Fraction(repr(value))


def _above(part: int, whole: int, share: float) -> bool:
    return whole > 0 and Fraction(part, whole) > _exact(share)


def _differs(records: int, expected: int, tolerance: float) -> bool:
    if expected == 0:
        return records != 0
    return Fraction(abs(records - expected), expected) > _exact(tolerance)


def _difference(records: int, expected: int) -> str:
    if expected == 0:
        return "more than declared"
    return f"{_percent(abs(records - expected), expected)} {'fewer' if records < expected else 'more'}"


def _shown(share: float) -> str:
    """A policy share as a percentage with at least one decimal: 0.01 -> 1.0%, 0.0025 -> 0.25%."""
    digits = f"{float(100 * _exact(share)):.4f}".rstrip("0")
    return f"{digits}0%" if digits.endswith(".") else f"{digits}%"


def _percent(part: int, whole: int, limit: float | None = None) -> str:
    """part / whole as a percentage, with enough decimals that a share above the limit never reads as the limit."""
    value = 100 * Fraction(part, whole)
    shown = ""
    for digits in (1, 2, 3, 4):
        shown = f"{float(value):.{digits}f}"
        if limit is None or value == 100 * _exact(limit) or shown != f"{float(100 * _exact(limit)):.{digits}f}":
            break
    return f"{shown}%"


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
