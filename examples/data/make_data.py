"""Write the data files of the support-agent example's round 3: synthetic, reproducible, in the shapes real pipelines write.

    python examples/data/make_data.py [OUT_DIR]     # default: examples/data/support-agent-r3

Nothing here is real data. objectives/support-agent/support-agent-r3.yaml declares three
sources; this writes one file for each, assembled from the templates and vocabulary below
with seeded random draws, so `ftgov data check` has something true to measure:

- `concise-preference-pairs-2026q3.jsonl` (train, 12,000 records): DPO preference pairs from
  r2's shadow traffic. Each record is `id`, `conversation_id`, `prompt` (the client's
  message), `chosen` and `rejected` (two correct, formal answers; senior agents chose the
  shorter), `chosen_position` (where the chosen answer was shown to the annotators, "a" first
  or "b" second; the order was randomised per pair), `labels` (the three annotators' choices,
  "a" or "b", in annotator order; `chosen` is the majority's) and `collected_at` (UTC, from
  8 July, when r2 went into shadow deployment after its evaluation, to 30 September). Each
  annotator departs from the majority independently, twice as often on a hard pair, which
  puts Krippendorff's alpha near 0.77: above the policy's floor of 0.667, not suspiciously perfect.
- `general-instruct-replay.parquet` (replay, 1,300 rows, zstd): general instructions kept in
  the mix against forgetting: `conversation_id`, `prompt`, `response`, and `collected_at` as
  a Parquet timestamp column (2025, when the replay pool was cleared).
- `production-sample-2026-09.jsonl` (validation, 2,000 records): a random sample of September
  2026 conversations, `conversation_id`, `prompt`, `collected_at`.

Every prompt is kept apart from every other: within a template (the only place two prompts
share most of their words) a draw whose 3-word shingles reach a Jaccard similarity of 0.5 with
an earlier prompt is drawn again, well below the 0.7 at which `ftgov data check` calls two
texts near copies. Three validation prompts are planted on purpose, each copied from a
training prompt collected earlier: one exactly, two with two words changed (a client
resending a message, reworded a little). They come from different conversations, so the
document ids stay apart (the objective's decontamination excluded validation customers'
conversations) while the texts do not: the contamination the measurement exists to find,
3 of 2,000 validation records (0.15%), below the policy's 1%.

Standard library and pyarrow only, fixed seeds: every run writes byte-identical files (the
Parquet file's footer names the pyarrow version that wrote it, so its bytes are those of one
pyarrow version; the example's were written with pyarrow 26.0.1).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

SEED = 20260930
ROUND = "support-agent-r3"
TRAINING = ("concise-preference-pairs-2026q3", 12_000)
REPLAY = ("general-instruct-replay", 1_300)
VALIDATION = ("production-sample-2026-09", 2_000)

# What `ftgov data check` compares texts by: 3-word shingles of the NFKC-casefolded text, words being runs of \w.
NGRAM = 3
KEEP_APART = 0.5  # a draw this close to an earlier one of its template is drawn again; near copies start at 0.7
WORD = re.compile(r"\w+")

# Annotators' chance of choosing the other answer than the majority's on an easy pair; a hard pair doubles it.
ANNOTATOR_ERROR = (0.04, 0.055, 0.07)
HARD_SHARE = 0.2

# --- the vocabulary of an enterprise client of a bank's corporate support desk -------------------------------

# fmt: off
ORGS = (
    "Halden Logistics", "Norvik Retail Group", "Aster Marine", "Calloway Foods", "Brightwater Utilities", "Kestrel Aviation",
    "Marlow Textiles", "Orrin Pharma", "Pellham Construction", "Quayside Hotels", "Rendell Motors", "Solway Chemicals",
    "Tamsin Media", "Umber Furniture", "Vantor Energy", "Westbrook Insurance Brokers", "Yarrow Agritech", "Zephyr Telecom",
    "Ashgrove Clinics", "Bramley Steel", "Corrin Software", "Dunmore Paper", "Elstow Packaging", "Fenwick Shipping",
    "Garston Dairy", "Hollins Engineering", "Iverson Freight", "Jarrow Plastics", "Kilbride Foods", "Lyndon Estates",
)
TEAMS = (
    "treasury", "accounts payable", "finance operations", "payroll", "accounts receivable", "group reporting",
    "cash management", "shared services", "procurement", "financial control",
)
NAMES = (
    "Priya", "Tomasz", "Ingrid", "Dev", "Marta", "Owen", "Leila", "Hiro", "Sanne", "Callum", "Amara", "Luca", "Freya",
    "Bilal", "Noor", "Jonas", "Elif", "Ruairi", "Mei", "Kofi", "Anouk", "Mateo", "Signe", "Rahul", "Zofia", "Idris",
)
CURRENCIES = ("EUR", "GBP", "USD", "CHF", "SEK", "NOK", "DKK", "PLN")
OPENERS = ("", "", "", "Hello,", "Hi,", "Good morning,", "Good afternoon,", "Dear support,", "Hi team,", "Urgent:", "Quick question:")
CLOSERS = (
    "", "", "Thanks.", "Thank you.", "We need this before month-end close.", "Please reply today if possible.",
    "Our auditors are asking.", "Can you confirm by end of day?", "This is holding up our payment run.", "Many thanks in advance.",
    "Please copy our shared mailbox on the reply.", "A short answer is fine.",
)
SIGNATURES = ("", "", "{name}, {team}", "{name} ({org})", "{name}, {org} {team}")
PORTALS = ("the corporate portal", "the treasury portal", "the payments hub", "online banking")
FORMATS = ("MT940", "CAMT.053", "BAI2", "CSV")
PAYMENT_TYPES = ("SEPA", "SWIFT", "Bacs", "CHAPS", "same-day", "priority")
SCHEME_CURRENCY = {"SEPA": "EUR", "Bacs": "GBP", "CHAPS": "GBP"}
CARD_TYPES = ("purchasing card", "travel card", "corporate card", "virtual card")
# fmt: on

# An issue type: (name, prompt templates, resolutions as (chosen, rejected)). Slots are filled from a Case.
ISSUES: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] = (
    (
        "duplicate-payment",
        (
            "Our {team} team sees payment {ref} of {amount} {ccy} twice on the statement for account {account}, both dated {date}."
            " Was it sent twice, and if so how do we get the second one back?",
            "The {date} statement for account {account} lists {ref} ({amount} {ccy}) two times. Did the beneficiary get paid twice?",
            "We think {ref} for {amount} {ccy} went out twice from account {account} on {date}. Please check and advise on a recall.",
        ),
        (
            (
                "{ref} was sent once. The second line is a display duplicate and will be gone from the statement by {next_date}.",
                "Thank you for flagging this. I have checked {ref} on account {account} and it was sent only once; the second line"
                " is a display duplicate from a statement rerun. It will be removed by {next_date}, and no action is needed from you.",
            ),
            (
                "It was sent twice. We have recalled the second {amount} {ccy}; expect it back on account {account} by {next_date}.",
                "Thank you for raising this. Having reviewed {ref}, I can confirm the payment was released twice because of a retry."
                " We have requested a recall of the second {amount} {ccy}, and the funds should reach account {account} by {next_date}.",
            ),
        ),
    ),
    (
        "returned-payment",
        (
            "A {ptype} payment of {amount} {ccy} to {beneficiary} ({ref}) sent on {date} has come back to account {account}."
            " Why was it returned?",
            "{beneficiary} says they never received {ref}, {amount} {ccy}, sent from account {account} on {date}. Where is it?",
            "Payment {ref} from account {account} shows as returned. It was {amount} {ccy} to {beneficiary} on {date}. What happened?",
        ),
        (
            (
                "The beneficiary bank rejected {ref}: the account number is closed. Please confirm new details with {beneficiary}.",
                "Thank you for your message. The beneficiary bank returned {ref} on {next_date} with the reason 'account closed'."
                " The {amount} {ccy} is back on account {account}; once {beneficiary} confirms new details you can send it again.",
            ),
            (
                "{ref} was returned because the beneficiary name did not match the account. Resend with the registered name.",
                "Thanks for getting in touch. {ref} came back because the name on the payment did not match the name the beneficiary"
                " bank holds. The {amount} {ccy} has been credited to account {account}; please resend using the registered name.",
            ),
        ),
    ),
    (
        "fx-rate",
        (
            "We converted {amount} {ccy} to {ccy2} on {date} (deal {ref}) and the rate looks worse than the screen rate."
            " Can you explain the rate applied?",
            "Can you send the rate breakdown for FX deal {ref} on {date}? It was {amount} {ccy} into {ccy2} from account {account}.",
            "The {ccy}/{ccy2} rate on deal {ref} ({date}, {amount} {ccy}) does not match what our {team} team expected. Why?",
        ),
        (
            (
                "Deal {ref} was booked at {rate}, the screen rate plus your agreed margin of {bps} basis points.",
                "Thank you for the question. Deal {ref} was booked on {date} at {rate}, which is the mid-market rate at execution plus"
                " the margin of {bps} basis points in your pricing schedule. I can send the full breakdown if that would help.",
            ),
            (
                "The rate was {rate}, set at the 16:00 fixing under your standing instruction, not the live screen rate.",
                "Thanks for reaching out. Your standing instruction converts at the 16:00 fixing rather than at the live rate, so"
                " deal {ref} was booked at {rate}. If you prefer live execution, we can change the instruction for future deals.",
            ),
        ),
    ),
    (
        "statement-delivery",
        (
            "We did not receive the {fmt} statement for account {account} for {date}. Our reconciliation for {org} is stuck.",
            "The {fmt} file for account {account} dated {date} is missing from our SFTP folder. Can you resend it?",
            "Our {team} team cannot find the {date} {fmt} statement for account {account} in {portal}. Was it generated?",
        ),
        (
            (
                "The {date} {fmt} file for account {account} failed delivery; it has been resent and should be in your folder now.",
                "Thank you for letting us know. The {fmt} statement for account {account} dated {date} was generated but failed to"
                " deliver because of a connection timeout. We have resent it, and it should now be available in your folder.",
            ),
            (
                "It was delayed by a bank holiday. The {date} {fmt} statement for account {account} will arrive with the next file.",
                "Thanks for your message. Because of the bank holiday, the {fmt} statement for account {account} dated {date} was not"
                " produced on the usual day. It will be delivered together with the next statement, and no data is missing.",
            ),
        ),
    ),
    (
        "api-certificate",
        (
            "Our payments API certificate for client id {client_id} expires on {next_date}. How do we rotate it without downtime?",
            "Calls from {org} to the payments API started failing with 401 on {date}. Client id is {client_id}. Has something changed?",
            "We need to replace the signing certificate on API client {client_id} before {next_date}. What is the process?",
        ),
        (
            (
                "Upload the new certificate in {portal} under API clients; both stay valid until {next_date}, so there is no downtime.",
                "Thank you for planning ahead. You can upload the new certificate for client {client_id} in {portal} under API"
                " clients. The old and new certificates are both accepted until {next_date}, so you can switch without any downtime.",
            ),
            (
                "The old certificate on client {client_id} expired. Upload a new one in {portal} and calls will succeed again.",
                "Thanks for getting in touch. The 401 errors are because the certificate registered on client {client_id} has expired."
                " Once you upload a renewed certificate in {portal}, the API will accept your calls again within a few minutes.",
            ),
        ),
    ),
    (
        "user-access",
        (
            "Please give {user} in our {team} team approval rights on account {account} in {portal}. Who needs to sign off?",
            "{user} joined {org} on {date} and cannot see account {account} in {portal}. What do we need to send you?",
            "Can you remove {user}'s access to account {account}? They left our {team} team on {date}.",
        ),
        (
            (
                "One of your two administrators can grant it in {portal} under Users; a second administrator must approve the change.",
                "Thank you for your request. Entitlements in {portal} are managed by your own administrators: one of them adds the"
                " approval right for {user} on account {account} under Users, and a second administrator approves the change.",
            ),
            (
                "Done: {user}'s access to account {account} was removed today. Your administrators will see the change in the audit log.",
                "Thank you for letting us know. We have removed {user}'s access to account {account} with effect from today, and the"
                " change appears in the audit log your administrators can see in {portal}. No further action is needed.",
            ),
        ),
    ),
    (
        "fees",
        (
            "Account {account} was charged {fee} {ccy} on {date} with reference {ref}. What is this fee for?",
            "We see a charge of {fee} {ccy} on account {account} ({ref}, {date}) that is not in our tariff. Can you explain it?",
            "Our {team} team is querying fee {ref} of {fee} {ccy} taken from account {account} on {date}. Please clarify.",
        ),
        (
            (
                "{ref} is the monthly charge for {count} {ptype} payments above your bundle, at the tariff's per-item price.",
                "Thank you for your question. Charge {ref} of {fee} {ccy} covers the {count} {ptype} payments made last month beyond"
                " the number included in your bundle, priced per item as in section 4 of your tariff.",
            ),
            (
                "{ref} was applied in error. We will refund {fee} {ccy} to account {account} by {next_date}.",
                "Thank you for pointing this out. Having reviewed charge {ref}, I can confirm it was applied in error. We will refund"
                " the {fee} {ccy} to account {account} by {next_date}, and we have corrected the setting that caused it.",
            ),
        ),
    ),
    (
        "cash-sweep",
        (
            "The sweep from account {account} into the {ccy} header account did not run on {date}. The balance was {amount} {ccy}.",
            "Why did {amount} {ccy} stay on account {account} overnight on {date} instead of sweeping to the pool?",
            "Can you move the daily sweep on account {account} to run after {time} instead of 17:00? Our {team} team posts late.",
        ),
        (
            (
                "The sweep on {date} was skipped because of a hold on account {account}. The hold is lifted and it runs tonight.",
                "Thank you for your message. The sweep from account {account} on {date} was skipped because a temporary hold was in"
                " place. The hold has now been lifted, and the balance will be swept to the header account in tonight's run.",
            ),
            (
                "Yes. From {next_date} the sweep on account {account} will run at {time}.",
                "Thank you for your request. We have updated the sweep schedule so that, starting {next_date}, the sweep from account"
                " {account} runs at {time} instead of 17:00. The pooling structure and header account are otherwise unchanged.",
            ),
        ),
    ),
    (
        "cut-off",
        (
            "What is the cut-off for a same-day {ccy} payment from account {account}? We have {amount} {ccy} to send on {next_date}.",
            "Our {ptype} file for {amount} {ccy} was uploaded at {time} on {date} but settled the next day. Was it after cut-off?",
            "If we release {ref} for {amount} {ccy} at {time} on {next_date}, will it settle the same day?",
        ),
        (
            (
                "Same-day {ccy} payments must be approved by {cutoff}; anything approved later settles the next business day.",
                "Thank you for checking. For same-day settlement in {ccy}, the payment must be fully approved in {portal} by {cutoff}."
                " Payments approved after that time are processed on the next business day, with the same value date rules.",
            ),
            (
                "Yes, it arrived after the cut-off, so it settled on the next business day as the tariff describes.",
                "Thank you for your question. The file was received after the cut-off for {ptype} payments in {ccy} that day, so it"
                " was processed on the next business day. To settle the same day, please upload and approve before the cut-off.",
            ),
            (
                "Only if it is fully approved before the {ccy} cut-off of {cutoff}; after that it settles the next business day.",
                "Thank you for checking before you release it. {ref} will settle the same day as long as every approval is complete"
                " before the {ccy} cut-off, which is {cutoff}. If the last approval comes later, it is processed the next business day.",
            ),
        ),
    ),
    (
        "card-limit",
        (
            "Please raise the monthly limit on {user}'s {card} ending {last4} to {limit} {ccy} for a trade fair on {next_date}.",
            "{user}'s {card} ending {last4} was declined on {date} for {fee} {ccy}. The limit should be {limit} {ccy}. Why?",
            "Can we get a temporary limit of {limit} {ccy} on the {card} ending {last4} until {next_date}? It belongs to {user}.",
        ),
        (
            (
                "The limit on the {card} ending {last4} is now {limit} {ccy} until {next_date}, then it returns to normal.",
                "Thank you for your request. We have raised the limit on {user}'s {card} ending {last4} to {limit} {ccy}. The"
                " temporary limit applies until {next_date}, after which it returns to the previous level automatically.",
            ),
            (
                "The decline was a fraud check on a new merchant. It is cleared; {user} can retry the payment now.",
                "Thank you for letting us know. The {card} ending {last4} was declined by an automatic fraud check because the"
                " merchant was new to the card. We have cleared the check, and {user} can retry the payment straight away.",
            ),
        ),
    ),
    (
        "interest",
        (
            "How was the interest of {fee} {ccy} on deposit {ref} calculated? It was {amount} {ccy} placed on {date}.",
            "The interest paid on deposit {ref} on {date} is lower than our {team} team calculated. Can you send the workings?",
            "Is interest on account {account} paid monthly or quarterly? We held about {amount} {ccy} there since {date}.",
        ),
        (
            (
                "Deposit {ref} earned {pct}% a year on an actual/360 basis for {count} days, which gives {fee} {ccy}.",
                "Thank you for your question. Deposit {ref} earned {pct}% a year, calculated on an actual/360 day count for the"
                " {count} days it was held, which gives {fee} {ccy}. I can send a statement of the daily accruals if useful.",
            ),
            (
                "Interest on account {account} is credited monthly, on the first business day of the next month.",
                "Thank you for your message. Interest on account {account} is calculated daily on the cleared balance and credited"
                " monthly, on the first business day of the following month. The rate follows your current pricing schedule.",
            ),
        ),
    ),
    (
        "direct-debit",
        (
            "Our direct debit collection {ref} for {amount} {ccy} from {beneficiary} failed on {date}. What was the reason?",
            "We need to set up a new direct debit mandate for {beneficiary} on account {account}. Which form do we use?",
            "{beneficiary} disputes collection {ref} of {amount} {ccy} taken on {date}. What happens next?",
        ),
        (
            (
                "Collection {ref} failed because the mandate was cancelled by the payer. A new mandate is needed before you collect.",
                "Thank you for your message. Collection {ref} was returned because {beneficiary} cancelled the mandate with their"
                " bank. You will need a new signed mandate before collecting again; the {amount} {ccy} was not taken.",
            ),
            (
                "For a disputed collection the payer's bank refunds them; you will see a debit of {amount} {ccy} by {next_date}.",
                "Thank you for getting in touch. When a payer disputes a collection, their bank refunds them under the scheme rules,"
                " and the {amount} {ccy} for {ref} will be debited from account {account} by {next_date}. You can then raise it with them.",
            ),
            (
                "Use the mandate form in {portal} under Collections; {beneficiary} signs it and you keep the original.",
                "Thank you for your message. New mandates are created in {portal} under Collections, where you can download the form"
                " for account {account}. Once {beneficiary} has signed it, keep the original on file and upload a copy to activate it.",
            ),
        ),
    ),
)
# Which resolutions answer which prompt (issue, prompt index) -> resolution indices; a prompt not listed takes any.
# fmt: off
FITS = {
    ("api-certificate", 0): (0,), ("api-certificate", 1): (1,), ("api-certificate", 2): (0,),
    ("user-access", 0): (0,), ("user-access", 1): (0,), ("user-access", 2): (1,),
    ("cash-sweep", 0): (0,), ("cash-sweep", 1): (0,), ("cash-sweep", 2): (1,),
    ("cut-off", 0): (0,), ("cut-off", 1): (1,), ("cut-off", 2): (2,),
    ("card-limit", 0): (0,), ("card-limit", 1): (1,), ("card-limit", 2): (0,),
    ("interest", 0): (0,), ("interest", 1): (0,), ("interest", 2): (1,),
    ("direct-debit", 0): (0,), ("direct-debit", 1): (2,), ("direct-debit", 2): (1,),
}
# fmt: on


@dataclass(frozen=True)
class Case:
    """One client conversation's facts: every slot a template may name."""

    org: str
    team: str
    name: str
    user: str
    beneficiary: str
    account: str
    amount: str
    fee: str
    ccy: str
    ccy2: str
    date: str
    next_date: str
    ref: str
    client_id: str
    rate: str
    pct: str
    bps: int
    count: int
    time: str
    cutoff: str
    limit: str
    last4: str
    fmt: str
    portal: str
    ptype: str
    card: str


def day_name(day: dt.date) -> str:
    return f"{day.day} {day:%B}"


def draw_case(rng: random.Random, collected: dt.datetime) -> Case:
    before = collected.date() - dt.timedelta(days=rng.randint(1, 20))
    after = collected.date() + dt.timedelta(days=rng.randint(1, 12))
    ptype = rng.choice(PAYMENT_TYPES)
    ccy = SCHEME_CURRENCY.get(ptype) or rng.choice(CURRENCIES)  # a SEPA payment is in euros, a Bacs or CHAPS one in pounds
    ccy2 = rng.choice([c for c in CURRENCIES if c != ccy])
    return Case(
        org=rng.choice(ORGS),
        team=rng.choice(TEAMS),
        name=rng.choice(NAMES),
        user=f"{rng.choice(NAMES)} {rng.choice('ABCDEFGHJKLMNPRSTW')}.",
        beneficiary=rng.choice(ORGS),
        account=f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        amount=f"{rng.randint(250, 950_000):,}.{rng.randint(0, 99):02d}",
        fee=f"{rng.randint(5, 4_000):,}.{rng.randint(0, 99):02d}",
        ccy=ccy,
        ccy2=ccy2,
        date=day_name(before),
        next_date=day_name(after),
        ref=f"{rng.choice(('PAY', 'TRN', 'FX', 'DD', 'CHG', 'DEP'))}-{rng.randint(1_000_000, 9_999_999)}",
        client_id=f"cl-{rng.randint(10_000, 99_999)}",
        rate=f"{rng.uniform(0.5, 4.5):.4f}",
        pct=f"{rng.uniform(0.5, 4.5):.2f}",
        bps=rng.randint(8, 45),
        count=rng.randint(12, 400),
        time=f"{rng.randint(13, 19)}:{rng.choice(('00', '15', '30', '45'))}",
        cutoff=rng.choice(("14:00", "15:00", "15:30", "16:00", "16:30")),
        limit=f"{rng.randint(5, 80) * 1_000:,}",
        last4=f"{rng.randint(0, 9999):04d}",
        fmt=rng.choice(FORMATS),
        portal=rng.choice(PORTALS),
        ptype=ptype,
        card=rng.choice(CARD_TYPES),
    )


def fill(template: str, case: Case) -> str:
    return template.format(**vars(case))


def compose(rng: random.Random, template: str, case: Case) -> str:
    """A client's message: an opener, the body, a closer and a signature, each possibly empty."""
    signature = rng.choice(SIGNATURES)
    parts = [rng.choice(OPENERS), fill(template, case), rng.choice(CLOSERS), fill(signature, case) if signature else ""]
    return " ".join(p for p in parts if p)


def shingle_set(text: str) -> frozenset[str]:
    """The 3-word shingles `ftgov data check` compares: NFKC, casefolded, runs of \\w."""
    words = WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) <= NGRAM:
        return frozenset({" ".join(words)})
    return frozenset(" ".join(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class KeptApart:
    """Texts drawn so far, per template: a new one is refused if it is close to any earlier one of its template."""

    def __init__(self) -> None:
        self.by_template: dict[str, list[frozenset[str]]] = {}

    def admit(self, template: str, text: str) -> bool:
        grams = shingle_set(text)
        kept = self.by_template.setdefault(template, [])
        if any(jaccard(grams, other) >= KEEP_APART for other in kept):
            return False
        kept.append(grams)
        return True


Drawn = TypeVar("Drawn")


def draw_apart(rng: random.Random, apart: KeptApart, draw: Callable[[random.Random], tuple[str, str, Drawn]]) -> tuple[str, str, Drawn]:
    """Draw until the text is apart from every earlier text of its template: (template, text, whatever else the draw gave)."""
    while True:
        template, text, extra = draw(rng)
        if apart.admit(template, text):
            return template, text, extra


def moment(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    """A time during business hours on a weekday between first and last, in UTC."""
    while True:
        day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
        if day.weekday() < 5:
            break
    return dt.datetime(day.year, day.month, day.day, rng.randint(7, 17), rng.randint(0, 59), rng.randint(0, 59), tzinfo=dt.UTC)


def iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def conversation_ids(rng: random.Random, count: int) -> list[str]:
    """Distinct conversation ids: one number space for the training and validation conversations, so none is shared."""
    return [f"conv-{n:07d}" for n in rng.sample(range(1_000_000, 10_000_000), count)]


def support_draw(collected: dt.datetime) -> Callable[[random.Random], tuple[str, str, tuple[Case, tuple[str, str]]]]:
    """(template, the client's message, (the case, the resolution's chosen and rejected templates)) of one conversation."""

    def draw(rng: random.Random) -> tuple[str, str, tuple[Case, tuple[str, str]]]:
        issue, prompts, resolutions = rng.choice(ISSUES)
        which = rng.randrange(len(prompts))
        case = draw_case(rng, collected)
        answer = resolutions[rng.choice(FITS.get((issue, which), range(len(resolutions))))]
        return f"{issue}/{which}", compose(rng, prompts[which], case), (case, answer)

    return draw


def annotate(rng: random.Random) -> tuple[str, list[str]]:
    """(where the chosen answer was shown, the three annotators' choices); the chosen answer is the majority's."""
    shown = rng.choice("ab")
    other = "b" if shown == "a" else "a"
    hard = rng.random() < HARD_SHARE
    while True:
        labels = [other if rng.random() < error * (2 if hard else 1) else shown for error in ANNOTATOR_ERROR]
        if labels.count(shown) >= 2:  # a pair whose majority preferred the longer answer was not kept as a "shorter" pair
            return shown, labels


def training_pairs(rng: random.Random, apart: KeptApart, ids: list[str]) -> tuple[list[dict[str, object]], list[str]]:
    """The pairs, and the template of each one's prompt."""
    _, count = TRAINING
    records: list[dict[str, object]] = []
    templates: list[str] = []
    stamps = sorted(moment(rng, dt.date(2026, 7, 8), dt.date(2026, 9, 30)) for _ in range(count))
    for index, collected in enumerate(stamps):
        template, prompt, extra = draw_apart(rng, apart, support_draw(collected))
        case, (chosen, rejected) = extra
        templates.append(template)
        position, labels = annotate(rng)
        records.append(
            {
                "id": f"cpp-{index + 1:05d}",
                "conversation_id": ids[index],
                "prompt": prompt,
                "chosen": fill(chosen, case),
                "rejected": fill(rejected, case),
                "chosen_position": position,
                "labels": labels,
                "collected_at": iso(collected),
            }
        )
    return records, templates


# The words a client changes when resending a message, each for one of the same length in words.
# fmt: off
SWAPS = {
    "Our": "My", "our": "my", "We": "I", "we": "I", "Can": "Could", "Please": "Kindly", "What": "Which",
    "did": "does", "today": "tomorrow", "is": "was", "the": "this", "Thanks": "Cheers", "Hello": "Hi", "Hi": "Hello",
}
# fmt: on


def reword(text: str, rng: random.Random) -> str | None:
    """`text` with two words swapped for others, still a near copy (Jaccard >= 0.8 of 3-word shingles), or None."""
    words = list(re.finditer(r"[A-Za-z]+", text))
    candidates = [i for i, m in enumerate(words) if m.group() in SWAPS]
    pairs = [(i, j) for i in candidates for j in candidates if i < j]
    rng.shuffle(pairs)
    for i, j in pairs:
        copy = text
        for k in (j, i):  # the later one first, so the earlier one's offsets still hold
            m = words[k]
            copy = copy[: m.start()] + SWAPS[m.group()] + copy[m.end() :]
        if jaccard(shingle_set(text), shingle_set(copy)) >= 0.8:
            return copy
    return None


def plant(training: list[dict[str, object]], templates: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """(training id, validation prompt) for each planted copy: one exact, two reworded.

    The originals are long enough for two changed words to leave a near copy, were collected
    before September (so they can recur in it) and come from three different issues.
    """
    planted: list[tuple[str, str]] = []
    issues: set[str] = set()
    while len(planted) < 3:
        index = rng.randrange(len(training))
        original = str(training[index]["prompt"])
        issue = templates[index].split("/")[0]
        if issue in issues or str(training[index]["collected_at"]) >= "2026-09-01" or len(WORD.findall(original)) < 34:
            continue
        copy = original if not planted else reword(original, rng)
        if copy is not None:
            issues.add(issue)
            planted.append((str(training[index]["id"]), copy))
    return planted


def validation_sample(rng: random.Random, apart: KeptApart, ids: list[str], planted: list[tuple[str, str]]) -> list[dict[str, object]]:
    _, count = VALIDATION
    stamps = sorted(moment(rng, dt.date(2026, 9, 1), dt.date(2026, 9, 30)) for _ in range(count))
    slots = sorted(rng.sample(range(count), len(planted)))  # where the planted copies go, anywhere in the month
    records: list[dict[str, object]] = []
    for index, collected in enumerate(stamps):
        if index in slots:
            prompt = planted[slots.index(index)][1]
        else:
            _, prompt, _ = draw_apart(rng, apart, support_draw(collected))
        records.append({"conversation_id": ids[index], "prompt": prompt, "collected_at": iso(collected)})
    return records


# --- general instructions, replayed against forgetting --------------------------------------------------------------

CONCEPTS = (
    ("compound interest", "interest earned on earlier interest as well as on the original amount"),
    ("inflation", "a general rise in prices that lowers what a unit of money buys"),
    ("photosynthesis", "how plants turn light, water and carbon dioxide into sugar and oxygen"),
    ("a hash function", "a function that maps data of any size to a fixed-size value"),
    ("opportunity cost", "the value of the best alternative given up by a choice"),
    ("plate tectonics", "the slow movement of the large plates that form the Earth's crust"),
    ("a median", "the middle value of a sorted list of numbers"),
    ("supply and demand", "how the price of a good settles where buyers and sellers agree"),
    ("a database index", "a structure that lets a database find rows without scanning them all"),
    ("the water cycle", "the continuous movement of water between sea, air and land"),
    ("a bond's yield", "the return an investor gets on a bond at its current price"),
    ("version control", "a record of changes to files that lets a team work on them together"),
    ("herd immunity", "indirect protection when enough of a population is immune"),
    ("a budget deficit", "a government spending more than it collects in a year"),
    ("recursion", "a function solving a problem by calling itself on smaller parts of it"),
    ("the greenhouse effect", "gases in the atmosphere trapping heat radiated from the ground"),
    ("diversification", "spreading investments so that one loss does not sink the whole"),
    ("an API", "a defined way for one program to ask another for data or actions"),
    ("a leap year", "a year with an extra day that keeps the calendar aligned with the seasons"),
    ("encryption", "turning readable data into a form only a key holder can read"),
)
AUDIENCES = ("a ten-year-old", "a new employee", "a busy manager", "a first-year student", "a retired teacher", "a small business owner")
STYLES = ("in two sentences", "in three short bullet points", "in under fifty words", "with one everyday example", "without jargon")
# fmt: off
UNITS = (
    ("miles", "kilometres", 1.609344), ("pounds", "kilograms", 0.45359237), ("gallons", "litres", 3.785411784),
    ("feet", "metres", 0.3048), ("inches", "centimetres", 2.54),
)
# fmt: on
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
MEETINGS = ("budget review", "quarterly planning session", "project kick-off", "supplier call", "team retrospective", "training session")
RECIPIENTS = ("a colleague", "a client", "your manager", "a supplier", "the facilities team")
CITIES = ("Leeds", "Lyon", "Gdansk", "Porto", "Utrecht", "Aarhus", "Bilbao", "Graz", "Turku", "Cork", "Brno", "Malmo")
ITEMS = ("printers", "laptops", "desks", "chairs", "monitors", "phones", "lockers", "whiteboards")
PLACES = ("library", "market", "station", "office", "museum", "bank", "post office", "gym")


def _numbers(rng: random.Random) -> list[int]:
    return [rng.randint(1, 999) for _ in range(rng.randint(3, 6))]


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(NAMES)} sent {rng.randint(2, 40)} {rng.choice(ITEMS)} to {rng.choice(CITIES)}"


# (function name, argument, what it does, its body, a sample argument, the function itself: to state what the sample returns)
# fmt: off
FUNCTIONS: tuple[tuple[str, str, str, str, Callable[[random.Random], object], Callable[[Any], object]], ...] = (
    ("average", "xs", "returns the mean of a list of numbers", "return sum(xs) / len(xs)", _numbers, lambda xs: sum(xs) / len(xs)),
    ("largest", "xs", "returns the largest number in a list", "return max(xs)", _numbers, max),
    ("word_count", "sentence", "counts the words in a sentence", "return len(sentence.split())", _sentence, lambda s: len(s.split())),
    (
        "is_palindrome", "s", "returns True when a string reads the same backwards", "return s == s[::-1]",
        lambda r: r.choice(("level", "rotor", "civic", "radar", "kayak", "ledger", "signal", "madam", "refer", "banner")),
        lambda s: s == s[::-1],
    ),
    (
        "celsius_to_fahrenheit", "c", "converts a temperature from Celsius to Fahrenheit", "return c * 9 / 5 + 32",
        lambda r: r.randint(-30, 45), lambda c: c * 9 / 5 + 32,
    ),
    (
        "vowels", "word", "counts the vowels in a word", "return sum(ch in 'aeiou' for ch in word.lower())",
        lambda r: r.choice(CITIES), lambda w: sum(ch in "aeiou" for ch in w.lower()),
    ),
)
# fmt: on


def replay_draw(rng: random.Random) -> tuple[str, str, str]:
    """(template, prompt, response) of one general instruction: explanations, arithmetic, writing, summaries, code."""
    kind = rng.choice(("explain", "convert", "email", "multiply", "summarise", "grammar", "code", "define"))
    if kind == "explain":
        (concept, meaning), audience, style = rng.choice(CONCEPTS), rng.choice(AUDIENCES), rng.choice(STYLES)
        prompt = f"Explain {concept} to {audience} {style}."
        response = f"Put simply, {concept} is {meaning}. The one thing to remember is how it affects everyday decisions."
    elif kind == "convert":
        source, target, factor = rng.choice(UNITS)
        one, two = rng.randint(2, 500), rng.randint(2, 500)
        prompt = f"Convert {one} {source} and {two} {source} to {target}, then give the total."
        response = (
            f"{one} {source} = {one * factor:,.2f} {target}; {two} {source} = {two * factor:,.2f} {target};"
            f" total {(one + two) * factor:,.2f} {target}."
        )
    elif kind == "email":
        meeting, recipient = rng.choice(MEETINGS), rng.choice(RECIPIENTS)
        first, second = rng.sample(WEEKDAYS, 2)
        hour = rng.randint(9, 16)
        prompt = f"Write a short, polite email to {recipient} asking to move the {meeting} from {first} to {second} at {hour}:00."
        response = (
            f"Subject: Moving the {meeting}\n\nHello,\n\nWould it be possible to move the {meeting} from {first} to {second}"
            f" at {hour}:00? Please let me know if that time works for you.\n\nThank you,"
        )
    elif kind == "multiply":
        a, b = rng.randint(12, 999), rng.randint(12, 99)
        prompt = f"What is {a} multiplied by {b}? Work it out step by step."
        tens, units = b // 10 * 10, b % 10
        response = f"{a} × {tens} = {a * tens:,} and {a} × {units} = {a * units:,}, so {a} × {b} = {a * b:,}."
    elif kind == "summarise":
        org, city, staff, cut = rng.choice(ORGS), rng.choice(CITIES), rng.randint(20, 400), rng.randint(5, 40)
        month = rng.choice(("January", "March", "May", "June", "September", "November"))
        prompt = (
            f"Summarise in one sentence: {org} moved {staff} staff to a new office in {city} in {month}. Commutes fell by {cut}%"
            f" on average, and the old site will be sold next year."
        )
        response = f"{org} moved {staff} staff to {city} in {month}, cutting average commutes by {cut}%, and will sell the old site."
    elif kind == "grammar":
        name, place, count, items = rng.choice(NAMES), rng.choice(PLACES), rng.randint(2, 30), rng.choice(ITEMS)
        day = rng.choice(WEEKDAYS)
        prompt = f"Correct the grammar: '{name} have went to the {place} on {day} and buyed {count} {items} for the team.'"
        response = f"{name} went to the {place} on {day} and bought {count} {items} for the team."
    elif kind == "code":
        name, argument, purpose, body, sample, function = rng.choice(FUNCTIONS)
        given = sample(rng)
        example, value = repr(given), function(given)
        prompt = f"Write a Python function {name}({argument}) that {purpose}, and show what {name}({example}) returns."
        doc = purpose[0].upper() + purpose[1:]
        response = f'def {name}({argument}):\n    """{doc}."""\n    {body}\n\n{name}({example}) returns {value!r}.'
    else:
        (first, first_meaning), (second, second_meaning) = rng.sample(CONCEPTS, 2)
        audience = rng.choice(AUDIENCES)
        prompt = f"Define {first} and {second} for {audience}, one sentence each."
        response = f"{first[0].upper() + first[1:]}: {first_meaning}.\n{second[0].upper() + second[1:]}: {second_meaning}."
    return kind, prompt, response


def replay_table(rng: random.Random) -> pa.Table:
    _, count = REPLAY
    apart = KeptApart()
    stamps = sorted(moment(rng, dt.date(2025, 3, 3), dt.date(2025, 11, 28)) for _ in range(count))
    ids, prompts, responses = [], [], []
    for index in range(count):
        _, prompt, response = draw_apart(rng, apart, replay_draw)
        ids.append(f"gi-{index + 1:06d}")
        prompts.append(prompt)
        responses.append(str(response))
    return pa.table(
        {
            "conversation_id": pa.array(ids, pa.string()),
            "prompt": pa.array(prompts, pa.string()),
            "response": pa.array(responses, pa.string()),
            "collected_at": pa.array(stamps, pa.timestamp("s", tz="UTC")),
        }
    )


def write_jsonl(path: Path, records: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / ROUND
    out.mkdir(parents=True, exist_ok=True)
    ids = conversation_ids(random.Random(f"{SEED}/conversations"), TRAINING[1] + VALIDATION[1])
    apart = KeptApart()  # one for training and validation: a validation prompt is kept apart from every training prompt too
    training, templates = training_pairs(random.Random(f"{SEED}/training"), apart, ids[: TRAINING[1]])
    planted = plant(training, templates, random.Random(f"{SEED}/planted"))
    validation = validation_sample(random.Random(f"{SEED}/validation"), apart, ids[TRAINING[1] :], planted)
    write_jsonl(out / f"{TRAINING[0]}.jsonl", training)
    write_jsonl(out / f"{VALIDATION[0]}.jsonl", validation)
    pq.write_table(replay_table(random.Random(f"{SEED}/replay")), out / f"{REPLAY[0]}.parquet", compression="zstd")
    print(f"wrote {len(training):,} pairs, {REPLAY[1]:,} replay rows and {len(validation):,} validation records under {out}")
    print("planted in validation: " + ", ".join(f"a copy of {training_id}" for training_id, _ in planted))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
