"""FTG5xx: data preparation facts that make the evaluation trustworthy (docs/why.md#data-preparation, AG-340)."""

from __future__ import annotations

from collections.abc import Iterator

from ftgov.documents.access import mapping, number, sequence, text
from ftgov.documents.document import Document
from ftgov.documents.findings import Finding, Rule, Severity
from ftgov.documents.policy import Policy

E = Severity.ERROR

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

RULES = (VALIDATION_CONTAMINATED, RIGHTS_NOT_CLEARED, REPLAY_RANGE)


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
