"""The evaluators' console: its navigation (the dashboard); each feature's pages live with the feature."""
