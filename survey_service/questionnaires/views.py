"""The console's questionnaire pages: the list and the upload of a file, the builder, versions with their surveys, the diff, preview and files.

The builder edits a draft kept in the database (so preview has an address, and undo a history); saving hands the
whole definition to the one validator and stores the next version. Preview renders the centre's own templates
and writes nothing.
"""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields import SelectChoice

from analysis.questionnaire import DefinitionError, Questionnaire, parse_questionnaire
from analysis.questionnaire_diff import CHANGE_MESSAGES, diff_questionnaires
from survey_service.auth.access import role_required
from survey_service.auth.models import Role
from survey_service.extensions import db
from survey_service.formatting import local_datetime
from survey_service.problems import ProblemList
from survey_service.questionnaires.drafting import (apply_action, blank_definition, described_problems, form_data,
                                                    form_definition, problem_message, problem_place,
                                                    problems_by_field, remember)
from survey_service.questionnaires.exports import MEDIA_TYPES, definition_file
from survey_service.questionnaires.forms import BuilderForm, DiffForm, QuestionnaireUploadForm, StartForm
from survey_service.questionnaires.models import QuestionnaireDraft, QuestionnaireVersion
from survey_service.questionnaires.operations import (import_questionnaire, next_version_number, read_definition_file,
                                                      save_definition, validate_definition)
from survey_service.respond.forms import OTHER, answer_form, choice_name, likert_name, open_name
from survey_service.respond.queries import sections
from survey_service.respond.views import localized
from survey_service.security import FRAMED_BY_CONSOLE
from survey_service.surveys.models import Survey
from survey_service.timestamps import utcnow

blueprint = Blueprint("questionnaires", __name__, url_prefix="/questionnaires")
PREVIEW_LANGUAGES = ("zh", "en")


# --- the list, and a version from a file -----------------------------------------------------

@blueprint.route("", methods=["GET", "POST"])
@role_required(Role.evaluator)
def index():
    """Every questionnaire version and draft; a file uploaded here becomes a version at once."""
    form = QuestionnaireUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            version, new = import_questionnaire(upload.read(), upload.filename or "questionnaire.yaml",
                                                user=current_user)
        except DefinitionError as exc:
            problems = described_problems(exc)
        except ProblemList as exc:
            problems = exc.problems
        else:
            message = _("Imported %(key)s version %(version)s.") if new else \
                _("%(key)s version %(version)s was imported before; nothing changed.")
            flash(message % {"key": version.key, "version": version.version}, "success")
            return redirect(url_for(".index"))
    status = 422 if problems else 200
    drafts = db.session.scalars(select(QuestionnaireDraft).order_by(QuestionnaireDraft.updated_at.desc())).all()
    return render_template("console/questionnaires.html", form=form, versions=_all_versions(), problems=problems,
                           drafts=drafts), status


# --- starting and editing a draft ------------------------------------------------------------

@blueprint.route("/new", methods=["GET", "POST"])
@role_required(Role.evaluator)
def new():
    """Start a draft: blank, a copy of any version, or an uploaded file (YAML, JSON or the XLSX template)."""
    form = StartForm()
    versions = _all_versions()
    form.version.choices = [SelectChoice(v.id, f"{v.title} ({v.label})") for v in versions]
    problems: list[str] = []
    if form.validate_on_submit():
        based_on = None
        if form.start.data == "copy":
            based_on = db.get_or_404(QuestionnaireVersion, form.version.data)
            definition = dict(based_on.definition)
        elif form.start.data == "upload":
            upload = form.file.data
            if upload is None:
                form.file.errors.append(_("Choose a file to upload."))
                return _start_page(form, problems), 422
            try:
                definition, cells = read_definition_file(upload.read(), upload.filename or "questionnaire.yaml")
                validate_definition(definition, cells)
            except DefinitionError as error:
                problems = described_problems(error)
                return _start_page(form, problems), 422
        else:
            definition = blank_definition()
        draft = QuestionnaireDraft(definition=definition, history=[], based_on=based_on, created_by_id=current_user.id)
        db.session.add(draft)
        db.session.flush()
        return redirect(url_for(".draft", draft_id=draft.id))
    return _start_page(form, problems), 422 if form.errors else 200


def _start_page(form, problems):
    return render_template("questionnaires/new.html", form=form, problems=problems)


@blueprint.get("/drafts/<int:draft_id>")
@role_required(Role.evaluator)
def draft(draft_id: int):
    current = db.get_or_404(QuestionnaireDraft, draft_id)
    form = BuilderForm(data=form_data(current.definition))
    return _builder_page(current, form, {})


@blueprint.post("/drafts/<int:draft_id>")
@role_required(Role.evaluator)
def edit(draft_id: int):
    """Apply the form to the draft, then the pressed button: a row action, undo, or save."""
    current = db.get_or_404(QuestionnaireDraft, draft_id)
    form = BuilderForm()
    if not form.validate():
        return _builder_page(current, form, {}), 422
    action = form.action.data or ""
    if action == "undo":
        if current.history:
            current.definition, current.history = current.history[-1], current.history[:-1]
        return redirect(url_for(".draft", draft_id=draft_id))
    version = next_version_number(form.key.data.strip() or None)
    edited = form_definition(form, version)
    changed, anchor = apply_action(edited, action)
    if changed != current.definition:
        current.history = remember(current.history, current.definition)
        current.definition = changed
    if action == "save":
        try:
            saved = save_definition(changed, current_user, based_on=current.based_on)
        except DefinitionError as error:
            return _builder_page(current, form, problems_by_field(error, changed), error), 422
        except ProblemList:
            flash(_("The questionnaire was being saved elsewhere at the same moment; please save again."), "error")
            return redirect(url_for(".draft", draft_id=draft_id))
        db.session.delete(current)
        flash(_("Saved %(key)s version %(version)s.", key=saved.key, version=saved.version), "success")
        return redirect(url_for(".versions", questionnaire=saved.key))
    if action == "check":
        try:
            parse_questionnaire(changed)
        except DefinitionError as error:
            return _builder_page(current, form, problems_by_field(error, changed), error), 422
        flash(_("No problems found; the questionnaire can be saved."), "success")
    if action == "preview":
        return redirect(url_for(".draft_preview", draft_id=draft_id))
    return redirect(url_for(".draft", draft_id=draft_id, _anchor=anchor))


def _builder_page(current: QuestionnaireDraft, form: BuilderForm, problems: dict, error=None):
    summary = [(problem_place(p), problem_message(p)) for p in error.details] if error is not None else []
    return render_template("questionnaires/builder.html", draft=current, form=form, problems=problems,
                           summary=summary, next_version=next_version_number(current.definition.get("key")))


@blueprint.get("/template.xlsx")
@role_required(Role.evaluator)
def blank_template():
    """The XLSX authoring template, empty, with its sheets and headers."""
    return _file_response(definition_file({}, "xlsx"), "questionnaire-template.xlsx", "xlsx")


# --- versions --------------------------------------------------------------------------------

@blueprint.get("/<questionnaire>")
@role_required(Role.evaluator)
def versions(questionnaire: str):
    """Every version of a questionnaire: who saved it when, which surveys use it, and a diff of two."""
    listed = db.session.scalars(select(QuestionnaireVersion).filter_by(key=questionnaire)
                                .order_by(QuestionnaireVersion.version.desc())).all()
    if not listed:
        abort(404)
    surveys = db.session.execute(select(Survey.questionnaire_version_id, Survey.key, Survey.title)
                                 .where(Survey.questionnaire_version_id.in_([v.id for v in listed]))
                                 .order_by(Survey.key)).all()
    used_by: dict[int, list] = {}
    for version_id, survey_key, title in surveys:
        used_by.setdefault(version_id, []).append((survey_key, title))
    diff_form = DiffForm(request.args)
    diff_form.old.choices = diff_form.new.choices = [SelectChoice(v.version, str(v.version)) for v in listed]
    by_number = {v.version: v for v in listed}
    old = by_number.get(diff_form.old.data) if "old" in request.args else (listed[1] if len(listed) > 1 else None)
    new_version = by_number.get(diff_form.new.data) if "new" in request.args else listed[0]
    if old is not None and new_version is not None:
        diff_form.old.data, diff_form.new.data = old.version, new_version.version
    changes = ([_(CHANGE_MESSAGES[c.code], **c.params) for c in diff_questionnaires(old.questionnaire,
                                                                                   new_version.questionnaire)]
               if old is not None and new_version is not None else None)
    return render_template("questionnaires/versions.html", key=questionnaire, versions=listed, used_by=used_by,
                           diff_form=diff_form, changes=changes, old=old, new=new_version)


@blueprint.get("/<questionnaire>/versions/<int:number>.<any(yaml, xlsx):fmt>")
@role_required(Role.evaluator)
def download(questionnaire: str, number: int, fmt: str):
    version = _version(questionnaire, number)
    return _file_response(definition_file(version.definition, fmt), f"{questionnaire}-v{number}.{fmt}", fmt)


def _file_response(data: bytes, filename: str, fmt: str) -> Response:
    return Response(data, mimetype=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def _version(key: str, number: int) -> QuestionnaireVersion:
    version = db.session.scalar(select(QuestionnaireVersion).filter_by(key=key, version=number))
    if version is None:
        abort(404)
    return version


def _all_versions() -> list[QuestionnaireVersion]:
    return db.session.scalars(select(QuestionnaireVersion)
                              .order_by(QuestionnaireVersion.key, QuestionnaireVersion.version.desc())).all()


# --- preview ---------------------------------------------------------------------------------

@blueprint.get("/drafts/<int:draft_id>/preview")
@role_required(Role.evaluator)
def draft_preview(draft_id: int):
    """The draft as a centre would see it, on a phone-sized frame and on a desktop frame."""
    current = db.get_or_404(QuestionnaireDraft, draft_id)
    try:
        parse_questionnaire(current.definition)
    except DefinitionError as error:
        return _draft_problems(current, error)
    return _frames(".draft_preview_form", back=url_for(".draft", draft_id=draft_id), draft=current)


@blueprint.route("/drafts/<int:draft_id>/preview/form", methods=["GET", "POST"])
@role_required(Role.evaluator)
def draft_preview_form(draft_id: int):
    current = db.get_or_404(QuestionnaireDraft, draft_id)
    try:
        questionnaire = parse_questionnaire(current.definition)
    except DefinitionError as error:
        return _draft_problems(current, error)
    return _preview_form(questionnaire, None)


def _draft_problems(current: QuestionnaireDraft, error: DefinitionError):
    """A draft that cannot be shown yet says why, as the builder's save would."""
    return render_template("questionnaires/preview.html", draft=current, frame_url=None, back=None,
                           summary=[(problem_place(p), problem_message(p)) for p in error.details]), 422


@blueprint.get("/<questionnaire>/versions/<int:number>/preview")
@role_required(Role.evaluator)
def version_preview(questionnaire: str, number: int):
    """A stored version (or, with ``?survey=KEY``, a survey of it) as its centres see it."""
    return _frames(".version_preview_form", back=url_for(".versions", questionnaire=questionnaire),
                   version=_version(questionnaire, number))


@blueprint.route("/<questionnaire>/versions/<int:number>/preview/form", methods=["GET", "POST"])
@role_required(Role.evaluator)
def version_preview_form(questionnaire: str, number: int):
    version = _version(questionnaire, number)
    survey = None
    if request.args.get("survey"):
        survey = db.session.scalar(select(Survey).filter_by(key=request.args["survey"],
                                                            questionnaire_version_id=version.id))
    return _preview_form(version.questionnaire, survey)


def _frames(form_endpoint: str, back: str, **context):
    """The frame page: the same form on a phone-sized and a desktop-sized frame, in the language chosen."""
    language = request.args.get("in") if request.args.get("in") in PREVIEW_LANGUAGES else "zh"
    arguments = {**request.view_args, **{name: value for name, value in request.args.items() if name != "in"}}
    language_urls = {code: url_for(request.endpoint, **arguments, **{"in": code}) for code in PREVIEW_LANGUAGES}
    frame_url = url_for(form_endpoint, **arguments, **{"in": language})
    return render_template("questionnaires/preview.html", frame_url=frame_url, back=back, language=language,
                           language_urls=language_urls, summary=[], **context)


def _preview_form(questionnaire: Questionnaire, survey: Survey | None):
    """The centre's form (its own templates) for an example centre; a submit is checked and answered with the
    receipt it would get. Nothing is stored: no invitation, draft or response."""
    language = request.args.get("in") if request.args.get("in") in PREVIEW_LANGUAGES else "zh"
    with force_locale(language):
        form = answer_form(questionnaire)
        status = 200
        example = SimpleNamespace(name=_("Example centre"), district=_("Example district"),
                                  district_en=_("Example district"))
        shown_survey = survey or SimpleNamespace(closes_at=None, title=questionnaire.title)
        context = dict(invitation=None, survey=shown_survey, unit=example, questionnaire=questionnaire,
                       survey_title=_preview_title(questionnaire, survey), preview=True,
                       localized=localized, likert_name=likert_name, open_name=open_name,
                       choice_name=choice_name, OTHER=OTHER, preview_language=language)
        if request.method == "POST":
            # 提交 checks as a submission does and shows the receipt; 保存 checks as a draft save does
            if form.validate_answers(complete=form.wants_submission):
                if form.wants_submission:
                    receipt = SimpleNamespace(reference=_("(preview: no reference number)"), submitted_at=utcnow())
                    page = render_template("respond/receipt.html", response=receipt, correctable=False,
                                           submitted_at=local_datetime(receipt.submitted_at), **context)
                    return _frameable(page)
            else:
                status = 422
        page = render_template("respond/questionnaire.html", form=form, correcting=False,
                               sections=sections(questionnaire), form_action=request.url, **context)
    return _frameable(page, status)


def _preview_title(questionnaire: Questionnaire, survey: Survey | None) -> str:
    if survey is not None and survey.title != questionnaire.title:
        return survey.title
    return localized(questionnaire, "title")


def _frameable(page: str, status: int = 200) -> Response:
    """The preview form may be shown in the console's own frames (every other page refuses framing)."""
    response = Response(page, status=status)
    response.headers["Content-Security-Policy"] = FRAMED_BY_CONSOLE
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
