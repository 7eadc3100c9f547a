"""The console's small survey, which the review, entry and import pages are tried on."""
from tests.console.conftest import small_survey  # noqa: F401  (the fixture)
