"""China Standard Time: every time is stored in UTC and shown, read and dated in this zone — defined here once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

#: the IANA name, for what needs a name (Babel's default time zone)
TIME_ZONE_NAME = "Asia/Shanghai"
#: UTC+8; a fixed offset equals Asia/Shanghai for every date since 1991 (no daylight saving) and needs no tz database
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


def wall_clock(moment: datetime | None) -> datetime | None:
    """A stored (UTC) time as Beijing wall-clock time without a zone: what a form field or a spreadsheet cell
    holds (neither knows time zones)."""
    return moment.astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None) if moment else None


def from_wall_clock(value: datetime | None) -> datetime | None:
    """A Beijing wall-clock time (typed in a form, no zone) in UTC."""
    return value.replace(tzinfo=CHINA_STANDARD_TIME).astimezone(timezone.utc) if value else None
