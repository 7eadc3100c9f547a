"""Flask extensions, created unbound and bound to the app in :func:`survey_service.create_app`; Flask-Migrate
is bound by :func:`survey_service.database.bind_migrations`, only where migrations run."""
import logging
import time

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.exceptions import TooManyRequests

# Deterministic constraint names, so Alembic migrations can drop what they create on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


class TidyMemoryStorage(MemoryStorage):
    """limits' in-process counters (the embedded default, without Redis), tidied by a counting request at most once
    a second instead of by a new thread.

    The library's storage starts a 10 ms timer thread after a count whenever its last timer has ended, which for
    requests more than 10 ms apart is one new thread per counted request (about a millisecond of each API call).
    A counter expires when it is read all the same (``get``); only the sweep of old keys moves into the request.
    """

    STORAGE_SCHEME = ["tidy-memory"]
    TIDY_EVERY_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._tidied_at = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # the hook limits' MemoryStorage calls after each count
        now = time.monotonic()
        if now - self._tidied_at >= self.TIDY_EVERY_SECONDS:
            self._tidied_at = now
            self._MemoryStorage__expire_events()


limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


class FailedAttempts:
    """Failed attempts of one kind (a personal link that names no live invitation) counted per client address in
    Flask-Limiter's storage (fixed windows, its default strategy), without its per-request machinery: only a
    failure is counted, and only a failure is refused — past the limit, 429 instead of the failure's own answer. A
    valid attempt costs nothing, and valid attempts are most requests of the centres' path (a decorator with
    ``exempt_when`` would still resolve, filter and evaluate its limits on every one of them).

    When the storage cannot be reached (Redis down), failures are counted in the process for
    :attr:`FALLBACK_SECONDS` before the storage is tried again, as Flask-Limiter's own in-memory fallback does.
    """

    FALLBACK_SECONDS = 30.0

    def __init__(self, scope: str, limits_setting: str):
        self.scope = scope
        self.limits_setting = limits_setting
        self._fallback = FixedWindowRateLimiter(TidyMemoryStorage())
        #: (the storage that failed, when): the app's storage, as Flask-Limiter has it
        self._failed: tuple[Storage, float] | None = None
        self._counting: RateLimiter | None = None

    def count(self) -> None:
        """One failure from the request's address: raises :class:`werkzeug.exceptions.TooManyRequests` once the
        address is past any of the configured limits (``current_app.config[limits_setting]``)."""
        if not current_app.config.get("RATELIMIT_ENABLED", True):
            return
        address = get_remote_address()
        for item in parse_many(current_app.config[self.limits_setting]):
            if not self._hit(item, address):
                # the window's length: its end is at most that far, and asking the storage could fail again
                raise TooManyRequests(retry_after=item.get_expiry())

    def _strategy(self) -> RateLimiter:
        storage = limiter.storage
        if self._failed is not None and self._failed[0] is storage and \
                time.monotonic() - self._failed[1] < self.FALLBACK_SECONDS:
            return self._fallback
        if self._counting is None or self._counting.storage is not storage:
            self._counting = FixedWindowRateLimiter(storage)
        return self._counting

    def _hit(self, item: RateLimitItem, address: str) -> bool:
        strategy = self._strategy()
        if strategy is self._fallback:
            return strategy.hit(item, self.scope, address)
        try:
            allowed = strategy.hit(item, self.scope, address)
        except Exception:  # whatever the storage's client raises: its connection, its timeouts
            logging.getLogger(__name__).warning(
                "rate limit storage unreachable: failed %s attempts are counted in this process", self.scope)
            self._failed = (strategy.storage, time.monotonic())
            return self._fallback.hit(item, self.scope, address)
        self._failed = None
        return allowed
