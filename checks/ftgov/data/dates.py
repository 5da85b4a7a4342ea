"""When a data file's records were collected: the earliest and latest date in one field, and how many are undated.

Data collected before the task was defined was not collected for it: a support transcript from
before the new refund policy teaches the old policy. This module measures the collection date
range of a stream of records in one pass, and, given a boundary (the moment the task definition
in force was approved), how many dated records fall before it.

A date is read from:

- an ISO 8601 string (`datetime.fromisoformat`): a date alone (`2026-07-01`) is midnight UTC, a
  date-time without an offset (`2026-07-01T09:30:00`) is taken as UTC, one with an offset
  (`+02:00`, `Z`) is converted to UTC;
- a Python `datetime` or `date`, which is what pyarrow gives for Parquet and Arrow timestamp and
  date columns (a timestamp column without a time zone is naive, so UTC as above; nanoseconds
  are cut to microseconds).

Every instant returned is timezone-aware UTC. A record without the field, with null, or with an
empty string (CSV's null) is *undated*. A value that is present and is not a date (an unparseable
string, a number, a boolean) is an `InputError` naming the record's `file:line` and the value:
guessing whether 1751328000 is seconds or milliseconds would record a wrong date as evidence.

Memory: constant; one record at a time, and four numbers and two instants kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from ftgov.data.readers import Record
from ftgov.documents.errors import InputError

# A value quoted in a message is cut here so a stray document in a date field cannot flood the terminal.
QUOTE_LIMIT = 60


@dataclass(frozen=True)
class DateRange:
    """The dates of one field across a file; `earliest`/`latest` are None only when no record is dated."""

    field: str
    earliest: datetime | None  # UTC
    latest: datetime | None  # UTC
    dated: int
    undated: int  # records without the field, with null, or with an empty string
    before_boundary: int | None = None  # dated records strictly before the boundary, when one was given


def measure_dates(records: Iterable[Record], date_field: str, boundary: datetime | None = None) -> DateRange | None:
    """The date range of `date_field` over `records`, or None when there are no records (nothing measured).

    A file whose records all lack the date still gives a DateRange (earliest and latest None,
    every record undated): a date field that names nothing is itself worth recording.
    """
    limit = as_utc(boundary) if boundary is not None else None
    earliest: datetime | None = None
    latest: datetime | None = None
    dated = undated = before = 0
    for record in records:
        when = parse_date(record.fields.get(date_field), date_field, record.where)
        if when is None:
            undated += 1
            continue
        dated += 1
        if earliest is None or when < earliest:
            earliest = when
        if latest is None or when > latest:
            latest = when
        if limit is not None and when < limit:
            before += 1
    if dated + undated == 0:
        return None
    return DateRange(date_field, earliest, latest, dated, undated, before if limit is not None else None)


def parse_date(value: object, date_field: str, where: str) -> datetime | None:
    """The UTC instant `value` stands for, None when it is missing, or an InputError naming `where` and the value."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(f"{where}: {date_field!r} is {_quote(value)}, not an ISO 8601 date or date-time") from None
        return _utc(parsed, date_field, where)
    if isinstance(value, datetime):  # before `date`: a datetime is a date too
        return _utc(value, date_field, where)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    raise InputError(
        f"{where}: {date_field!r} is {type(value).__name__} {_quote(value)}, not a date"
        " (give an ISO 8601 string, or a date or timestamp column)"
    )


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive one is taken as UTC, as in the files."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc(moment: datetime, date_field: str, where: str) -> datetime:
    if type(moment) is not datetime:
        # A subclass: pyarrow gives pandas.Timestamp for nanosecond timestamps when pandas is installed. Kept as a
        # plain datetime, to the microsecond, so what is recorded does not depend on what else is installed.
        moment = datetime.combine(moment.date(), moment.timetz())
    try:
        return as_utc(moment)
    except OverflowError:  # an offset pushing 0001-01-01 or 9999-12-31 past what datetime holds
        raise InputError(f"{where}: {date_field!r} is {moment.isoformat()}, outside the years 1-9999 in UTC") from None


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"
