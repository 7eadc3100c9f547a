from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from analysis.questionnaire import DefinitionError, Problem, Questionnaire, parse_questionnaire, read_definition
from survey_service.audit.operations import record
from survey_service.auth.models import User
from survey_service.extensions import db
from survey_service.problems import ProblemList, unstorable_text
from survey_service.questionnaires.models import Dimension, Question, QuestionnaireVersion


def read_definition_file(data: bytes, filename: str) -> tuple[Any, dict | None]:
    """The mapping of a YAML, JSON or XLSX questionnaire file, and for XLSX the cell of every path in it."""
    if filename.lower().endswith(".xlsx"):
        # openpyxl is imported only for workbooks: every process that imports this module (the app, the CLI)
        # would otherwise pay for it at start-up
        from survey_service.questionnaires.workbook import read_definition_workbook
        return read_definition_workbook(data, filename)
    return read_definition(data, filename), None


def validate_definition(mapping: Any, cells: dict | None = None) -> Questionnaire:
    """The one validator (analysis.questionnaire), its problems placed in their cells for a workbook."""
    try:
        return parse_questionnaire(mapping)
    except DefinitionError as error:
        if cells is None:
            raise
        from survey_service.questionnaires.workbook import locate
        raise locate(error, cells) from None


def import_questionnaire(data: bytes, filename: str, *, actor: str | None = None,
                         user: User | None = None) -> tuple[QuestionnaireVersion, bool]:
    """Store a questionnaire file (YAML, JSON or the XLSX template) as a new immutable version; returns it and
    whether it was new.

    Importing the same content again is harmless (compared as parsed, so a YAML file and its XLSX export are the
    same content); different content under an existing version is refused.
    """
    definition = validate_definition(*read_definition_file(data, filename))
    existing = db.session.scalar(select(QuestionnaireVersion).filter_by(key=definition.key,
                                                                       version=definition.version))
    if existing is not None:
        # the same questions, scale and rules, however spelt (YAML with comments, the XLSX template): the same version
        if existing.questionnaire == definition:
            return existing, False
        raise DefinitionError([Problem("version", "version_exists",
                                       {"key": definition.key, "version": definition.version})])
    version = _build_version(definition, user)
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


#: how often a save takes the next version number when a concurrent save took it first
SAVE_ATTEMPTS = 3


def save_definition(mapping: dict, user: User, *, based_on: QuestionnaireVersion | None = None
                    ) -> QuestionnaireVersion:
    """The builder's save: the definition, validated whole, becomes the next version of its key.

    A version never changes once stored, so a survey keeps the one it was issued with; the number is the next
    free one whatever the draft says.
    """
    for _attempt in range(SAVE_ATTEMPTS):
        definition = parse_questionnaire({**mapping, "version": next_version_number(mapping.get("key"))})
        version = _build_version(definition, user)
        try:
            # another evaluator may save the same key at the same moment: the number is taken again, never shared
            with db.session.begin_nested():
                db.session.add(version)
                db.session.flush()
            break
        except IntegrityError:
            continue
    else:
        raise ProblemList(["version: the questionnaire is being saved elsewhere at the same time; save again"])
    record("questionnaire.save", version, version=version.version,
           based_on=based_on.label if based_on is not None else None)
    return version


def next_version_number(key: Any) -> int:
    """One past the highest version of ``key`` (1 for a new questionnaire)."""
    if not isinstance(key, str):
        return 1
    return (db.session.scalar(select(func.max(QuestionnaireVersion.version)).filter_by(key=key)) or 0) + 1


def _build_version(definition: Questionnaire, user: User | None = None) -> QuestionnaireVersion:
    version = QuestionnaireVersion(key=definition.key, version=definition.version, title=definition.title,
                                   year=definition.year, scheme=definition.scoring.scheme,
                                   definition=definition.source, created_by=user)
    position = 0
    for d, dim in enumerate(definition.dimensions):
        dimension = Dimension(position=d, key=dim.key, title=dim.title, title_en=dim.title_en, weight=dim.weight)
        version.dimensions.append(dimension)
        for item in dim.items:
            version.questions.append(Question(
                position=position, key=item.key, kind="likert", text=item.text, text_en=item.text_en,
                weight=item.weight, required=item.required, dimension=dimension))
            position += 1
    for question in definition.choice_questions:
        version.questions.append(Question(
            position=position, key=question.key, kind="choice", text=question.text, text_en=question.text_en,
            weight=1.0, required=question.required))
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
