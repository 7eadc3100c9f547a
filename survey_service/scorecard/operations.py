from __future__ import annotations

from analysis.documents import plain_copy
from analysis.scorecard import (Problem, ScorecardError, ScorecardResult, parse_scorecard, read_scorecard_file,
                                score_parsed)
from survey_service.audit.operations import record
from survey_service.extensions import db
from survey_service.problems import ProblemList, problem_text, readable_params
from survey_service.scorecard.models import StoredScorecard


def store_scorecard(data: bytes, filename: str, *, user=None) -> StoredScorecard:
    """Keep a scorecard file whose structure is sound; its survey leaves are checked whenever it is scored."""
    try:  # the reader refuses what is not UTF-8 text, with the other problems of a file
        definition = read_scorecard_file(data, filename)
        scorecard = parse_scorecard(definition)
    except ScorecardError as exc:
        raise ProblemList(worded(exc.details)) from None
    text = data.decode("utf-8-sig")
    # title and file name are labels of the list: one longer than its column keeps its start
    columns = StoredScorecard.__table__.c
    stored = StoredScorecard(title=(scorecard.title or filename)[:columns.title.type.length],
                             filename=filename[:columns.filename.type.length], source=text,
                             definition=plain_copy(definition),
                             created_by_id=user.id if user is not None else None)
    db.session.add(stored)
    db.session.flush()
    record("scorecard.import", stored, filename=filename)
    return stored


def score_stored(stored: StoredScorecard, resolve_survey) -> ScorecardResult:
    """The scored tree with its satisfaction leaves filled from the surveys now; raises :class:`ProblemList`."""
    try:
        return score_parsed(stored.definition, resolve_survey)
    except ScorecardError as exc:
        raise ProblemList(worded(exc.details)) from None


def worded(problems: list[Problem]) -> list[str]:
    """The scorecard's problems in the page's language (English on the command line)."""
    return [Problem(problem.where, problem.code, readable_params(problem.code, problem.params)).text(problem_text)
            for problem in problems]
