"""The one place dosecalc reads the clock, so that every time zone gives a date or a time.

A report states when it was made in the local time zone (``TZ``, else the system's). Any
``TZ`` value works: one Python cannot represent (``UTC+24``, an offset of a day or more),
or one the system cannot read, gives the time in UTC, said as UTC, never a crash.

A date is compared in one way only: as a calendar date against the local date
(`local_today`), with `DATE_GRACE` for a date written where the day has already begun (a
review dated "today" in a zone ahead of this one).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

DATE_GRACE: Final = dt.timedelta(days=1)
"""How far after the local date a date may lie and still count as not in the future."""


def local_time(moment: dt.datetime | None = None) -> dt.datetime:
    """``moment`` (default: now) in the local time zone, or in UTC where that cannot be
    represented. Always aware. A naive ``moment`` is read as local time."""
    if moment is None:
        moment = dt.datetime.now(dt.UTC)
    try:
        return moment.astimezone()
    except (ValueError, OverflowError, OSError):
        if moment.tzinfo is None:  # local time, in a zone that cannot be represented
            moment = moment.replace(tzinfo=dt.UTC) - _local_offset_or_zero(moment)
        return moment.astimezone(dt.UTC)


def local_today() -> dt.date:
    """Today's date in the local time zone (UTC's where the local one cannot be read)."""
    try:
        return dt.date.today()
    except (ValueError, OverflowError, OSError):
        return dt.datetime.now(dt.UTC).date()


def is_after_today(date: dt.date) -> bool:
    """True for a date later than the local date and its day of grace (`DATE_GRACE`)."""
    return date > local_today() + DATE_GRACE


def _local_offset_or_zero(moment: dt.datetime) -> dt.timedelta:
    """How far local time (as the C library gives it) is ahead of UTC at ``moment``."""
    import time

    try:
        return dt.timedelta(seconds=time.localtime(moment.timestamp()).tm_gmtoff)
    except (ValueError, OverflowError, OSError):
        return dt.timedelta(0)


def zone_label(moment: dt.datetime) -> str:
    """How a report names the zone of ``moment``: ``UTC``, ``CET (UTC+01:00)``, or the
    offset alone where the zone's name is not a plain abbreviation (``UTC+14:00``)."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes >= 0 else "-"
    numeric = "UTC" if minutes == 0 else f"UTC{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"
    name = moment.tzname() or ""
    if name == numeric or not (name.isascii() and name.isalpha() and 3 <= len(name) <= 5):
        return numeric
    return f"{name} ({numeric})" if name != "UTC" else numeric
