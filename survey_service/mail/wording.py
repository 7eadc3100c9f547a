"""The words of the invitation and reminder e-mails: per survey, with placeholders, checked when saved.

A template is plain text with placeholders in braces — ``{unit}``, ``{district}``, ``{title}``, ``{deadline}``,
``{link}`` — filled per centre. Any other ``{name}`` is an error named on save, so a typo never reaches 221
inboxes. Each e-mail has a plain-text part (the template as written) and an HTML part made from it (paragraphs,
the link clickable, every value escaped). A survey without its own template uses the official wording below.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage

from flask_babel import force_locale, lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.formatting import local_datetime
from survey_service.mail.models import MailTemplate
from survey_service.mail.sending import header_text, new_message
from survey_service.surveys.models import Invitation, Survey

PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")
#: what each placeholder stands for, as the template page lists them
PLACEHOLDERS = {
    "unit": _l("the centre's name"),
    "district": _l("its district"),
    "title": _l("the survey's title"),
    "deadline": _l("the closing time, in Beijing time"),
    "link": _l("the centre's personal link"),
}

_CLOSING = """{deadline_line}该链接为贵中心专用，请勿转发；填写过程中可随时保存，之后通过同一链接继续填写。

感谢您的支持与配合！

绩效评价工作组
（本邮件由系统自动发送，请勿直接回复。）
"""
#: the official wording the service has always sent (subject, body) per kind of e-mail
DEFAULTS = {
    "invitation": ("【满意度调查】{title}", """{unit}：

您好！受委托开展财政支出绩效评价，现就“{title}”向贵中心征求意见。请点击下方专属链接填写问卷，约需5分钟：

{link}

""" + _CLOSING.format(deadline_line="问卷填写截止时间：{deadline}（北京时间）。\n")),
    "reminder": ("【提醒】请尽快填写：{title}", """{unit}：

您好！截至目前，我们尚未收到贵中心填写的“{title}”。恳请拨冗通过下方专属链接完成填写，约需5分钟：

{link}

""" + _CLOSING.format(deadline_line="问卷填写截止时间：{deadline}（北京时间）。\n")),
}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    #: the survey's own wording (False: the official default)
    custom: bool = False


def problems(subject: str, body: str) -> list[str]:
    """Everything wrong with a template, all at once (empty when it may be saved)."""
    found = []
    for field, label, text in (("subject", _l("Subject"), subject), ("body", _l("Body"), body)):
        for name in dict.fromkeys(PLACEHOLDER.findall(text)):
            if name not in PLACEHOLDERS:
                found.append(_l("%(field)s: unknown placeholder {%(name)s}; the placeholders are %(known)s.",
                                field=label, name=name, known=", ".join(f"{{{key}}}" for key in PLACEHOLDERS)))
    if "{link}" not in body:
        found.append(_l("Body: {link} is missing; without it the centre cannot open its questionnaire."))
    if "\n" in subject.strip() or "\r" in subject.strip():
        found.append(_l("Subject: it must be one line."))
    return [str(problem) for problem in found]


def wording_of(survey: Survey, kind: str) -> Wording:
    template = db.session.scalar(select(MailTemplate).filter_by(survey_id=survey.id, kind=kind))
    if template is None:
        return Wording(*DEFAULTS[kind])
    return Wording(template.subject, template.body, custom=True)


def values_for(invitation: Invitation, base_url: str) -> dict[str, str]:
    survey, unit = invitation.survey, invitation.unit
    with force_locale("zh"):  # centres read Chinese whatever the evaluator's console language
        deadline = local_datetime(survey.closes_at) if survey.closes_at else "另行通知"
    return {"unit": unit.name, "district": unit.district or "", "title": header_text(survey.title),
            "deadline": deadline, "link": invitation.link(base_url)}


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def html_part(body: str, values: dict[str, str]) -> str:
    """The HTML alternative: the filled body in paragraphs, values escaped, the personal link clickable."""
    link = str(escape(values["link"]))
    escaped = {name: str(escape(value)) for name, value in values.items()}
    paragraphs = [fill(str(escape(paragraph)), escaped).replace("\n", "<br>\n")
                  for paragraph in re.split(r"\n\s*\n", body.strip())]
    html = "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return ('<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"></head><body>\n'
            + html.replace(link, f'<a href="{link}">{link}</a>') + "\n</body></html>\n")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str

    @property
    def html_markup(self) -> Markup:
        """The HTML part's body for the preview page (built from escaped values only)."""
        return Markup(self.html.split("<body>\n", 1)[1].rsplit("\n</body>", 1)[0])


def render(wording: Wording, invitation: Invitation, base_url: str) -> Rendered:
    values = values_for(invitation, base_url)
    return Rendered(header_text(fill(wording.subject, values)), fill(wording.body, values),
                    html_part(wording.body, values))


def compose(invitation: Invitation, kind: str, recipient: str, config) -> EmailMessage:
    """The e-mail of ``kind`` (invitation | reminder) for one centre, in the survey's wording."""
    rendered = render(wording_of(invitation.survey, kind), invitation, config["BASE_URL"])
    return new_message(rendered.subject, rendered.text, rendered.html, recipient, config)
