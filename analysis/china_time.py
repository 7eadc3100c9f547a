"""China Standard Time: every time is stored in UTC and shown, read and dated in this zone — defined here once."""
from __future__ import annotations

from datetime import timedelta, timezone

#: the IANA name, for what needs a name (Babel's default time zone)
TIME_ZONE_NAME = "Asia/Shanghai"
#: UTC+8; a fixed offset equals Asia/Shanghai for every date since 1991 (no daylight saving) and needs no tz database
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
