"""The console's small survey and SMTP server, which the overview and the centre's page are tried on."""
from tests.console.conftest import small_survey  # noqa: F401  (the fixture)
from tests.console.smtp_server import smtp  # noqa: F401  (the fixture)
