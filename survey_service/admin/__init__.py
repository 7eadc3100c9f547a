"""Administration: accounts, their roles and API tokens, and the audit log."""
