"""The PDFs' fonts: bundled with the package, subset by HarfBuzz, never the machine's.

Every face the print CSS names is a file in ``fonts/`` (Linux Libertine, its mono face
included), loaded with ``@font-face``; the CSS names no face of the system. Every
character the documents print is in those faces (the tests check it), so fontconfig never
has a glyph to find elsewhere, and the same commit gives the same PDF bytes on any machine.

WeasyPrint subsets the embedded fonts with HarfBuzz when libharfbuzz-subset is present,
and with fontTools otherwise, and the two give different bytes: the renderer refuses to
run without HarfBuzz's subsetter rather than write PDFs that differ by machine.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

#: The bundled font files.
FONTS_DIR = Path(__file__).parent / "fonts"


class MissingSubsetter(RuntimeError):
    """libharfbuzz-subset is not installed: the PDFs would differ by machine."""


@lru_cache(maxsize=1)
def require_subsetter() -> None:
    """Raise MissingSubsetter unless WeasyPrint has HarfBuzz's font subsetter."""
    from weasyprint.text import ffi

    if getattr(ffi, "harfbuzz_subset", None) is None:
        raise MissingSubsetter(
            "libharfbuzz-subset is not installed, and without it the PDFs' fonts are "
            "subset differently on every machine: run scripts/system-deps build "
            "(Debian: apt-get install libharfbuzz-subset0)"
        )


def font_files() -> list[Path]:
    """Return the bundled font files."""
    return sorted(p for p in FONTS_DIR.iterdir() if p.suffix in {".otf", ".ttf"})
