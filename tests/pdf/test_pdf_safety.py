"""Untrusted annotation text never fetches, loads or runs anything in the PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfcheck import flat, page_texts, render

from coursepack.model import Reader
from coursepack.render.pdf import fetcher as fetcher_module
from coursepack.render.pdf.engine import render_document
from coursepack.render.pdf.fetcher import ASSET_DIRS, AssetFetcher, RefusedURL

FONT = next((ASSET_DIRS[1]).glob("*.otf"))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        f"{FONT.parent.as_uri()}/../../../../../../../../etc/passwd",
        f"{FONT.parent.as_uri()}/%2E%2E/%2E%2E/__init__.py",
        (Path(fetcher_module.__file__)).as_uri(),
        "file://example.org/etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.org/font.otf",
        "ftp://127.0.0.1/x",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_everything_but_assets(url: str) -> None:
    fetcher = AssetFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_the_package_fonts_and_data_urls() -> None:
    fetcher = AssetFetcher()
    response = fetcher.fetch(FONT.as_uri())
    try:
        assert response.read(4) in (b"OTTO", b"\x00\x01\x00\x00")
    finally:
        response.close()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    assert fetcher.refused == []


def test_renderer_refuses_local_files_and_network_in_html() -> None:
    fetcher = AssetFetcher()
    html = (
        '<html lang="en"><head><title>t</title>'
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
        "<style>@import url(file:///etc/hosts);</style></head><body>"
        '<p>text<img src="file:///etc/passwd" alt="x"></p>'
        '<p style="background: url(https://example.org/bg.png)">more</p>'
        "</body></html>"
    )
    document = render_document(html, fetcher)
    assert set(fetcher.refused) == {
        "http://127.0.0.1:9/evil.css",
        "file:///etc/hosts",
        "file:///etc/passwd",
        "https://example.org/bg.png",
    }
    assert document.pages


def test_planted_markup_is_shown_as_text_and_fetches_nothing(
    planted_reader: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    original = AssetFetcher.fetch

    def recording_fetch(self: AssetFetcher, url: str, headers: object = None) -> object:
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(AssetFetcher, "fetch", recording_fetch)
    warnings, _ = render(planted_reader, tmp_path)
    assert [w.getMessage() for w in warnings] == []
    allowed = tuple(d.as_uri() for d in ASSET_DIRS)
    assert asked
    assert all(url.startswith(allowed) for url in asked), asked
    for pdf in [tmp_path / "reader.pdf", tmp_path / "handouts" / "alpha.pdf"]:
        text = flat("\n".join(page_texts(pdf)))
        assert "<script>" in text
        assert '<img src="file:///etc/passwd">' in text.replace("“", '"').replace("”", '"')
        assert "root:x:0:0" not in text
        assert "![secret](file:///etc/passwd)" in text
