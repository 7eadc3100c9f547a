from __future__ import annotations

from sqlalchemy import select

from analysis.questionnaire import Questionnaire, load_questionnaire
from survey_service.audit.operations import record
from survey_service.database import unstorable_text
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.questionnaires.models import Dimension, Question, QuestionnaireVersion


def import_questionnaire(data: bytes, filename: str, *, actor: str | None = None) -> tuple[QuestionnaireVersion, bool]:
    """Store a questionnaire file as a new immutable version; returns it and whether it was new.

    Importing the same content again is harmless; different content under an existing version is refused.
    """
    definition = load_questionnaire(data, filename)
    existing = db.session.scalar(select(QuestionnaireVersion).filter_by(key=definition.key,
                                                                       version=definition.version))
    if existing is not None:
        if existing.definition == definition.source:
            return existing, False
        raise ProblemList([f"version: {definition.key} version {definition.version} already exists with different "
                           f"content; give the changed questionnaire a higher version"])
    version = _build_version(definition)
    problems = unstorable_text(version, "questionnaire")
    problems += [problem for dimension in version.dimensions
                 for problem in unstorable_text(dimension, f"dimensions: {dimension.key}")]
    problems += [problem for question in version.questions
                 for problem in unstorable_text(question, f"questions: {question.key}")]
    if problems:
        raise ProblemList(problems)
    db.session.add(version)
    db.session.flush()
    record("questionnaire.import", version, actor=actor, filename=filename, version=definition.version)
    return version, True


def _build_version(definition: Questionnaire) -> QuestionnaireVersion:
    version = QuestionnaireVersion(key=definition.key, version=definition.version, title=definition.title,
                                   year=definition.year, scheme=definition.scoring.scheme,
                                   definition=definition.source)
    position = 0
    for d, dim in enumerate(definition.dimensions):
        dimension = Dimension(position=d, key=dim.key, title=dim.title, title_en=dim.title_en, weight=dim.weight)
        version.dimensions.append(dimension)
        for item in dim.items:
            version.questions.append(Question(
                position=position, key=item.key, kind="likert", text=item.text, text_en=item.text_en,
                weight=item.weight, required=item.required, dimension=dimension))
            position += 1
    for question in definition.open_questions:
        version.questions.append(Question(
            position=position, key=question.key, kind="open", text=question.text, text_en=question.text_en,
            weight=1.0, required=question.required, max_length=question.max_length))
        position += 1
    return version


def find_version(label: str) -> QuestionnaireVersion:
    """``KEY`` (latest version) or ``KEY:VERSION``."""
    key, _, number = label.partition(":")
    query = select(QuestionnaireVersion).filter_by(key=key)
    if number:
        if not number.isdigit():
            raise ProblemList([f"questionnaire: \"{label}\" is not KEY or KEY:VERSION"])
        query = query.filter_by(version=int(number))
    version = db.session.scalar(query.order_by(QuestionnaireVersion.version.desc()).limit(1))
    if version is None:
        raise ProblemList([f"questionnaire: no questionnaire \"{label}\" has been imported"])
    return version
