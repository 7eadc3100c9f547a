"""Rosters of respondent units (the 221 street/town party-building centres)."""
