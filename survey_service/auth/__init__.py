"""Console accounts, roles and per-user API tokens."""
