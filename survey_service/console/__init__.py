"""The evaluators' console: surveys, questionnaires and rosters."""
