"""Pure computation for survey-service: questionnaire definitions, validity rules and satisfaction figures.

Nothing here imports Flask, SQLAlchemy or ``survey_service``: plain data and numpy arrays in, plain data out.
"""
