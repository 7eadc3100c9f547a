"""Surveys: a questionnaire version issued to a roster, with a draft → open → closed lifecycle."""
