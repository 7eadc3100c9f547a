"""What an operation says when it refuses: bad input (every problem listed) or a change the state does not allow.

A refusal undoes the request's writes. Views only flush and the request commits once, when it ends (as Indico's
request handler does): it commits when the view returned normally and rolls back when anything went wrong —
an exception that became an error page, or a refusal that a view caught to show a message or redirect. So a view
never has to remember to roll back after an operation said no, whatever status its answer carries.
"""
from flask import has_request_context
from flask_babel import get_locale, gettext

from analysis.documents import READER_PROBLEMS, clip, syntax_explanation
from survey_service.database import refuse_request_writes


class Refusal(Exception):
    """An operation said no; whatever the request wrote before is rolled back when the request ends."""

    def __init__(self, *args):
        super().__init__(*args)
        refuse_request_writes()


class ProblemList(Refusal, ValueError):
    """Bad input: ``problems`` lists each one (``line 7: duplicate code "310101002"``); nothing was changed."""

    def __init__(self, problems: list[str]):
        self.problems = [clip(problem) for problem in problems]
        super().__init__("\n".join(self.problems))


class ReasonedRefusal(Refusal):
    """A change the state does not allow; ``reason`` is a code the console words for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def problem_text(message: str, **params) -> str:
    """A problem in its reader's language: the page's on a page (an upload in the console), English on the
    command line, where no request chose a language."""
    return gettext(message, **params) if has_request_context() else message % params


def readable_params(code: str, params: dict) -> dict:
    """A file's problem's values for its reader: where a YAML or JSON parser said what broke (``reason``, in
    English), a page in another language says it in its own words (``analysis.documents.syntax_explanation``).
    The line it names stays."""
    if code not in READER_PROBLEMS or "reason" not in params or not has_request_context() \
            or str(get_locale()) == "en":
        return params
    message, values = syntax_explanation(params["reason"])
    return {**params, "reason": gettext(message, **values)}


def unstorable_text(row, where: str) -> list[str]:
    """What of a new row's text the database would refuse: longer than its column, or holding a NUL character
    (PostgreSQL stores none; SQLite would, and the row would then fail to move to PostgreSQL)."""
    problems = []
    for column in row.__table__.columns:
        value = getattr(row, column.key, None)
        if not isinstance(value, str):
            continue
        length = getattr(column.type, "length", None)
        if length is not None and len(value) > length:
            problems.append(problem_text("%(where)s: %(column)s: at most %(length)s characters, got %(count)s",
                                         where=where, column=column.key, length=length, count=len(value)))
        if "\x00" in value:
            problems.append(problem_text("%(where)s: %(column)s: holds a NUL character", where=where,
                                         column=column.key))
    return problems
