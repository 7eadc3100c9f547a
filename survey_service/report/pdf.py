"""The printable report as PDF (WeasyPrint), fetching nothing but the app's own static files."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import current_app

#: the origin the printable page's links are resolved against inside WeasyPrint; never fetched over a network
PRINT_ORIGIN = "https://report.invalid"


def pdf_bytes(html: str) -> bytes:
    """Render the printable report's HTML to PDF."""
    from weasyprint import HTML

    fetcher = _static_fetcher(Path(current_app.static_folder), PRINT_ORIGIN + current_app.static_url_path + "/")
    return HTML(string=html, base_url=PRINT_ORIGIN + "/", url_fetcher=fetcher).write_pdf()


def _static_fetcher(static_folder: Path, prefix: str):
    """A WeasyPrint URL fetcher that serves files under ``prefix`` from the static folder and refuses all else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = static_folder.resolve()

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(prefix):
                path = (root / url[len(prefix):].split("?")[0]).resolve()
                if path.is_relative_to(root) and path.is_file():
                    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})
            # a comment can never reach here (it is escaped), but nothing else may be fetched either
            raise ValueError(f"the printable report fetches only its own static files, not {url}")

    return StaticOnly()
