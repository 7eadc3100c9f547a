"""The append-only audit log: who did what, when, with the before and after of a change."""
