"""One exception for input with problems: every problem listed, each naming its line or field."""
from flask import has_request_context
from flask_babel import gettext


class ProblemList(ValueError):
    """Bad input: ``problems`` lists each one (``line 7: duplicate code "310101002"``); nothing was changed."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def problem_text(message: str, **params) -> str:
    """A problem in its reader's language: the page's on a page (an upload in the console), English on the
    command line, where no request chose a language."""
    return gettext(message, **params) if has_request_context() else message % params
