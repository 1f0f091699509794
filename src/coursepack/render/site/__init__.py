"""The Sphinx extension that turns a reader into a site (``extensions = ["coursepack.sphinx"]``).

When the builder starts, the extension loads and resolves the reader (or takes the one it
is given), reports input problems as Sphinx warnings at their file and line, and writes
the generated documents (:mod:`coursepack.render.site.generate`) into a folder of the
source directory. Sphinx then reads them like any other document, so the toctree, search,
cross-references and incremental builds all work as usual.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import ENUM, Config
from sphinx.util import logging

from coursepack import __version__
from coursepack.model import Reader
from coursepack.render.cite import csl
from coursepack.render.site import _cite
from coursepack.render.site import nodes as site_nodes
from coursepack.render.site.directives import DIRECTIVES, fill_downloads
from coursepack.render.site.generate import (
    SIDEBAR_READINGS,
    Download,
    documents,
    write_documents,
)
from coursepack.render.site.state import SiteState, get_state, set_state

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"

#: Bump when the data the extension keeps in Sphinx's environment changes shape.
ENV_VERSION = 1


def _root(app: Sphinx) -> Path | None:
    value: str | None = app.config.coursepack_root
    if not value:
        return None
    return (Path(app.confdir) / value).resolve()


def _load(app: Sphinx) -> Reader | None:
    """Return the configured reader, or load it; report input problems as warnings."""
    given = app.config.coursepack_reader
    if given is not None:
        if not isinstance(given, Reader):
            logger.warning(
                "coursepack_reader must be a coursepack.model.Reader, not %s",
                type(given).__name__,
                type="coursepack",
                subtype="config",
            )
            return None
        # Kept in the build's state from here on. Sphinx pickles its configuration with the
        # environment (once per parallel reading batch, and on disk): without the reader.
        app.config.coursepack_reader = None
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
    return reader


def _build_dir(app: Sphinx, reader: Reader | None) -> Path | None:
    value: str | None = app.config.coursepack_build_dir
    if value:
        return (Path(app.confdir) / value).resolve()
    root = _root(app) or (Path(reader.root) if reader is not None else None)
    return root / "build" if root is not None else None


def _label(rel: str, reader: Reader) -> str:
    titles = {r.id: r.title for r in reader.readings}
    name = rel.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    if rel == "pdf/reader.pdf":
        return "The full course reader (PDF)"
    if rel.startswith("pdf/reader-volume-"):
        number = int(stem.rsplit("-", 1)[1])
        volumes = reader.volumes
        if number <= len(volumes):
            first = reader.reading(volumes[number - 1][0]).author_label
            last = reader.reading(volumes[number - 1][-1]).author_label
            span = first if first == last else f"{first} to {last}"
            return f"The course reader, volume {number} of {len(volumes)}: {span} (PDF)"
    if rel == "pdf/instructor-guide.pdf":
        return "Instructor’s guide, with teaching notes (PDF)"
    if rel.startswith("pdf/handouts/") and stem in titles:
        return f"Handout: {titles[stem]} (PDF)"
    if rel == "cite/coursepack.bib":
        return "BibTeX: the reader, each reading, note and term, and every reference"
    if rel == "cite/coursepack-biblatex.bib":
        return "biblatex (for biber): the same entries with biblatex entry types"
    if rel == "cite/coursepack.json":
        return "CSL-JSON: the same entries, for Zotero and Pandoc"
    if rel == "cite/coursepack.ris":
        return "RIS: the same entries, for EndNote and other reference managers"
    if rel == "annotations.jsonld":
        return "The annotations as W3C Web Annotations (JSON-LD)"
    return name


def _downloads(build_dir: Path | None, reader: Reader | None, edition: str) -> list[Download]:
    """Return the PDFs and citation files found next to the site's output."""
    if build_dir is None or reader is None or not build_dir.is_dir():
        return []
    found: list[Download] = []
    candidates = [build_dir / "annotations.jsonld"]
    for sub in ("pdf", "cite"):
        folder = build_dir / sub
        if folder.is_dir():
            candidates.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    for path in candidates:
        if not path.is_file() or path.name.startswith("."):
            continue
        rel = path.relative_to(build_dir).as_posix()
        if "instructor" in path.name and edition != "instructor":
            continue
        found.append(Download(rel, _label(rel, reader), path.stat().st_size))
    order = {f"pdf/handouts/{r.id}.pdf": i for i, r in enumerate(reader.readings)}
    return sorted(found, key=lambda d: (_rank(d.path), order.get(d.path, len(order)), d.path))


def _rank(rel: str) -> int:
    """Return where a download goes in the list: PDFs, then citation files, then the rest."""
    fixed = {"pdf/reader.pdf": 0, "pdf/instructor-guide.pdf": 1, "cite/coursepack.bib": 3}
    if rel in fixed:
        return fixed[rel]
    if rel.startswith("pdf/reader-volume-"):
        return 0
    if rel.startswith("pdf/"):
        return 2
    if rel.startswith("cite/"):
        return 4
    return 5


def _on_config_inited(app: Sphinx, config: Config) -> None:
    static = str(STATIC)
    if static not in config.html_static_path:
        config.html_static_path.append(static)


def _on_builder_inited(app: Sphinx) -> None:
    reader = _load(app)
    edition = app.config.coursepack_edition
    build_dir = _build_dir(app, reader)
    downloads = tuple(_downloads(build_dir, reader, edition))
    state = SiteState(
        reader=reader,
        edition=edition,
        generated=app.config.coursepack_generated_dir.strip("/"),
        downloads=downloads,
        build_dir=build_dir,
    )
    set_state(app.srcdir, state)
    folder = Path(app.srcdir) / state.generated
    limit = app.config.coursepack_sidebar_readings
    written = write_documents(folder, documents(reader, edition, downloads, limit))
    if written:
        logger.info("coursepack: wrote %d generated document(s)", len(written))


def _on_before_read(app: Sphinx, env: Any, docnames: list[str]) -> None:
    # Format citations once here, in the main process: a parallel build forks its readers
    # next, and each would otherwise format everything again. Nothing to read, no cost.
    state = get_state(env)
    if docnames and state is not None and state.reader is not None:
        _cite.warm(state.reader, max(1, app.parallel))


def _meta_tags(state: SiteState, pagename: str) -> str:
    reader = state.reader
    prefix = state.doc("readings/")
    if reader is None or not pagename.startswith(prefix):
        return ""
    try:
        r = reader.reading(pagename.removeprefix(prefix))
    except KeyError:  # the readings index
        return ""
    d = r.date
    date = "/".join(
        f"{v:02d}" if i else f"{v:04d}"
        for i, v in enumerate((d.year, d.month, d.day))
        if v is not None
    )
    tags: list[tuple[str, str]] = [("citation_title", r.title)]
    # "Family, Given": reference managers then split compound family names right.
    authors = [f"{a.family}, {a.given}" if a.given else a.family for a in r.authors]
    if not authors and r.corporate_author:
        authors = [r.corporate_author]
    tags += [("citation_author", a) for a in authors]
    tags += [("citation_publication_date", date), ("citation_date", date)]
    if csl.outlet_is_named(r):
        tags.append(("citation_journal_title", r.outlet))
    tags.append(("citation_language", r.language))
    if r.url:
        tags += [("citation_public_url", r.url), ("citation_fulltext_html_url", r.url)]
    return "".join(
        f'<meta name="{html.escape(n)}" content="{html.escape(v, quote=True)}">\n'
        for n, v in tags
        if v
    )


_CAPTION = '<p class="caption" role="heading">'


def _fix_captions(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give toctree captions the heading level that role="heading" requires (WCAG 4.1.2)."""
    for key in ("body", "furo_navigation_tree", "toc"):
        value = context.get(key)
        if isinstance(value, str) and _CAPTION in value:
            context[key] = value.replace(_CAPTION, _CAPTION[:-1] + ' aria-level="2">')


# The sidebar of a page outside every toctree (a note) depends only on the folder it is
# in: no entry is current, and links are relative to the folder. Kept per source folder,
# cleared when writing starts, so each build (and each forked writer) computes its own.
_SIDEBARS: dict[tuple[str, str, tuple[tuple[str, Any], ...]], str] = {}
_INCLUDED: dict[str, frozenset[str]] = {}


def _fill_downloads(app: Sphinx, doctree: Any, docname: str) -> None:
    state = get_state(app.env)
    fill_downloads(doctree, state.downloads if state is not None else ())


def _on_write_started(app: Sphinx, builder: Any) -> None:
    srcdir = str(app.srcdir)
    for key in [k for k in _SIDEBARS if k[0] == srcdir]:
        del _SIDEBARS[key]
    includes = app.env.toctree_includes
    _INCLUDED[srcdir] = frozenset(d for docs in includes.values() for d in docs)


def _share_sidebar(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Render the table of contents once per folder for the pages outside it."""
    toctree = context.get("toctree")
    srcdir = str(app.srcdir)
    included = _INCLUDED.get(srcdir)
    if not callable(toctree) or included is None or pagename not in app.env.found_docs:
        return
    if pagename in included or pagename == app.config.root_doc:
        return
    folder = pagename.rpartition("/")[0]

    def shared(**kwargs: Any) -> str:
        key = (srcdir, folder, tuple(sorted(kwargs.items())))
        found = _SIDEBARS.get(key)
        if found is None:
            found = _SIDEBARS[key] = toctree(**kwargs)
        return found

    context["toctree"] = shared


def _mark_section(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Mark the index of an orphan note or reading page as current in furo's sidebar."""
    tree = context.get("furo_navigation_tree")
    state = get_state(app.env)
    if not isinstance(tree, str) or state is None:
        return
    if "orphan" not in app.env.metadata.get(pagename, {}):
        return
    for kind in ("notes", "readings"):
        if pagename.startswith(state.doc(f"{kind}/")):
            href = app.builder.get_relative_uri(pagename, state.doc(f"{kind}/index"))
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


def _on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if not context.get("favicon_url") and "pathto" in context:
        # Without an icon, browsers ask for /favicon.ico and log the 404 as an error.
        context["favicon_url"] = context["pathto"]("_static/coursepack-icon.svg", 1)
    state = get_state(app.env)
    if state is None:
        return
    tags = _meta_tags(state, pagename)
    if tags:
        context["metatags"] = context.get("metatags", "") + tags


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    state = get_state(app.env)
    if exception is not None or app.builder.format != "html":
        return
    if state is None or state.build_dir is None:
        return
    target = Path(app.outdir) / "downloads"
    if target.exists():
        shutil.rmtree(target)
    for d in state.downloads:
        source = state.build_dir / d.path
        if source.is_file():
            dest = target / d.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension's configuration, nodes, directives and event handlers."""
    app.add_config_value(
        "coursepack_root",
        None,
        "env",
        types=frozenset({str, type(None)}),
        description="folder of the reader (seeds/, annotations/), relative to conf.py",
    )
    app.add_config_value(
        "coursepack_reader",
        None,
        "",
        description="a resolved coursepack.model.Reader to show instead of loading one",
    )
    app.add_config_value(
        "coursepack_edition",
        "student",
        "env",
        types=ENUM("student", "instructor"),
        description="student, or instructor (with teaching notes)",
    )
    app.add_config_value(
        "coursepack_generated_dir",
        "_generated",
        "env",
        types=frozenset({str}),
        description="folder of the generated documents, relative to the source folder",
    )
    app.add_config_value(
        "coursepack_build_dir",
        None,
        "env",
        types=frozenset({str, type(None)}),
        description="folder holding pdf/ and cite/ to offer as downloads (default: root/build)",
    )
    app.add_config_value(
        "coursepack_sidebar_readings",
        SIDEBAR_READINGS,
        "env",
        types=frozenset({int}),
        description="list the readings in the sidebar when there are at most this many",
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
    for name, directive in DIRECTIVES.items():
        app.add_directive(name, directive)
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-before-read-docs", _on_before_read)
    app.connect("html-page-context", _on_page_context)
    # Before the theme's handler, which draws the sidebar from the toctree function.
    app.connect("write-started", _on_write_started)
    app.connect("doctree-resolved", _fill_downloads)
    app.connect("html-page-context", _share_sidebar, priority=400)
    # After the theme's own handler (furo builds its navigation at the default priority).
    app.connect("html-page-context", _fix_captions, priority=900)
    app.connect("html-page-context", _mark_section, priority=900)
    app.connect("build-finished", _on_build_finished)
    app.add_css_file("coursepack.css")
    app.add_js_file("coursepack.js", loading_method="defer")
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
