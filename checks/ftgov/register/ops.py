"""Read a model's register for a command, and write a change to it as an append.

The commands that change a register (`record-run`, `decide`) share one path: find the
round of an objective, refuse a register that is not a valid document (exit 2, one line
naming file and line), make the change as appended text (`yaml_append`), check that the
change adds no finding the register did not already have, and hand the new text back for
an atomic write. The status machine lives here too, so every command moves a round the
same way.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftgov.documents import paths, times
from ftgov.documents.access import mapping, sequence, text, zoned_time
from ftgov.documents.atomic import TempFileError, write_atomically
from ftgov.documents.corrected import corrected
from ftgov.documents.document import Document
from ftgov.documents.errors import InputError, Refusal
from ftgov.documents.findings import Finding, Severity, dotted
from ftgov.documents.lifecycle import BEFORE_DEPLOYMENT as BEFORE_DEPLOYMENT
from ftgov.documents.loader import decode, parse_document, read_text
from ftgov.documents.policy import Policy
from ftgov.documents.repository import Repository
from ftgov.documents.rules import register as register_rules
from ftgov.documents.rules import schema as schema_rules
from ftgov.documents.schemas import load_schema
from ftgov.documents.validate import RegisterFiles, locate
from ftgov.register.yaml_append import EditError, Pointer

__all__ = ["EditError", "InputError", "PolicyRefusal"]

# The forward path and the exits from it (README, "Registers"; documents/lifecycle.py).
TIMELINE = (
    ("approval", "merged_at"),
    ("run", "started_at"),
    ("run", "finished_at"),
    ("evaluation", "evaluated_at"),
    ("decision", "at"),
    ("withdrawal", "at"),
)
LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
CLOCK_SKEW = dt.timedelta(minutes=5)  # how far past this machine's clock a recorded time may be


class PolicyRefusal(Refusal):
    """The change would break the status machine or the timeline (exit 1); the message says why."""


@dataclass(frozen=True)
class LoadedRegister:
    repo: Repository
    model: str
    file: Path
    path: str  # registers/<model>.yaml
    text: str
    document: Document

    @property
    def rounds(self) -> list[dict[str, Any]]:
        return [entry for entry in sequence(self.document.data, "rounds") if isinstance(entry, dict)]

    def round_of(self, objective_id: str) -> tuple[int, dict[str, Any]]:
        for index, entry in enumerate(sequence(self.document.data, "rounds")):
            if isinstance(entry, dict) and entry.get("objective") == objective_id:
                return index, entry
        raise InputError(f"{self.path}: no round for objective {objective_id}; `ftgov new {self.model}` adds one")


def model_of(repo: Repository, objective_id: str) -> str:
    """The model whose register holds OBJECTIVE_ID: objectives/<model>/<id>.yaml names it."""
    if not paths.OBJECTIVE_ID.fullmatch(objective_id):
        raise InputError(f"{objective_id!r} is not an objective id (lower-case letters, digits and hyphens)")
    found = sorted(p.parent.name for p in (repo.root / "objectives").glob(f"*/{objective_id}.yaml"))
    if not found:
        raise InputError(f"objective {objective_id} is not at objectives/<model>/{objective_id}.yaml in {repo.root}")
    if len(found) > 1:
        raise InputError(f"objective {objective_id} is in more than one model ({', '.join(found)}); `ftgov check` reports it")
    return found[0]


def load_register(repo: Repository, model: str) -> LoadedRegister:
    """registers/<model>.yaml, valid against the register schema, or an InputError naming file and line."""
    if not paths.MODEL_NAME.fullmatch(model):
        raise InputError(f"{model!r} is not a model name (letters, digits, '.', '_' and '-')")
    path = paths.register_path(model)
    file = repo.root / path
    if not file.is_file():
        raise InputError(f"{path}: no register for model {model} in {repo.root}")
    raw = read_text(file, path)
    if isinstance(raw, Finding):
        raise InputError(_one_line(raw))
    loaded = parse_document(raw, path)
    if isinstance(loaded, Finding):
        raise InputError(_one_line(loaded))
    if loaded.kind != "CumulativeRegister":
        raise InputError(f"{path}: kind is {loaded.kind}, not CumulativeRegister")
    validator = load_schema(repo.schema_file("register")).validator
    problems = list(schema_rules.findings_for(path, loaded.data, validator))
    if problems:
        placed = sorted(locate(problems, lambda _: raw), key=Finding.sort_key)
        more = f" ({len(placed) - 1} more; `ftgov validate {path}` lists them)" if len(placed) > 1 else ""
        raise InputError(_one_line(placed[0]) + more)
    if text(loaded.data, "model") != model:
        raise InputError(f"{path}: says model {text(loaded.data, 'model')}, not {model}; `ftgov check` reports it (FTG901)")
    return LoadedRegister(repo, model, file, path, raw, loaded)


def _one_line(finding: Finding) -> str:
    # A finding about the whole document (not a mapping) has no line of its own: it starts at 1:1.
    where = f"{finding.path}:{finding.line}:{finding.column}" if finding.line else f"{finding.path}:1:1"
    message = " ".join(finding.message.split())
    return f"{where}: {message}"


def load_objective(repo: Repository, model: str, objective_id: str) -> tuple[bytes, dict[str, Any]]:
    path = paths.objective_path(model, objective_id)
    raw = repo.read_bytes(path)
    if raw is None:
        raise InputError(f"{path}: no such objective")
    decoded = decode(raw, path)
    loaded = parse_document(decoded, path) if isinstance(decoded, str) else decoded
    if isinstance(loaded, Finding):
        raise InputError(_one_line(loaded))
    if loaded.kind != "FineTuneObjective":
        raise InputError(f"{path}: kind is {loaded.kind}, not FineTuneObjective")
    return raw, loaded.data


def load_policy(repo: Repository) -> Policy:
    path = repo.display(repo.policy_file)
    raw = read_text(repo.policy_file, path)
    if isinstance(raw, Finding):
        raise InputError(_one_line(raw))
    loaded = parse_document(raw, path)
    if isinstance(loaded, Finding):
        raise InputError(_one_line(loaded))
    problems = list(schema_rules.findings_for(path, loaded.data, load_schema(repo.schema_file("policy")).validator))
    if problems or loaded.kind != "Policy":
        detail = _one_line(sorted(locate(problems, lambda _: raw), key=Finding.sort_key)[0]) if problems else f"{path}: not a Policy"
        raise InputError(f"{detail}; `ftgov check` lists what to fix")
    return Policy.from_data(loaded.data, path)


def parse_time(value: str, option: str) -> dt.datetime:
    """An ISO 8601 time with a zone (ftgov.times, as every command reads times), or exit 2 naming the option."""
    try:
        return times.parse_zoned(value, option)
    except times.TimeError as exc:
        raise InputError(str(exc)) from None


def iso(moment: dt.datetime) -> str:
    return times.iso(moment)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def latest_time(entry: Mapping[str, Any]) -> tuple[dt.datetime, str] | None:
    """The latest timestamp a round records (corrections applied), and its field: what anything appended must not precede."""
    latest: tuple[dt.datetime, str] | None = None
    read = corrected(dict(entry))
    for section, key in TIMELINE:
        moment = zoned_time(mapping(read, section).get(key))
        if moment is not None and (latest is None or moment > latest[0]):
            latest = (moment, f"{section}.{key}")
    return latest


def refuse_future(moment: dt.datetime, option: str) -> None:
    """A time recorded as having happened is not later than now (beyond CLOCK_SKEW): exit 2, nothing written."""
    current = now()
    if moment > current + CLOCK_SKEW:
        raise InputError(
            f"{option} {iso(moment)} is in the future (it is now {iso(current)}); record the time it happened, "
            "nothing was written"
        )


def refuse_before(entry: Mapping[str, Any], moment: dt.datetime, option: str, objective_id: str) -> None:
    """Test 8.6: nothing is recorded earlier than what the round already records, nor later than now."""
    refuse_future(moment, option)
    latest = latest_time(entry)
    if latest is not None and moment < latest[0]:
        raise PolicyRefusal(
            f"{option} {iso(moment)} is before {latest[1]} {iso(latest[0])} of {objective_id}; "
            "the register records events in the order they happened (FTG908), nothing was written"
        )



def refuse_concurrent_edit(file: Path, path: str, before: str | None) -> None:
    """InputError unless the register is still the text the command read (None: still absent)."""
    try:
        current: str | None = file.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff") if file.exists() else None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it again before writing ({exc.strerror or type(exc).__name__})") from None
    if current != before:
        raise InputError(f"{path}: changed while this command ran; nothing was written, run it again")


def write_register(file: Path, path: str, before: str | None, new_text: str) -> None:
    """The one way a command writes a register: re-read it, refuse if it changed since it was read, write atomically.

    `before` is the text the command read (None: the register did not exist, and must not
    exist now). Every command that writes a register (new, record-run, evaluate --record,
    decide, correct) ends here, after refusing any change that would add a `check` finding;
    a concurrent edit or a failed write is an InputError (exit 2) and leaves the file as it was.
    """
    refuse_concurrent_edit(file, path, before)
    try:
        # The text was read without its byte order mark (loader.decode); a register that has one
        # keeps it, or its diff would show the first line changed with nothing visible to review.
        if before is not None and file.read_bytes().startswith(codecs.BOM_UTF8):
            new_text = "\ufeff" + new_text.removeprefix("\ufeff")
        write_atomically(file, new_text)
    except (TempFileError, OSError) as exc:
        reason = exc.reason if isinstance(exc, TempFileError) else (exc.strerror or type(exc).__name__)
        raise InputError(f"{path}: cannot write it ({reason})") from None


def new_findings(loaded: LoadedRegister, new_text: str, policy: Policy, ignore: Iterable[str] = ()) -> list[Finding]:
    """Error findings the changed register has that the register on disk does not (by rule and message)."""
    files = RegisterFiles(loaded.repo)
    before = {(f.rule, f.message) for f in _register_findings(loaded.path, loaded.text, policy, files)}
    skip = set(ignore)
    after = _register_findings(loaded.path, new_text, policy, files)
    fresh = [f for f in after if (f.rule, f.message) not in before and f.rule not in skip and f.severity is Severity.ERROR]
    return sorted(locate(fresh, lambda _: new_text), key=Finding.sort_key)


def _register_findings(path: str, raw: str, policy: Policy, files: RegisterFiles) -> list[Finding]:
    loaded = parse_document(raw, path)
    if isinstance(loaded, Finding):
        return [loaded]
    validator = load_schema(files.repo.schema_file("register")).validator
    return [*schema_rules.findings_for(path, loaded.data, validator), *register_rules.check(loaded, policy, files)]


def finding_lines(findings: Iterable[Finding]) -> list[str]:
    return [f"{f.path}:{f.line}:{f.column}: {f.rule} {' '.join(f.message.split())}" for f in findings]


def reparsed(path: str, new_text: str) -> dict[str, Any]:
    """The changed text as values; a change that does not parse is a bug here, never the user's."""
    loaded = parse_document(new_text, path)
    if isinstance(loaded, Finding):
        raise EditError(f"the change would leave {path} unreadable: {loaded.message}")
    return loaded.data


def expect_change(loaded: LoadedRegister, new_text: str, index: int, expected_round: Mapping[str, Any]) -> None:
    """The text change did exactly what was meant: round `index` now equals `expected_round`, nothing else moved."""
    after = reparsed(loaded.path, new_text)
    before = loaded.document.data
    rounds_after = sequence(after, "rounds")
    same_elsewhere = {k: v for k, v in after.items() if k != "rounds"} == {k: v for k, v in before.items() if k != "rounds"}
    others_same = len(rounds_after) == len(sequence(before, "rounds")) and all(
        a == b for i, (a, b) in enumerate(zip(rounds_after, sequence(before, "rounds"), strict=True)) if i != index
    )
    if not (same_elsewhere and others_same and rounds_after[index] == dict(expected_round)):
        raise EditError(f"the change to {loaded.path} did not come out as intended at {dotted(('rounds', index))}; nothing was written")


def round_pointer(index: int, *rest: str | int) -> Pointer:
    return ("rounds", index, *rest)
