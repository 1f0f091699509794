"""Sphinx configuration of the reader's site; `coursepack build` and `coursepack serve` use it."""

project = "{{title_py}}"
author = "{{editors_py}}"
copyright = "{{year}}, {{editors_py}}"

extensions = ["myst_parser", "coursepack.sphinx"]

#: The reader: seeds/ and annotations/ are in the folder above docs/.
coursepack_root = ".."

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

language = "en"
html_theme = "furo"
html_title = project
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
