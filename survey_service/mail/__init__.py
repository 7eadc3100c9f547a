"""Invitation and reminder e-mails over SMTP, with a delivery log per invitation."""
