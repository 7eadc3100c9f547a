"""Flask extensions, created unbound and bound to the app in :func:`survey_service.create_app`; Flask-Migrate
is bound by :func:`survey_service.database.bind_migrations`, only where migrations run."""
import time

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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
