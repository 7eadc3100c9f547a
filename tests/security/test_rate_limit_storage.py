"""The in-process rate-limit counters of the embedded default: they count and expire as limits' own storage does,
without starting a thread for every counted request."""
import threading
import time

import limits.storage.memory
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from survey_service.extensions import TidyMemoryStorage, limiter


def test_the_app_counts_in_the_tidy_storage(app):
    with app.app_context():
        assert isinstance(limiter.storage, TidyMemoryStorage)


def test_a_limit_refuses_past_its_count_and_allows_again_after_its_window():
    storage = TidyMemoryStorage("tidy-memory://")
    window = FixedWindowRateLimiter(storage)
    three_a_second = parse("3/second")
    assert [window.hit(three_a_second, "client") for _ in range(4)] == [True, True, True, False]
    assert window.hit(three_a_second, "another client")
    time.sleep(1.05)
    assert window.hit(three_a_second, "client")


def test_counting_starts_no_thread_per_request(monkeypatch):
    started = []
    real_timer = threading.Timer

    def recording_timer(*args, **kwargs):
        started.append(args)
        return real_timer(*args, **kwargs)

    monkeypatch.setattr(limits.storage.memory.threading, "Timer", recording_timer)
    storage = TidyMemoryStorage("tidy-memory://")
    for _ in range(20):
        storage.incr("client", 60)
        time.sleep(0.012)  # longer than the library's 10 ms timer: its storage would start one per count here
    assert storage.get("client") == 20
    assert len(started) == 1  # the library's constructor's own


def test_old_keys_are_swept_by_a_later_count():
    storage = TidyMemoryStorage("tidy-memory://")
    storage.TIDY_EVERY_SECONDS = 0
    storage.incr("gone", 0.01)
    time.sleep(0.03)
    storage.incr("kept", 60)
    assert "gone" not in storage.storage and "gone" not in storage.expirations
    assert storage.get("kept") == 1
