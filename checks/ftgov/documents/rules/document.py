"""FTG0xx: a file that cannot be read safely as one governance document."""

from ftgov.documents.findings import Rule, Severity

E = Severity.ERROR

UNREADABLE = Rule(
    "FTG001",
    "unreadable-file",
    E,
    """
The file cannot be read, or is not valid UTF-8.

Why this matters: a document that a reviewer's editor shows differently from what the
checks read can hide content from review.

Example: a file saved as Latin-1 containing `rationale: café`.

Fix: save the file as UTF-8 (no other encoding is accepted).
""",
    waivable=False,
)

SYNTAX = Rule(
    "FTG002",
    "yaml-syntax",
    E,
    """
The file is not well-formed YAML.

Why this matters: nothing else can be checked until the document parses.

Example: `rationale: "unterminated`

Fix: correct the YAML at the line and column given; `yamllint` or an editor with the
objective schema (`# yaml-language-server: $schema=../../policies/objective.schema.json`)
shows the same place.
""",
    waivable=False,
)

DUPLICATE_KEY = Rule(
    "FTG003",
    "duplicate-key",
    E,
    """
A mapping holds the same key twice.

Why this matters: most YAML readers keep the last value silently, so a second
`max_drop:` written further down would loosen a boundary no reviewer saw change.

Example:
    max_drop: 0.01
    max_drop: 0.10

Fix: keep one key; if both values matter, they belong to two entries.
""",
    waivable=False,
)

ANCHOR_ALIAS = Rule(
    "FTG004",
    "anchor-or-alias",
    E,
    """
The document uses a YAML anchor (&name), alias (*name) or merge key (<<).

Why this matters: aliases make one line stand for content defined elsewhere, which a
reviewer reading a diff does not see, and nested aliases expand exponentially
("billion laughs").

Example:
    metric: &refusal {suite: safety, name: refusal_rate}
    other: *refusal

Fix: write each value out in full.
""",
    waivable=False,
)

EXPLICIT_TAG = Rule(
    "FTG005",
    "explicit-tag",
    E,
    """
The document uses an explicit tag (!!python/object, !!str, !custom) or a %YAML/%TAG directive.

Why this matters: tags ask a reader to construct arbitrary types, and a %YAML 1.1
directive changes what `no` or `0123` mean. Governance documents are plain data.

Example: `learning_rate: !!python/object/apply:os.system ["id"]`

Fix: remove the tag or directive; quote a value that must stay a string.
""",
    waivable=False,
)

TOO_DEEP = Rule(
    "FTG006",
    "too-deep",
    E,
    """
The document nests mappings and sequences more than 64 levels deep.

Why this matters: no objective needs that depth; such files exist to exhaust the
reader's stack.

Example: `a: [[[[[[[[ ... ]]]]]]]]` 65 levels down.

Fix: flatten the structure.
""",
    waivable=False,
)

TOO_LARGE = Rule(
    "FTG007",
    "too-large",
    E,
    """
The file is larger than 1 MiB, or holds more than 50,000 values.

Why this matters: an objective is a few kilobytes; a large file is a mistake (results
pasted in) or an attempt to slow the checks. Big evaluation results live outside the
repository, pinned by sha256.

Example: a 50 MB lm-eval samples file saved under objectives/.

Fix: keep large artefacts elsewhere and reference them.
""",
    waivable=False,
)

NOT_A_MAPPING = Rule(
    "FTG008",
    "not-a-mapping",
    E,
    """
The file does not hold exactly one YAML document whose top level is a mapping.

Why this matters: every ftgov document is a mapping with apiVersion and kind; a list,
a bare string, an empty file or several documents in one file cannot be identified.

Example: a file containing `- support-agent-r1`

Fix: one document per file, starting with `apiVersion: ftgov/v1` and `kind:`.
""",
    waivable=False,
)

UNKNOWN_KIND = Rule(
    "FTG009",
    "unknown-kind",
    E,
    """
The document's kind is missing or not FineTuneObjective, CumulativeRegister or Policy.

Why this matters: the kind decides which schema and rules apply; an unknown kind
would otherwise be skipped, and skipped documents are unreviewed documents.

Example: `kind: Objective`

Fix: set `kind:` to FineTuneObjective (objectives/), CumulativeRegister (registers/) or Policy (policies/).
""",
    waivable=False,
)

HIDDEN_CHARACTER = Rule(
    "FTG010",
    "hidden-character",
    E,
    """
The file holds a line break git does not see, a bidirectional control or an invisible format character.

Why this matters: reviewers approve what git, grep and the pull request's diff show, and
those split lines at "\\n" only. YAML also breaks lines at U+2028 LINE SEPARATOR, U+2029
PARAGRAPH SEPARATOR, U+0085 NEXT LINE and a carriage return not followed by a line feed,
so a line hidden behind one reads as part of a comment in the diff and as a key to the
parser. Bidirectional controls (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F,
U+061C) reorder how the text around them is displayed (Trojan Source, CVE-2021-42574).
Invisible format characters (Unicode category Cf: U+200B ZERO WIDTH SPACE, U+2060 WORD
JOINER, U+00AD SOFT HYPHEN, U+FEFF anywhere but as the file's leading byte order mark, the
tag characters U+E0000 to U+E007F and the rest) make two ids that look alike differ, or
carry text no one sees. All of them are refused anywhere in the file, quoted strings and
comments included: reviewers read those in the diff too.

Allowed: U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER, which ordinary text in
Persian, Arabic and Indic scripts and emoji sequences needs, and which can neither break a
line nor change the direction text is displayed in; and CRLF line endings, which git and
YAML both read as one line break.

Example: a comment that hides a line,
    # threshold as agreed with raj-risk<U+2028>    max_drop: 0.50
is one comment line in the diff; YAML reads a second line, `max_drop: 0.50`.

Fix: delete the character at the line and column given (counted as git counts lines; the
message says how many more the file holds). Editors hide most of them: `cat -v FILE` shows
them as M- sequences. Save files with LF or CRLF line endings.
""",
    waivable=False,
)

RULES = (UNREADABLE, SYNTAX, DUPLICATE_KEY, ANCHOR_ALIAS, EXPLICIT_TAG, TOO_DEEP, TOO_LARGE, NOT_A_MAPPING, UNKNOWN_KIND, HIDDEN_CHARACTER)
