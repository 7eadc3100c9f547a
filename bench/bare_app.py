"""The ceiling for bench/bench_submission.py: a bare Flask route that reads the posted form and redirects,
served by the same gunicorn configuration as the service."""
from flask import Flask, redirect, request

app = Flask(__name__)


@app.post("/s/<token>")
def bare(token: str):
    request.form.get("action")
    return redirect(f"/s/{token}")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
