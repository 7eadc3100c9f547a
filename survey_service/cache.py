"""A small cache for computed documents: Redis when ``REDIS_URL`` is set (shared by every worker), else in-process.

Keys carry a fingerprint of the data they were computed from, so entries never need invalidating: a change in
the data makes a new key, and old entries age out.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict

from flask import current_app

TIME_TO_LIVE = 24 * 3600
LOCAL_ENTRIES = 64


class DocumentCache:
    def __init__(self, redis_url: str | None):
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._local: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        raw = self.get_text(key)
        return json.loads(raw) if raw is not None else None

    def set(self, key: str, document: dict) -> None:
        self.set_text(key, json.dumps(document, ensure_ascii=False, separators=(",", ":")))

    def set_text(self, key: str, raw: str) -> None:
        if self._redis is not None:
            try:
                self._redis.set(key, raw, ex=TIME_TO_LIVE)
                return
            except Exception as exc:  # a cache outage must not fail the request; compute again next time
                current_app.logger.warning("document cache unavailable: %s", exc)
        with self._lock:
            self._local[key] = raw
            self._local.move_to_end(key)
            while len(self._local) > LOCAL_ENTRIES:
                self._local.popitem(last=False)

    def get_text(self, key: str) -> str | None:
        if self._redis is not None:
            try:
                raw = self._redis.get(key)
                return raw.decode() if raw is not None else None
            except Exception as exc:
                current_app.logger.warning("document cache unavailable: %s", exc)
        with self._lock:
            return self._local.get(key)


def document_cache() -> DocumentCache:
    """The app's cache, created on first use."""
    cache = current_app.extensions.get("document_cache")
    if cache is None:
        cache = current_app.extensions["document_cache"] = DocumentCache(current_app.config.get("REDIS_URL"))
    return cache
