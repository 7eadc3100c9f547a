"""The centre's questionnaire, opened from its personal link ``BASE_URL/s/<token>``."""
