"""Results: a survey's valid responses turned into the satisfaction document, for the API, CLI and report."""
