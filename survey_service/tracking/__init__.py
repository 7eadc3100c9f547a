"""Tracking a survey: the live overview per district and the centres still to chase."""
