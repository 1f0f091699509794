"""Sphinx configuration of the flagship reader's site."""

from __future__ import annotations

import os

project = "The Day of Truth and Freedom"
author = "The coursepack editors"
copyright = "2026, the coursepack editors"

extensions = ["myst_parser", "coursepack.sphinx"]

#: The reader: seeds/ and annotations/ are in the folder above docs/.
coursepack_root = ".."
#: "student" (default) or "instructor"; `coursepack build --edition` overrides it.
coursepack_edition = os.environ.get("COURSEPACK_EDITION", "student")

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

language = "en"
html_theme = "furo"
html_title = "The Day of Truth and Freedom"
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "top_of_page_buttons": [],
}
