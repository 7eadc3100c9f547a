"""Questionnaire versions: imported definitions, immutable once a survey uses them."""
