"""The Sphinx extension that turns a reader into a site (``extensions = ["coursepack.sphinx"]``).

This module only registers: the configuration values (the build options among them come
from :class:`~coursepack.options.BuildOptions`, declared once for the command line too),
the nodes, the directives (:mod:`coursepack.render.site.directives`) and the event
handlers (:mod:`coursepack.render.site.events`). Everything the pages show comes from the
shared layer, :class:`~coursepack.refs.Refs`.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import ENUM

from coursepack import __version__
from coursepack.options import sphinx_fields
from coursepack.render.site import events, search
from coursepack.render.site import nodes as site_nodes
from coursepack.render.site.directives import DIRECTIVES
from coursepack.render.site.directives.base import SEARCH_TYPES
from coursepack.render.site.generate import SIDEBAR_READINGS
from coursepack.stamp import code_fingerprint

#: Bump when the data the extension keeps in Sphinx's environment changes shape.
ENV_VERSION = 4


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension's configuration, nodes, directives and event handlers."""
    for f in sphinx_fields():
        choices = f.metadata.get("choices")
        app.add_config_value(
            f"coursepack_{f.name}",
            f.default,
            "env",
            types=ENUM(*choices) if choices else frozenset({type(f.default)}),
            description=f.metadata["help"],
        )
    app.add_config_value(
        "coursepack_root",
        None,
        "env",
        types=frozenset({str, type(None)}),
        description="folder of the reader (seeds/, annotations/), relative to conf.py",
    )
    app.add_config_value(
        "coursepack_build_dir",
        None,
        "env",
        types=frozenset({str, type(None)}),
        description="folder of a coursepack build whose files to offer (default: root/build)",
    )
    app.add_config_value(
        "coursepack_sidebar_readings",
        SIDEBAR_READINGS,
        "env",
        types=frozenset({int}),
        description="list the readings in the sidebar when there are at most this many",
    )
    # The code that makes the pages. The pages' digests cover what they show, not how it
    # is shown: when the code changes (an upgrade), every page is read and written again,
    # as when an option changes.
    app.add_config_value(
        "coursepack_code",
        code_fingerprint(),
        "env",
        types=frozenset({str}),
        description="a hash of coursepack's code (never set in conf.py)",
    )
    # Handed in by `coursepack build`, which has made them already; never set in conf.py.
    app.add_config_value("coursepack_refs", None, "", description="the shared layer to show")
    app.add_config_value("coursepack_downloads", None, "", description="the files to offer")
    app.add_config_value(
        "coursepack_files_coming",
        False,
        "",
        types=frozenset({bool}),
        description="some files offered are still being written: the build puts them in place",
    )
    keep = (site_nodes.visit_passthrough, site_nodes.depart_passthrough)
    skip = (site_nodes.visit_skip, None)
    app.add_node(
        site_nodes.element,
        html=(site_nodes.visit_element_html, site_nodes.depart_element_html),
        latex=keep,
        text=(site_nodes.visit_element_text, site_nodes.depart_element_text),
        man=keep,
        texinfo=keep,
    )
    app.add_node(
        site_nodes.html_only,
        html=(site_nodes.visit_html_only_html, site_nodes.depart_html_only_html),
        latex=skip,
        text=skip,
        man=skip,
        texinfo=skip,
    )
    app.add_node(
        site_nodes.file_size,
        html=(site_nodes.visit_size_html, None),
        latex=(site_nodes.visit_size_latex, None),
        text=(site_nodes.visit_size_text, None),
        man=skip,
        texinfo=skip,
    )
    for objtype, objname in SEARCH_TYPES.items():
        app.add_object_type(objtype, objtype, objname=objname)
    for name, directive in DIRECTIVES.items():
        app.add_directive(name, directive)
    app.connect("config-inited", events.config_inited)
    app.connect("config-inited", search.config_inited)
    app.connect("builder-inited", events.builder_inited)
    app.connect("doctree-read", events.doctree_read)
    app.connect("env-get-outdated", events.outdated_pages)
    app.connect("env-purge-doc", events.purge_page)
    app.connect("env-merge-info", events.merge_pages)
    app.connect("html-page-context", events.page_context)
    app.connect("write-started", events.write_started)
    app.connect("html-page-context", events.share_sidebar, priority=400)
    # After the theme's own handler (furo builds its navigation at the default priority).
    app.connect("html-page-context", events.fix_captions, priority=900)
    app.connect("html-page-context", events.mark_section, priority=900)
    app.connect("build-finished", events.build_finished)
    app.add_css_file("coursepack.css")
    app.add_js_file("coursepack.js", loading_method="defer")
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
