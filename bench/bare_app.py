"""The ceiling for the centre's path (bench/bench_centre_path.py): a bare Flask app that
renders a 12-question form with a CSRF token kept in its signed session cookie, validates the posted form and
redirects to a receipt — no database. Served by the same gunicorn configuration as the service."""
import secrets

from flask import Flask, abort, redirect, render_template_string, request, session

app = Flask(__name__)
app.secret_key = secrets.token_hex(32)
ITEMS = [f"q{n:02d}" for n in range(1, 13)]
FORM = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>满意度调查</title></head><body>
<form method="post"><input name="csrf_token" type="hidden" value="{{ csrf }}">
{% for item in items %}<fieldset><legend>{{ loop.index }}. 第{{ loop.index }}项的满意程度</legend>
{% for value in range(5, 0, -1) %}
<label><input type="radio" name="item-{{ item }}" value="{{ value }}"> {{ value }}</label>{% endfor %}</fieldset>{% endfor %}
<textarea name="open-suggestions"></textarea><button name="action" value="submit">提交</button></form></body></html>"""
RECEIPT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>问卷已提交</title></head>
<body><p>问卷已提交。回执编号 {{ reference }}</p></body></html>"""


@app.get("/s/<token>")
def form(token: str):
    if token in session.get("submitted", {}):
        return render_template_string(RECEIPT, reference=session["submitted"][token])
    session.setdefault("csrf", secrets.token_urlsafe(32))
    return render_template_string(FORM, csrf=session["csrf"], items=ITEMS)


@app.post("/s/<token>")
def submit(token: str):
    if not secrets.compare_digest(request.form.get("csrf_token", ""), session.get("csrf", "")):
        abort(400)
    if any(request.form.get(f"item-{item}") not in {"1", "2", "3", "4", "5"} for item in ITEMS):
        abort(422)
    session["submitted"] = {**session.get("submitted", {}), token: secrets.token_hex(5).upper()}
    return redirect(f"/s/{token}")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
