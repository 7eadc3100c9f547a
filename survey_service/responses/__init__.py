"""Responses: a centre's answers, drafts until submitted once, then reviewed for validity (有效问卷)."""
