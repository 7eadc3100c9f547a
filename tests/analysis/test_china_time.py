"""China Standard Time as a fixed offset: the same as the tz database's Asia/Shanghai for every date it is used for."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from analysis.china_time import CHINA_STANDARD_TIME, TIME_ZONE_NAME


def test_the_fixed_offset_is_asia_shanghai_since_1991():
    shanghai = ZoneInfo(TIME_ZONE_NAME)
    moment = datetime(1991, 9, 16, tzinfo=timezone.utc)       # the end of China's last daylight saving time
    while moment.year < 2040:
        assert moment.astimezone(CHINA_STANDARD_TIME).utcoffset() == moment.astimezone(shanghai).utcoffset()
        moment += timedelta(days=97, hours=5)


def test_a_utc_time_reads_as_the_report_dates_it():
    closes = datetime(2018, 6, 18, 10, 0, tzinfo=timezone.utc)
    assert closes.astimezone(CHINA_STANDARD_TIME).isoformat() == "2018-06-18T18:00:00+08:00"


def test_wall_clock_is_beijing_time_without_a_zone_and_back():
    from datetime import datetime, timezone

    from analysis.china_time import from_wall_clock, wall_clock

    stored = datetime(2018, 6, 18, 10, 0, tzinfo=timezone.utc)
    assert wall_clock(stored) == datetime(2018, 6, 18, 18, 0)
    assert from_wall_clock(datetime(2018, 6, 18, 18, 0)) == stored
    assert wall_clock(None) is None and from_wall_clock(None) is None
