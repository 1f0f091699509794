"""What the extension does at each stage of a Sphinx build.

When the builder starts, the extension takes the shared layer that ``coursepack build``
hands it (or loads and resolves the reader itself, for a plain ``sphinx-build``), records
its state on the environment, and writes the generated documents
(:mod:`coursepack.render.site.generate`) into the source folder. Sphinx then reads them
like any other document, so the toctree, search, cross-references and incremental builds
all work as usual.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util import logging

from coursepack import outputs
from coursepack.options import BuildOptions, sphinx_fields
from coursepack.refs import Refs
from coursepack.render.site import sizes
from coursepack.render.site.directives.apparatus import place_term_ids
from coursepack.render.site.generate import (
    ForeignFile,
    documents,
    empty_documents,
    pages_digest,
    write_documents,
)
from coursepack.render.site.metadata import head_tags
from coursepack.render.site.state import (
    Download,
    SiteState,
    downloads_of,
    get_state,
    pages_read,
    set_state,
    sized_pages,
)

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


def _root(app: Sphinx) -> Path | None:
    value: str | None = app.config.coursepack_root
    if not value:
        return None
    return (Path(app.confdir) / value).resolve()


def _options(app: Sphinx) -> BuildOptions:
    """Return the build options the project's configuration sets."""
    given = {f.name: getattr(app.config, f"coursepack_{f.name}") for f in sphinx_fields()}
    return BuildOptions(**given)


def _refs(app: Sphinx) -> Refs | None:
    """Return the shared layer handed in by ``coursepack build``, or make it.

    Loading the reader reports its input problems as Sphinx warnings at their file and line.
    """
    given = app.config.coursepack_refs
    if given is not None:
        if not isinstance(given, Refs):
            logger.warning(
                "coursepack_refs must be a coursepack.refs.Refs, not %s",
                type(given).__name__,
                type="coursepack",
                subtype="config",
            )
            return None
        # Kept in the build's state from here on. Sphinx pickles its configuration with the
        # environment (once per parallel reading batch, and on disk): without the layer.
        app.config.coursepack_refs = None
        return given
    root = _root(app)
    if root is None:
        logger.warning(
            "set coursepack_root in conf.py to the folder that holds seeds/ and annotations/",
            type="coursepack",
            subtype="config",
        )
        return None
    from coursepack.pipeline import read_reader

    reader, report = read_reader(root)
    for d in report:
        path = Path(d.location.path)
        where = path if path.is_absolute() else root / path
        logger.warning(
            "%s",
            d.message,
            location=f"{where}:{d.location.line}:{d.location.col}",
            type="coursepack",
            subtype=d.code,
        )
    if reader is None:
        return None
    options = _options(app)
    return Refs(reader, base_url=options.base_url, workers=max(1, app.parallel))


def _build_dir(app: Sphinx, refs: Refs | None) -> Path | None:
    value: str | None = app.config.coursepack_build_dir
    if value:
        return (Path(app.confdir) / value).resolve()
    root = _root(app) or (Path(refs.reader.root) if refs is not None else None)
    return root / "build" if root is not None else None


def recorded_downloads(build_dir: Path, edition: str) -> list[Download]:
    """Return what the site offers of the files a ``coursepack build`` recorded."""
    recorded = outputs.load(build_dir)
    return downloads_of([o for found in recorded.values() for o in found], build_dir, edition)


#: The client a class annotates the site with, for each choice of the ``annotation`` option.
ANNOTATION_CLIENTS = {"hypothesis": "https://hypothes.is/embed.js"}


def config_inited(app: Sphinx, config: Config) -> None:
    """Add the extension's CSS and scripts to the static path, and the annotation client."""
    static = str(STATIC)
    if static not in config.html_static_path:
        config.html_static_path.append(static)
    client = ANNOTATION_CLIENTS.get(config.coursepack_annotation)
    if client:
        app.add_js_file(client, loading_method="async")


def builder_inited(app: Sphinx) -> None:
    """Record the build's state and write the generated documents."""
    refs = _refs(app)
    edition = app.config.coursepack_edition
    if edition == "both":  # one Sphinx build makes one site
        logger.warning(
            "coursepack_edition 'both' builds the student edition here; "
            "coursepack build --edition both builds the two side by side"
        )
        edition = "student"
    build_dir = _build_dir(app, refs)
    handed = app.config.coursepack_downloads
    if handed is not None:
        downloads = list(handed)
        app.config.coursepack_downloads = None
    else:
        downloads = recorded_downloads(build_dir, edition) if build_dir is not None else []
    downloads.sort(key=lambda d: d.rank)
    state = SiteState(
        refs=refs,
        edition=edition,
        downloads=tuple(downloads),
        build_dir=build_dir,
        sidebar_readings=app.config.coursepack_sidebar_readings,
    )
    docs = (
        documents(refs, edition, state.downloads, state.sidebar_readings)
        if refs is not None
        else empty_documents()
    )
    state.generated = frozenset(rel.rpartition(".")[0] for rel in docs)
    state.pages_digest = (
        pages_digest(refs, edition, state.downloads) if refs is not None else "none"
    )
    set_state(app.env, state)
    try:
        written = write_documents(Path(app.srcdir), docs)
    except ForeignFile as exc:
        raise ExtensionError(str(exc)) from None
    if written:
        logger.info("coursepack: wrote %d generated document(s)", len(written))


def doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Give glossary entries their ids."""
    place_term_ids(doctree)


_CAPTION = '<p class="caption" role="heading">'


def fix_captions(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give toctree captions the heading level that role="heading" requires (WCAG 4.1.2)."""
    for key in ("body", "furo_navigation_tree", "toc"):
        value = context.get(key)
        if isinstance(value, str) and _CAPTION in value:
            context[key] = value.replace(_CAPTION, _CAPTION[:-1] + ' aria-level="2">')


def write_started(app: Sphinx, builder: Any) -> None:
    """Start each build's shared sidebars afresh, and note what the toctrees include."""
    state = get_state(app.env)
    if state is None:
        return
    state.sidebars.clear()
    includes = app.env.toctree_includes
    state.included = frozenset(d for docs in includes.values() for d in docs)


def share_sidebar(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Render the table of contents once per folder for the pages outside it.

    The sidebar of a page outside every toctree (a note) depends only on the folder it is
    in: no entry is current, and links are relative to the folder.
    """
    toctree = context.get("toctree")
    state = get_state(app.env)
    if not callable(toctree) or state is None or pagename not in app.env.found_docs:
        return
    if pagename in state.included or pagename == app.config.root_doc:
        return
    folder = pagename.rpartition("/")[0]
    sidebars = state.sidebars

    def shared(**kwargs: Any) -> str:
        key = (folder, tuple(sorted(kwargs.items())))
        found = sidebars.get(key)
        if found is None:
            found = sidebars[key] = toctree(**kwargs)
        return found

    context["toctree"] = shared


def mark_section(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Mark the index of an orphan note or reading page as current in furo's sidebar."""
    tree = context.get("furo_navigation_tree")
    state = get_state(app.env)
    if not isinstance(tree, str) or state is None or state.refs is None:
        return
    if "orphan" not in app.env.metadata.get(pagename, {}):
        return
    site = state.refs.site
    for kind in ("notes", "readings", "contexts"):
        if pagename.startswith(site.doc(f"{kind}/")):
            href = app.builder.get_relative_uri(pagename, site.doc(f"{kind}/index"))
            item = re.compile(
                r'<li class="(toctree-l\d+)"><a class="reference internal" href="'
                + re.escape(href)
                + '">'
            )
            context["furo_navigation_tree"] = item.sub(
                rf'<li class="\1 current cp-section">'
                rf'<a class="current reference internal" href="{href}">',
                tree,
                count=1,
            )
            return


#: Blocks that scroll sideways when wider than the page: code, and the theme's tables.
_SCROLLING = (
    ('<div class="highlight"><pre>', '<div class="highlight"><pre tabindex="0">'),
    ('<div class="table-wrapper', '<div tabindex="0" class="table-wrapper'),
)


def page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Add the favicon, the description and citation metadata, and keyboard access to
    scrolling code blocks."""
    if not context.get("favicon_url") and "pathto" in context:
        # Without an icon, browsers ask for /favicon.ico and log the 404 as an error.
        context["favicon_url"] = context["pathto"]("_static/coursepack-icon.svg", 1)
    body = context.get("body")
    if isinstance(body, str):
        # A code block or a table wider than the page scrolls: it takes focus so that a
        # keyboard can scroll it too (WCAG 2.1.1).
        for plain, focusable in _SCROLLING:
            body = body.replace(plain, focusable)
        context["body"] = body
    state = get_state(app.env)
    if state is None:
        return
    title = html.unescape(re.sub(r"<[^>]+>", "", str(context.get("title", ""))))
    tags = head_tags(state, pagename, app.config.root_doc, title, doctree)
    context["metatags"] = context.get("metatags", "") + tags


def outdated_pages(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Return the hand-written pages whose coursepack content changed since they were read."""
    state = get_state(env)
    if state is None:
        return []
    return sorted(
        doc
        for doc, seen in pages_read(env).items()
        if seen != state.pages_digest and doc in env.found_docs and doc not in changed
    )


def purge_page(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    """Forget a page that is read again or removed."""
    pages_read(env).pop(docname, None)
    sized_pages(env).pop(docname, None)


def merge_pages(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    """Take the pages a parallel reading process recorded."""
    theirs = pages_read(other)
    pages_read(env).update({d: theirs[d] for d in docnames if d in theirs})
    sized = sized_pages(other)
    sized_pages(env).update({d: sized[d] for d in docnames if d in sized})


def build_finished(app: Sphinx, exception: Exception | None) -> None:
    """Record the pages that show a file's size and the files offered
    (:func:`coursepack.render.site.sizes.record`), and, unless the build says it writes
    some of them still (``coursepack_files_coming``), put the files in place and show
    their sizes (:func:`coursepack.render.site.sizes.finish`)."""
    state = get_state(app.env)
    builder = app.builder
    if exception is not None or not isinstance(builder, StandaloneHTMLBuilder):
        return
    if state is None or state.build_dir is None or state.refs is None:
        return
    outdir = Path(app.outdir)
    pages = [
        Path(builder.get_outfilename(doc)).relative_to(outdir).as_posix()
        for doc in sized_pages(app.env)
        if doc in app.env.all_docs
    ]
    doctrees = Path(app.doctreedir)
    site = state.refs.site
    offered = [(d.path, site.download_path(d.path)) for d in state.downloads]
    sizes.record(doctrees, pages, offered, site.download_path(""))
    if not app.config.coursepack_files_coming:
        sizes.finish(outdir, doctrees, state.build_dir)
