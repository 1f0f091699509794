"""The only way the PDF renderer reads a URL: the package's own assets and data: URLs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

LOGGER = logging.getLogger("coursepack.pdf")

#: The directories whose files the renderer may read: the print CSS and the bundled fonts.
ASSET_DIRS: tuple[Path, ...] = (
    (Path(__file__).parent / "css").resolve(),
    (Path(__file__).parent / "fonts").resolve(),
)


class RefusedURL(ValueError):
    """A URL the renderer is not allowed to read."""


class AssetFetcher(URLFetcher):  # type: ignore[misc]
    """Serve data: URLs and files inside the package's asset directories; refuse the rest.

    Annotation bodies are sanitized before they reach the HTML, so nothing an editor writes
    should ever ask for a URL; this fetcher is the second wall. It refuses ``http(s)``,
    ``ftp`` and every other scheme, and ``file:`` URLs outside :data:`ASSET_DIRS` (after
    resolving ``..`` and symbolic links), so no local file and no network address can end
    up in a PDF.
    """

    def __init__(self, asset_dirs: tuple[Path, ...] = ASSET_DIRS) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, timeout=5)
        self.asset_dirs = tuple(d.resolve() for d in asset_dirs)
        #: URLs refused so far, for tests and logs.
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the resource at url, or raise RefusedURL."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and self._allowed_file(url):
            return super().fetch(url, headers)
        self.refused.append(url)
        LOGGER.warning("refused to fetch %s: the PDF renderer reads only its own assets", url)
        raise RefusedURL(f"refused to fetch {url}")

    def _allowed_file(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return False
        try:
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        return path.is_file() and any(path.is_relative_to(d) for d in self.asset_dirs)
