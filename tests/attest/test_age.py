"""--max-age and how old a signed statement may be: the parser of durations and the boundaries of age_reason."""

from __future__ import annotations

import datetime as dt

import pytest

from ftgov.attest.age import CLOCK_SKEW, DEFAULT_MAX_AGE, age_reason, parse_duration
from ftgov.documents.errors import InputError

SIGNED_AT = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


# Each text against the same length written in the smallest unit: two parses compared, no number of seconds, no clock.
@pytest.mark.parametrize(
    ("text", "same"),
    [
        ("7d", "604800s"),
        ("12h", "43200s"),
        ("1w2d", "777600s"),
        ("90m", "5400s"),
        ("30s", "30s"),
        ("1d12h", "129600s"),
        (" 7D ", "604800s"),  # as an environment variable or a hand-edited workflow may give it
        ("0d1h", "3600s"),  # a zero part is harmless when the whole is not zero
    ],
)
def test_a_duration_is_read(text: str, same: str) -> None:
    assert parse_duration(text) == parse_duration(same)


def test_the_default_is_a_week() -> None:
    assert DEFAULT_MAX_AGE == "7d"
    assert parse_duration(DEFAULT_MAX_AGE) == parse_duration("1w")


def test_units_are_not_confused() -> None:
    """m is minutes, never months; s seconds; w weeks: each differs from its neighbours."""
    assert len({parse_duration(t) for t in ("1s", "1m", "1h", "1d", "1w")}) == 5
    assert parse_duration("60s") == parse_duration("1m") and parse_duration("60m") == parse_duration("1h")
    assert parse_duration("24h") == parse_duration("1d") and parse_duration("7d") == parse_duration("1w")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "give a duration such as 7d, 12h, 90m or 1w2d"),
        ("7", "give a duration such as"),
        ("d7", "give a duration such as"),
        ("7x", "give a duration such as"),
        ("-1d", "give a duration such as"),
        ("7d 2h", "give a duration such as"),
        ("1.5d", "give a duration such as"),
        ("7 days", "give a duration such as"),
        ("P7D", "give a duration such as"),
        ("0d", "must be longer than zero"),
        ("0h0m", "must be longer than zero"),
    ],
)
def test_anything_else_is_an_input_error_naming_the_option(text: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_duration(text)
    assert str(caught.value).startswith(f"--max-age {text!r}: {reason}")
    assert caught.value.exit_code == 2


def test_the_error_names_the_option_it_was_given_as() -> None:
    with pytest.raises(InputError, match=r"^--deploy-max-age '7': give a duration"):
        parse_duration("7", "--deploy-max-age")


def test_a_statement_exactly_max_age_old_is_current_and_one_second_more_is_not() -> None:
    assert age_reason(SIGNED_AT, SIGNED_AT + WEEK, WEEK, "the approval") is None
    stale = age_reason(SIGNED_AT, SIGNED_AT + WEEK + dt.timedelta(seconds=1), WEEK, "the approval")
    assert stale == "the approval was signed at 2026-11-30T09:00:00Z, more than 7 days ago; fetch the latest bundle"


def test_a_statement_signed_just_now_is_current() -> None:
    assert age_reason(SIGNED_AT, SIGNED_AT, WEEK, "the approval") is None


def test_a_signer_clock_a_little_ahead_is_tolerated_and_more_is_a_statement_from_the_future() -> None:
    assert age_reason(SIGNED_AT, SIGNED_AT - CLOCK_SKEW, WEEK, "the run") is None
    early = age_reason(SIGNED_AT, SIGNED_AT - CLOCK_SKEW - dt.timedelta(seconds=1), WEEK, "the run")
    assert early == (
        "the run was signed at 2026-11-30T09:00:00Z, after now (2026-11-30T08:54:59Z): the signer's clock or the statement is wrong"
    )


def test_a_statement_with_no_signing_time_cannot_be_bounded() -> None:
    assert age_reason(None, SIGNED_AT, WEEK, "the decision") == "the decision carries no signing time, so its age cannot be bounded"


def test_times_in_other_zones_are_compared_as_instants() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    signed_in_paris = SIGNED_AT.astimezone(paris)
    assert age_reason(signed_in_paris, SIGNED_AT + WEEK, WEEK, "the approval") is None
    assert "signed at 2026-11-30T09:00:00Z" in (age_reason(signed_in_paris, SIGNED_AT + 2 * WEEK, WEEK, "the approval") or "")


@pytest.mark.parametrize(
    ("max_age", "words"),
    [("1d", "1 day"), ("12h", "12 hours"), ("90m", "90 minutes"), ("1w2d", "9 days"), ("30s", "30 seconds"), ("1h", "1 hour")],
)
def test_the_reason_says_the_limit_in_words(max_age: str, words: str) -> None:
    span = parse_duration(max_age)
    reason = age_reason(SIGNED_AT, SIGNED_AT + span + dt.timedelta(seconds=1), span, "the approval")
    assert reason is not None and f"more than {words} ago" in reason
