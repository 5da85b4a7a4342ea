"""FTG504-FTG509: a register round's recorded data evidence (`ftgov data check --record`) judged against the policy's `data`.

On the ledger fixture (tests/fixtures/register), round 3 (ledger-r3, approved) records the
evidence below: 3 of 500 validation records contaminated, nothing of the evaluation set,
alpha 0.81, data collected after the dates any boundary could have. Each case edits the
register, the policy or the objective as someone could, and asserts every finding the
whole-repository check (validate) reports. The attacks come first: edits that someone who
wants the round to pass, without being a risk reviewer, could make to the recorded numbers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ftgov.documents.findings import Severity
from ftgov.documents.repository import Repository
from ftgov.documents.rules import by_code
from ftgov.documents.validate import ValidationResult, validate

from ..conftest import run_ftgov
from ..repository import build_ledger_repo

REGISTER = "registers/ledger.yaml"
POLICY = "policies/policy.yaml"
R3 = "objectives/ledger/ledger-r3.yaml"
AT = "/rounds/2/data"  # r3's evidence, as a JSON pointer
TRAIN, HOLDOUT, AUDIT = (hashlib.sha256(name.encode()).hexdigest() for name in ("train", "holdout", "audit"))

TRAIN_SOURCE = f"        - {{name: ledger-r3-train, role: train, path: data/train.jsonl, sha256: {TRAIN}, records: 5000, declared: 5000}}\n"
HOLDOUT_SOURCE = (
    f"        - {{name: ledger-r3-holdout, role: validation, path: data/holdout.jsonl, sha256: {HOLDOUT}, records: 500, declared: 500}}\n"
)
AUDIT_SOURCE = f"        - {{name: audit-qa, role: eval, path: data/audit-qa.jsonl, sha256: {AUDIT}, records: 400}}\n"
METHOD = "        method: {name: minhash-lsh, ngram: 3, threshold: 0.7, num_perm: 128, seed: 1}\n"
VALIDATION = "        train_validation: {source: ledger-r3-holdout, records: 500, exact: 2, near: 1, contaminated: 3, shared_ids: 0}\n"
EVAL = "          audit-qa: {source: audit-qa, records: 400, exact: 0, near: 0, contaminated: 0, shared_ids: 0}\n"
AGREEMENT = "        - {source: ledger-r3-train, level: nominal, alpha: 0.81, items: 400, annotators: 3}\n"
DATES = (
    "        - {source: ledger-r3-train, field: collected_at, earliest: 2026-02-10T00:00:00Z, latest: 2026-02-15T00:00:00Z, undated: 0}\n"
)
EVIDENCE = (
    "    data:\n"
    "      measured_at: 2026-02-20T07:00:00Z\n"
    "      engine: local\n"
    "      fields: {text: text, id: conversation}\n"
    "      sources:\n" + TRAIN_SOURCE + HOLDOUT_SOURCE + AUDIT_SOURCE + "      overlap:\n" + METHOD + VALIDATION + "        train_eval:\n"
    "" + EVAL + "      agreement:\n" + AGREEMENT + "      dates:\n" + DATES
)
R3_APPROVAL = "    approval: {pull_request: 9, merged_at: 2026-02-12T00:00:00Z, commit: c3d4e5f60718293a4b5c6d7e8f9012345678a1b2}\n"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """The ledger fixture with r3's data evidence recorded (appended: r3 is the register's last round)."""
    repo = build_ledger_repo(tmp_path)
    register = repo / REGISTER
    assert register.read_text().endswith("    status: approved\n")
    with register.open("a") as appended:
        appended.write(EVIDENCE)
    return repo


def edit(repo: Path, relative: str, old: str, new: str) -> None:
    file = repo / relative
    content = file.read_text()
    assert content.count(old) == 1, f"{old!r} is not once in {relative}"
    file.write_text(content.replace(old, new))


def append(repo: Path, relative: str, text: str) -> None:
    with (repo / relative).open("a") as file:
        file.write(text)


def checked(repo: Path) -> ValidationResult:
    return validate(Repository(repo), jobs=1)


def found(repo: Path) -> list[tuple[str, str]]:
    """(rule, JSON pointer) of every finding of the whole-repository check."""
    return sorted((f.rule, f.json_pointer) for f in checked(repo).findings)


def messages(repo: Path, rule: str) -> list[str]:
    return [f.message for f in checked(repo).findings if f.rule == rule]


def test_recorded_evidence_within_the_policy_is_clean(ledger: Path) -> None:
    assert found(ledger) == []


# -- attacks: edits that would make contaminated data look clean -------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "pointer"),
    [
        ("{source: ledger-r3-holdout,", "{source: ledger-r3-holdout, share: 0.002,", f"{AT}/overlap/train_validation/share"),
        ("      engine: local\n", "      engine: local\n      contamination: 0.002\n", f"{AT}/contamination"),
        (METHOD, METHOD.replace("seed: 1}", "seed: 1, fraction: 0.002}"), f"{AT}/overlap/method/fraction"),
    ],
    ids=["share-beside-the-counts", "share-in-data", "fraction-in-the-method"],
)
def test_attack_a_stored_share_is_an_unknown_key_and_the_counts_still_decide(ledger: Path, old: str, new: str, pointer: str) -> None:
    """No share is stored: one typed in is refused by the schema, and the rule computes 30 of 500 from the counts regardless."""
    edit(ledger, REGISTER, VALIDATION, VALIDATION.replace("exact: 2, near: 1, contaminated: 3", "exact: 20, near: 10, contaminated: 30"))
    edit(ledger, REGISTER, old, new)
    assert found(ledger) == sorted([("FTG101", pointer), ("FTG504", f"{AT}/overlap/train_validation/contaminated")])


@pytest.mark.parametrize("threshold", ["0.99", "0.71", "1.0"])
def test_attack_a_raised_threshold_in_the_recorded_method_is_an_error(ledger: Path, threshold: str) -> None:
    edit(ledger, REGISTER, "threshold: 0.7,", f"threshold: {threshold},")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/method/threshold")]
    (message,) = messages(ledger, "FTG504")
    assert message == (
        f"round ledger-r3: near-copies were measured from Jaccard {float(threshold):g}, looser than the policy's 0.7 "
        "(data.near_duplicate.threshold): pairs between the two were not counted"
    )


@pytest.mark.parametrize("ngram", [1, 2, 5, 13])
def test_attack_another_shingle_size_is_an_error(ledger: Path, ngram: int) -> None:
    edit(ledger, REGISTER, "ngram: 3,", f"ngram: {ngram},")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/method/ngram")]
    assert messages(ledger, "FTG504") == [
        f"round ledger-r3: near-copies were measured over {ngram}-word shingles; the policy measures over 3 (data.near_duplicate.ngram)"
    ]


@pytest.mark.parametrize("permutations", [1, 8, 15])
def test_attack_too_few_permutations_is_an_error(ledger: Path, permutations: int) -> None:
    edit(ledger, REGISTER, "num_perm: 128,", f"num_perm: {permutations},")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/method/num_perm")]


def test_sixteen_permutations_and_a_stricter_threshold_are_accepted(ledger: Path) -> None:
    edit(ledger, REGISTER, "threshold: 0.7, num_perm: 128,", "threshold: 0.5, num_perm: 16,")
    assert found(ledger) == []


def test_attack_zero_contaminated_beside_exact_copies_is_an_error(ledger: Path) -> None:
    edit(ledger, REGISTER, "exact: 2, near: 1, contaminated: 3", "exact: 12, near: 0, contaminated: 0")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/contaminated")]
    assert messages(ledger, "FTG504") == [
        "round ledger-r3: the recorded counts contradict each other: 12 exact and 0 near copies of records of ledger-r3-holdout "
        "are in the training data, but 0 contaminated"
    ]


def test_attack_more_contaminated_than_matching_training_records_is_an_error(ledger: Path) -> None:
    edit(ledger, REGISTER, "exact: 2, near: 1, contaminated: 3", "exact: 2, near: 1, contaminated: 4")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/contaminated")]


def test_attack_zero_records_with_contaminated_records_is_an_error(ledger: Path) -> None:
    edit(ledger, REGISTER, "records: 500, exact: 2", "records: 0, exact: 2")
    findings = checked(ledger).findings
    assert {(f.rule, f.severity) for f in findings} == {("FTG504", Severity.ERROR)}
    assert sorted(f.json_pointer for f in findings) == [
        f"{AT}/overlap/train_validation/contaminated",  # 3 contaminated of 0
        f"{AT}/overlap/train_validation/records",  # nothing compared
        f"{AT}/overlap/train_validation/records",  # and not the 500 the file held
    ]


def test_attack_an_empty_comparison_is_an_error_even_when_everything_says_zero(ledger: Path) -> None:
    """records 0 everywhere: consistent, and proves nothing; the objective's 500 make it a count warning too."""
    edit(ledger, REGISTER, "records: 500, exact: 2, near: 1, contaminated: 3", "records: 0, exact: 0, near: 0, contaminated: 0")
    edit(ledger, REGISTER, "records: 500, declared: 500}", "records: 0, declared: 500}")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/records"), ("FTG506", f"{AT}/sources/1/records")]


def test_attack_shared_document_ids_alone_are_contamination(ledger: Path) -> None:
    """No text copies at all, but 30 of 500 validation documents also occur in training by id."""
    edit(ledger, REGISTER, "exact: 2, near: 1, contaminated: 3, shared_ids: 0", "exact: 0, near: 0, contaminated: 0, shared_ids: 30")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/shared_ids")]
    assert messages(ledger, "FTG504") == [
        "round ledger-r3: 30 of 500 validation records (6.0%) of ledger-r3-holdout share a document id with the training data; "
        "the policy allows 1.0% (data.max_train_validation_overlap)"
    ]


def test_attack_more_shared_ids_than_records_is_an_error(ledger: Path) -> None:
    edit(ledger, REGISTER, "contaminated: 3, shared_ids: 0}", "contaminated: 3, shared_ids: 501}")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/shared_ids")]


def test_attack_deleting_shared_ids_where_document_ids_were_compared_is_an_error(ledger: Path) -> None:
    """fields.id says ids were compared: a comparison without shared_ids hides documents in both sets under another wording."""
    edit(ledger, REGISTER, "contaminated: 3, shared_ids: 0}", "contaminated: 3}")
    edit(ledger, REGISTER, "contaminated: 0, shared_ids: 0}", "contaminated: 0}")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation"), ("FTG505", f"{AT}/overlap/train_eval/audit-qa")]
    assert messages(ledger, "FTG504") == [
        "round ledger-r3: document ids (conversation) were compared, but the comparison with ledger-r3-holdout records no shared_ids"
    ]


def test_shared_ids_without_an_id_field_contradict_the_recorded_fields(ledger: Path) -> None:
    edit(ledger, REGISTER, "fields: {text: text, id: conversation}", "fields: {text: text}")
    assert found(ledger) == [
        ("FTG504", f"{AT}/overlap/train_validation/shared_ids"),
        ("FTG505", f"{AT}/overlap/train_eval/audit-qa/shared_ids"),
    ]
    edit(ledger, REGISTER, "contaminated: 3, shared_ids: 0}", "contaminated: 3}")
    edit(ledger, REGISTER, "contaminated: 0, shared_ids: 0}", "contaminated: 0}")
    assert found(ledger) == []  # no --id-field: nothing counted by id, nothing claimed


def test_attack_deleting_the_validation_overlap_is_an_error(ledger: Path) -> None:
    edit(ledger, REGISTER, VALIDATION, "")
    assert found(ledger) == [("FTG504", f"{AT}/overlap")]


def test_attack_deleting_the_whole_overlap_is_an_error(ledger: Path) -> None:
    edit(ledger, REGISTER, "      overlap:\n" + METHOD + VALIDATION + "        train_eval:\n" + EVAL, "")
    assert found(ledger) == [("FTG504", AT), ("FTG505", f"{AT}/sources/2/name")]


def test_attack_measuring_against_another_set_than_the_validation_source_is_an_error(ledger: Path) -> None:
    edit(
        ledger, REGISTER, "train_validation: {source: ledger-r3-holdout, records: 500", "train_validation: {source: audit-qa, records: 400"
    )
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/source")]
    assert messages(ledger, "FTG504") == [
        "round ledger-r3: the training data was compared with audit-qa, but the objective's validation source is ledger-r3-holdout"
    ]


def test_attack_compared_records_that_differ_from_the_pinned_file_are_an_error(ledger: Path) -> None:
    edit(ledger, REGISTER, "records: 500, exact: 2", "records: 5000, exact: 2")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/records")]
    assert messages(ledger, "FTG504") == [
        "round ledger-r3: 5,000 records of ledger-r3-holdout were compared, but data.sources pins 500 read from its file"
    ]


def test_attack_deleting_an_evaluation_sets_comparison_is_an_error(ledger: Path) -> None:
    edit(ledger, REGISTER, "        train_eval:\n" + EVAL, "")
    assert found(ledger) == [("FTG505", f"{AT}/sources/2/name")]
    assert messages(ledger, "FTG505") == [
        "round ledger-r3: evaluation set audit-qa was measured but never compared with the training data (no overlap.train_eval.audit-qa)"
    ]


def test_attack_a_train_eval_entry_measuring_another_set_is_an_error(ledger: Path) -> None:
    edit(ledger, REGISTER, "audit-qa: {source: audit-qa,", "audit-qa: {source: ledger-r3-holdout,")
    # and its 400 records are not the 500 the holdout file held
    assert found(ledger) == [
        ("FTG505", f"{AT}/overlap/train_eval/audit-qa/records"),
        ("FTG505", f"{AT}/overlap/train_eval/audit-qa/source"),
    ]


WAIVER = (
    "waivers:\n"
    "  - rule: FTG504\n"
    "    path: registers/ledger.yaml\n"
    "    reason: the holdout shares boilerplate headers with training; reviewed in RISK-2026-88\n"
    "    approved_by: raj-risk\n"
    "    expires: 2099-12-31\n"
)


def test_a_reviewed_waiver_of_ftg504_lets_check_and_validate_pass(ledger: Path) -> None:
    """FTG504 is waivable: a policy change (reviewed by the risk function) accepts it for the register, visibly."""
    edit(ledger, REGISTER, "exact: 2, near: 1, contaminated: 3", "exact: 30, near: 8, contaminated: 38")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/contaminated")]
    assert run_ftgov("check", cwd=ledger).returncode == 1
    append(ledger, POLICY, WAIVER)
    result = checked(ledger)
    assert result.findings == ()
    assert [(f.rule, f.path, w.approved_by) for f, w in result.waived] == [("FTG504", REGISTER, "raj-risk")]
    for command in ("check", "validate"):
        done = run_ftgov(command, cwd=ledger)
        assert done.returncode == 0, (command, done.stdout, done.stderr)


def test_a_waiver_of_ftg504_does_not_hide_ftg505(ledger: Path) -> None:
    edit(ledger, REGISTER, "exact: 0, near: 0, contaminated: 0,", "exact: 40, near: 0, contaminated: 40,")
    append(ledger, POLICY, WAIVER)
    assert found(ledger) == [("FTG505", f"{AT}/overlap/train_eval/audit-qa/contaminated"), ("FTG702", "/waivers/0")]


# -- FTG504 / FTG505: contamination within the policy's limits ------------------------------------------


def test_ftg504_validation_contamination_above_the_limit(ledger: Path) -> None:
    edit(ledger, REGISTER, "exact: 2, near: 1, contaminated: 3", "exact: 4, near: 3, contaminated: 6")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/contaminated")]
    assert messages(ledger, "FTG504") == [
        "round ledger-r3: 6 of 500 validation records (1.2%) of ledger-r3-holdout have a copy or near-copy in the training data; "
        "the policy allows 1.0% (data.max_train_validation_overlap)"
    ]
    finding = checked(ledger).findings[0]
    assert finding.line is not None and finding.column is not None
    line = (ledger / REGISTER).read_text().splitlines()[finding.line - 1]
    assert line == VALIDATION.rstrip("\n").replace("exact: 2, near: 1, contaminated: 3", "exact: 4, near: 3, contaminated: 6")
    assert line[finding.column - 1 :].startswith("6, shared_ids")


def test_ftg504_exactly_at_the_limit_passes(ledger: Path) -> None:
    edit(ledger, REGISTER, "exact: 2, near: 1, contaminated: 3", "exact: 5, near: 0, contaminated: 5")
    assert found(ledger) == []


def test_ftg504_a_share_just_above_the_limit_is_shown_as_above_it(ledger: Path) -> None:
    """101 of 10,000 is 1.01%: shown with the decimals that tell it from the policy's 1.0%."""
    edit(ledger, REGISTER, "records: 500, exact: 2, near: 1, contaminated: 3", "records: 10000, exact: 101, near: 0, contaminated: 101")
    edit(ledger, REGISTER, "records: 500, declared: 500}", "records: 10000, declared: 500}")
    assert found(ledger) == [("FTG504", f"{AT}/overlap/train_validation/contaminated"), ("FTG506", f"{AT}/sources/1/records")]
    assert messages(ledger, "FTG504") == [
        "round ledger-r3: 101 of 10,000 validation records (1.01%) of ledger-r3-holdout have a copy or near-copy in the training data; "
        "the policy allows 1.0% (data.max_train_validation_overlap)"
    ]


def test_ftg504_follows_the_policy(ledger: Path) -> None:
    edit(ledger, REGISTER, "exact: 2, near: 1, contaminated: 3", "exact: 4, near: 3, contaminated: 6")
    append(ledger, POLICY, "data: {max_train_validation_overlap: 0.02}\n")
    assert found(ledger) == []
    edit(
        ledger,
        POLICY,
        "data: {max_train_validation_overlap: 0.02}\n",
        "data: {max_train_validation_overlap: 0.0025, near_duplicate: {threshold: 0.6}}\n",
    )
    assert found(ledger) == [
        ("FTG504", f"{AT}/overlap/method/threshold"),  # 0.7 is looser than this policy's 0.6
        ("FTG504", f"{AT}/overlap/train_validation/contaminated"),
    ]
    assert messages(ledger, "FTG504")[1].endswith(
        "(1.2%) of ledger-r3-holdout have a copy or near-copy in the training data; "
        "the policy allows 0.25% (data.max_train_validation_overlap)"
    )


def test_ftg505_evaluation_contamination_above_the_limit(ledger: Path) -> None:
    edit(ledger, REGISTER, "exact: 0, near: 0, contaminated: 0,", "exact: 7, near: 3, contaminated: 10,")
    assert found(ledger) == [("FTG505", f"{AT}/overlap/train_eval/audit-qa/contaminated")]
    assert messages(ledger, "FTG505") == [
        "round ledger-r3: 10 of 400 records (2.5%) of evaluation set audit-qa have a copy or near-copy in the training data; "
        "the policy allows 1.0% (data.max_train_eval_overlap)"
    ]
    append(ledger, POLICY, "data: {max_train_eval_overlap: 0.05}\n")
    assert found(ledger) == []


def test_ftg505_inconsistent_counts(ledger: Path) -> None:
    edit(ledger, REGISTER, "exact: 0, near: 0, contaminated: 0,", "exact: 0, near: 9, contaminated: 0,")
    assert found(ledger) == [("FTG505", f"{AT}/overlap/train_eval/audit-qa/contaminated")]


# -- FTG506: measured record counts against the objective ----------------------------------------------


def test_ftg506_a_training_file_with_fewer_records_than_declared(ledger: Path) -> None:
    edit(ledger, REGISTER, "records: 5000, declared: 5000}", "records: 4000, declared: 5000}")
    assert found(ledger) == [("FTG506", f"{AT}/sources/0/records")]
    assert [f.severity for f in checked(ledger).findings] == [Severity.WARNING]
    assert messages(ledger, "FTG506") == [
        "round ledger-r3: ledger-r3-train has 4,000 records; the objective declares 5,000 (20.0% fewer); "
        "the policy tolerates 5.0% (data.records_tolerance)"
    ]


def test_ftg506_compares_with_the_objective_not_with_the_stored_declared_count(ledger: Path) -> None:
    edit(ledger, REGISTER, "records: 5000, declared: 5000}", "records: 4000, declared: 4000}")
    assert found(ledger) == [("FTG506", f"{AT}/sources/0/records")]


def test_ftg506_within_the_tolerance_passes(ledger: Path) -> None:
    edit(ledger, REGISTER, "records: 5000, declared: 5000}", "records: 5250, declared: 5000}")  # exactly 5% more
    assert found(ledger) == []
    append(ledger, POLICY, "data: {records_tolerance: 0.01}\n")
    assert found(ledger) == [("FTG506", f"{AT}/sources/0/records")]
    assert "(5.0% more); the policy tolerates 1.0% (data.records_tolerance)" in messages(ledger, "FTG506")[0]


def test_ftg506_a_validation_set_of_another_size(ledger: Path) -> None:
    edit(ledger, REGISTER, "records: 500, declared: 500}", "records: 450, declared: 500}")
    edit(ledger, REGISTER, "records: 500, exact: 2", "records: 450, exact: 2")
    assert found(ledger) == [("FTG506", f"{AT}/sources/1/records")]


def test_ftg506_declared_sources_that_were_not_measured(ledger: Path) -> None:
    edit(ledger, REGISTER, TRAIN_SOURCE, "")
    edit(ledger, REGISTER, HOLDOUT_SOURCE, "")
    # The unmeasured training source was never compared with the validation records either: an error, not only a count.
    assert found(ledger) == [("FTG504", f"{AT}/sources"), ("FTG506", f"{AT}/sources"), ("FTG506", f"{AT}/sources")]
    assert sorted(messages(ledger, "FTG506")) == [
        "round ledger-r3: declared training source ledger-r3-train (5,000 records) was not measured (no entry in data.sources)",
        "round ledger-r3: declared validation source ledger-r3-holdout (500 records) was not measured (no entry in data.sources)",
    ]


def test_ftg506_a_measured_source_the_objective_does_not_declare(ledger: Path) -> None:
    extra = TRAIN_SOURCE.replace("ledger-r3-train", "scraped-forum-2025").replace(", declared: 5000", "")
    edit(ledger, REGISTER, TRAIN_SOURCE, TRAIN_SOURCE + extra)
    assert found(ledger) == [("FTG506", f"{AT}/sources/1/name")]
    assert messages(ledger, "FTG506") == [
        "round ledger-r3: training source scraped-forum-2025 was measured but the objective does not declare it in dataset.sources"
    ]


def test_ftg506_replay_sources_are_training_sources(ledger: Path) -> None:
    replay = "    - {name: general-replay, records: 500, split: replay, rights: {status: cleared, reference: RIGHTS-2}}\n"
    anchor = "    - {name: ledger-r3-train, records: 5000, split: train, rights: {status: cleared, reference: RIGHTS-1}}\n"
    _edit_objective(ledger, anchor, anchor + replay)
    assert found(ledger) == [("FTG504", f"{AT}/sources"), ("FTG506", f"{AT}/sources")]  # declared, not measured, not compared
    measured = TRAIN_SOURCE.replace("ledger-r3-train", "general-replay").replace("role: train", "role: replay")
    edit(ledger, REGISTER, TRAIN_SOURCE, TRAIN_SOURCE + measured.replace("records: 5000, declared: 5000", "records: 500, declared: 500"))
    assert found(ledger) == []


# -- FTG507: label agreement ----------------------------------------------------------------------------


def test_ftg507_low_agreement(ledger: Path) -> None:
    edit(ledger, REGISTER, "alpha: 0.81", "alpha: 0.52")
    assert found(ledger) == [("FTG507", f"{AT}/agreement/0/alpha")]
    assert [f.severity for f in checked(ledger).findings] == [Severity.WARNING]
    assert messages(ledger, "FTG507") == [
        "round ledger-r3: annotators of ledger-r3-train agree with Krippendorff's alpha 0.52 over 400 items (3 annotators); "
        "the policy asks at least 0.667 (data.min_label_agreement)"
    ]


def test_ftg507_at_the_floor_passes_and_the_floor_follows_the_policy(ledger: Path) -> None:
    edit(ledger, REGISTER, "alpha: 0.81", "alpha: 0.667")
    assert found(ledger) == []
    append(ledger, POLICY, "data: {min_label_agreement: 0.8}\n")
    assert found(ledger) == [("FTG507", f"{AT}/agreement/0/alpha")]


# -- FTG508: data collected before the task definition was approved ------------------------------------


def test_ftg508_needs_a_boundary(ledger: Path) -> None:
    """r3 records no approval and supersedes nothing: nothing to compare the dates with."""
    edit(ledger, REGISTER, "earliest: 2026-02-10T00:00:00Z", "earliest: 2020-01-01T00:00:00Z")
    assert found(ledger) == []


def test_ftg508_a_round_that_amends_nothing_has_no_boundary_even_once_approved(ledger: Path) -> None:
    """Data collected before a round is approved is the normal order of things: no warning to teach reviewers to ignore."""
    edit(ledger, REGISTER, "    status: approved\n    data:\n", "    status: approved\n" + R3_APPROVAL + "    data:\n")
    assert found(ledger) == []


def test_ftg508_records_older_than_the_amending_rounds_approval(ledger: Path) -> None:
    _edit_objective(ledger, "rollback:\n", "supersedes: ledger-r2\nrollback:\n")
    edit(ledger, REGISTER, "    status: approved\n    data:\n", "    status: approved\n" + R3_APPROVAL + "    data:\n")
    assert found(ledger) == [("FTG508", f"{AT}/dates/0/earliest")]
    assert [f.severity for f in checked(ledger).findings] == [Severity.WARNING]
    assert messages(ledger, "FTG508") == [
        "round ledger-r3: the earliest record of ledger-r3-train (collected_at 2026-02-10T00:00:00Z) predates the task definition, "
        "approved 2026-02-12T00:00:00Z (approval.merged_at of this round, which amends ledger-r2)"
    ]


def test_ftg508_reads_the_corrected_approval_time(ledger: Path) -> None:
    _edit_objective(ledger, "rollback:\n", "supersedes: ledger-r2\nrollback:\n")
    correction = (
        "    corrections:\n"
        "      - {field: approval.merged_at, was: 2026-02-12T00:00:00Z, value: 2026-02-09T00:00:00Z, "
        "reason: the merge of PR 9 was on the 9th, at: 2026-02-21T09:00:00Z}\n"
    )
    edit(ledger, REGISTER, "    status: approved\n    data:\n", "    status: approved\n" + R3_APPROVAL + correction + "    data:\n")
    assert found(ledger) == []


def test_ftg508_before_approval_the_superseded_objectives_approval_is_the_boundary(ledger: Path) -> None:
    _edit_objective(ledger, "rollback:\n", "supersedes: ledger-r2\nrollback:\n")
    assert found(ledger) == []  # collected from 2026-02-10, after ledger-r2's approval (2026-02-02T10:00:00Z)
    edit(ledger, REGISTER, "earliest: 2026-02-10T00:00:00Z", "earliest: 2026-01-15T00:00:00Z")
    assert found(ledger) == [("FTG508", f"{AT}/dates/0/earliest")]
    assert messages(ledger, "FTG508") == [
        "round ledger-r3: the earliest record of ledger-r3-train (collected_at 2026-01-15T00:00:00Z) predates the task definition, "
        "approved 2026-02-02T10:00:00Z (the approval of ledger-r2, which it supersedes)"
    ]


def test_ftg508_undated_sources_have_no_earliest(ledger: Path) -> None:
    _edit_objective(ledger, "rollback:\n", "supersedes: ledger-r2\nrollback:\n")
    edit(ledger, REGISTER, "    status: approved\n    data:\n", "    status: approved\n" + R3_APPROVAL + "    data:\n")
    edit(ledger, REGISTER, "earliest: 2026-02-10T00:00:00Z, latest: 2026-02-15T00:00:00Z, undated: 0", "undated: 5000")
    assert found(ledger) == []


def _edit_objective(repo: Path, old: str, new: str) -> None:
    """Change r3's objective and re-pin it, as someone amending a proposed round would (the sha256 is FTG905's)."""
    before = hashlib.sha256((repo / R3).read_bytes()).hexdigest()
    edit(repo, R3, old, new)
    edit(repo, REGISTER, before, hashlib.sha256((repo / R3).read_bytes()).hexdigest())


# -- FTG509: evidence required by the policy -----------------------------------------------------------


def test_ftg509_only_when_the_policy_requires_it(ledger: Path) -> None:
    assert found(ledger) == []
    append(ledger, POLICY, "data: {required: true}\n")
    # r1 (deployed) and r2 (evaluated) record none; r3 does
    assert found(ledger) == [("FTG509", "/rounds/0/status"), ("FTG509", "/rounds/1/status")]
    assert [f.severity for f in checked(ledger).findings] == [Severity.ERROR, Severity.ERROR]
    assert messages(ledger, "FTG509")[1] == (
        "round ledger-r2 is evaluated but records no data evidence; the policy requires it (data.required): "
        "run `ftgov data check ledger-r2 --source NAME=PATH ... --record` before the round is evaluated"
    )


def test_ftg509_counts_approved_rounds_and_not_proposed_ones(tmp_path: Path) -> None:
    repo = build_ledger_repo(tmp_path)
    append(repo, POLICY, "data: {required: true}\n")
    assert found(repo) == [("FTG509", f"/rounds/{i}/status") for i in range(3)]
    edit(repo, REGISTER, "    status: approved\n", "    status: proposed\n")
    assert found(repo) == [("FTG509", "/rounds/0/status"), ("FTG509", "/rounds/1/status")]


# -- the rule pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "title"),
    [
        ("FTG504", "FTG504 train-validation-overlap (error)"),
        ("FTG505", "FTG505 train-eval-overlap (error)"),
        ("FTG506", "FTG506 records-differ-from-declared (warning)"),
        ("FTG507", "FTG507 label-agreement-low (warning)"),
        ("FTG508", "FTG508 data-predates-task-definition (warning)"),
        ("FTG509", "FTG509 data-evidence-missing (error)"),
    ],
)
def test_ftgov_rules_prints_the_page(code: str, title: str) -> None:
    page = run_ftgov("rules", code)
    assert page.returncode == 0
    assert page.stdout.splitlines()[0] == title
    for section in ("Why this matters:", "Example:", "Fix:", "docs/why.md#data-preparation"):
        assert section in page.stdout, (code, section)
    rule = by_code(code)
    assert rule is not None and rule.waivable  # a reviewed waiver may accept each one
