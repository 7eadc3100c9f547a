"""The JSON API for the scoring report: per-user bearer tokens, the satisfaction document with ETags."""
