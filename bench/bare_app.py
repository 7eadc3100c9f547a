"""The ceilings for the centre's path (bench/bench_centre_path.py): bare Flask apps that render a 12-question form
with a CSRF token kept in their signed session cookie, validate the posted form and redirect to a receipt — no
database. Served by the same gunicorn configuration as the service.

``app`` is the ceiling issue 18 set its targets against: it renders with ``render_template_string``, which compiles
the template again on every request (about 1.6 ms of each path here). ``cached_app`` is the same app as Flask apps
are usually written, its templates compiled once (``render_template``): the stricter ceiling."""
import secrets

from flask import Flask, abort, redirect, render_template, render_template_string, request, session
from jinja2 import DictLoader

ITEMS = [f"q{n:02d}" for n in range(1, 13)]
FORM = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>满意度调查</title></head><body>
<form method="post"><input name="csrf_token" type="hidden" value="{{ csrf }}">
{% for item in items %}<fieldset><legend>{{ loop.index }}. 第{{ loop.index }}项的满意程度</legend>
{% for value in range(5, 0, -1) %}
<label><input type="radio" name="item-{{ item }}" value="{{ value }}"> {{ value }}</label>{% endfor %}</fieldset>{% endfor %}
<textarea name="open-suggestions"></textarea><button name="action" value="submit">提交</button></form></body></html>"""
RECEIPT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>问卷已提交</title></head>
<body><p>问卷已提交。回执编号 {{ reference }}</p></body></html>"""


def bare_app(render) -> Flask:
    """The bare app; ``render(name, **context)`` renders one of its two pages ("form", "receipt")."""
    flask_app = Flask(__name__)
    flask_app.secret_key = secrets.token_hex(32)

    @flask_app.get("/s/<token>")
    def form(token: str):
        if token in session.get("submitted", {}):
            return render("receipt", reference=session["submitted"][token])
        session.setdefault("csrf", secrets.token_urlsafe(32))
        return render("form", csrf=session["csrf"], items=ITEMS)

    @flask_app.post("/s/<token>")
    def submit(token: str):
        if not secrets.compare_digest(request.form.get("csrf_token", ""), session.get("csrf", "")):
            abort(400)
        if any(request.form.get(f"item-{item}") not in {"1", "2", "3", "4", "5"} for item in ITEMS):
            abort(422)
        session["submitted"] = {**session.get("submitted", {}), token: secrets.token_hex(5).upper()}
        return redirect(f"/s/{token}")

    @flask_app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return flask_app


SOURCES = {"form": FORM, "receipt": RECEIPT}
app = bare_app(lambda name, **context: render_template_string(SOURCES[name], **context))
cached_app = bare_app(lambda name, **context: render_template(f"{name}.html", **context))
cached_app.jinja_loader = DictLoader({f"{name}.html": source for name, source in SOURCES.items()})
