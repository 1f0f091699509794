"""A live preview: ``coursepack serve``.

The site is built into a preview folder (``.coursepack-cache/serve/`` by default) by
coursepack's own build (the ``site`` target of :func:`coursepack.build.build`) and served
on 127.0.0.1. When a file under ``seeds/``, ``annotations/`` or ``docs/`` changes, the
site is built again, which reads and writes only the pages whose data changed, and every
open page reloads. The PDFs are then built in the background (a document whose content
did not change is not laid out again), and the site once more, so that its downloads
offer them; a new change stops that background work and starts it afresh.

The parts are sphinx-autobuild's, the preview server Sphinx users know: its websocket
server (:class:`~sphinx_autobuild.server.RebuildServer`, which tells the open pages to
reload), its middleware that adds the reload script to every page, and its filter of
paths not to watch; watchfiles notices the changes, Starlette serves the files and
uvicorn runs it all. What coursepack adds is the build and what a failed build shows.

A build that fails leaves the preview folder as it was (a build is all or nothing), so
the last good site stays served. Its problems, each ``path:line:col: error: ...``, are
printed in the terminal and shown over every page of the site, escaped as text; the next
build that succeeds takes them away.

The site is built in one process, forked from this one before the first build and kept
until the preview ends: each build after an edit finds everything the last one imported
(Sphinx, the theme, the extensions of ``conf.py``, coursepack's renderers) already loaded,
and the formatted citations in the reader's cache (:mod:`coursepack.refs.cache`). A build
after an edit loads again only the files that changed (the load cache has the rest),
formats only the citations whose records changed, writes only the generated pages whose
data changed, and has Sphinx read and write only those pages, in the process itself:
forking Sphinx's parallel readers and writers for the two or three pages of an edit costs
more than it saves (the first build, which writes every page, uses them). Once its pages
are served, the process frees what the build left (:func:`tidy`). Should the process end
(killed, out of memory), the next build starts another; so does a change to a Python
file, which the process may have imported (a local extension of ``conf.py``). The PDFs
are built in a process of their own, kept the same way with its PDF workers (WeasyPrint
imported and amended in each), and ended, workers and all, by an edit that comes while it
builds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import html
import io
import multiprocessing
import os
import re
import socket
import sys
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursepack import processes
from coursepack.options import BuildOptions

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: What is watched, under the reader's root.
WATCHED = ("seeds", "annotations", "docs")
#: Paths never watched: what builds write, and what editors and tools leave beside files.
IGNORED_PARTS = frozenset({".coursepack-cache", "_build", "__pycache__", ".git", ".venv"})
_EDITOR_LEFTOVER = re.compile(
    r"(^\.#|^#.*#$|~$|\.sw[a-p]$|^\.~lock\.|^4913$|\.tmp$|^sed[A-Za-z0-9]{6}$)"
)
#: A diagnostic line as coursepack prints it.
DIAGNOSTIC = re.compile(
    r"^(?P<where>[^\s:][^:]*:\d+:\d+): (?P<severity>error|warning): (?P<message>.*?)"
    r"(?: \[(?P<code>coursepack\.[\w.-]+)\])?$"
)


@dataclass(frozen=True)
class Outcome:
    """What one build in a child process did."""

    #: The build's exit code.
    code: int
    #: What it printed on standard output and standard error.
    out: str
    err: str
    #: How long it took, in seconds.
    seconds: float
    #: The process that built (the site's is the same from one build to the next).
    pid: int = 0


#: The server's listening socket, which a forked build closes: it serves nothing.
_listening: list[int] = []


def _build_in_child(root: str, out: str, targets: Sequence[str], options: BuildOptions) -> Outcome:
    """Run coursepack's build (in a forked process, the site's or the PDFs'); return what it
    did and said."""
    from coursepack.build import build

    for fd in _listening:
        with contextlib.suppress(OSError):
            os.close(fd)

    started = time.perf_counter()
    said_out, said_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(said_out), contextlib.redirect_stderr(said_err):
        try:
            code = build(Path(root), Path(out), targets, options)
        except Exception as exc:  # a bug: said, not raised into the server
            print(
                f"coursepack: internal error, a bug in coursepack: {type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
            if os.environ.get("COURSEPACK_TRACEBACK"):
                traceback.print_exc()
            code = 1
    seconds = time.perf_counter() - started
    return Outcome(code, said_out.getvalue(), said_err.getvalue(), seconds, os.getpid())


def tidy() -> None:
    """Free what the last build left in the site's process.

    Loading a reader moves what it made out of the cycle collector's sight
    (:func:`coursepack.pipeline.collector_paused`), which suits a process that ends after
    one build; in one that builds again and again, a build's cycles (Sphinx's application
    and environment among them) would stay for good, some 13 MB a build for the flagship.
    (What docutils and Sphinx themselves keep of a build, the site's build lets go of:
    :func:`coursepack.render.site.build._let_go`.)
    """
    gc.unfreeze()
    gc.collect()


def start_site_process() -> None:
    """Get the site's process ready (its initializer): it leaves at once on an interrupt
    or a terminate(), whatever handlers the server had when it forked."""
    processes.leave_on_signal()


def start_pdf_process() -> None:
    """Get the PDFs' process ready (its initializer): it leaves at once on an interrupt or
    a terminate(), and keeps its PDF workers between builds."""
    processes.leave_on_signal()
    try:
        from coursepack.render.pdf import keep_workers
    except ModuleNotFoundError:  # no PDF renderer: nothing to keep
        return
    keep_workers()


def warm_up() -> None:
    """Import what a site build needs, so that every forked build finds it loaded."""
    import sphinx.application
    import sphinx.builders.html  # noqa: F401


def problems_of(outcome: Outcome | None) -> list[str]:
    """Return the lines a failed build said about the input (all it said, if none)."""
    if outcome is None or outcome.code == 0:
        return []
    lines = [line for line in outcome.err.splitlines() if line.strip()]
    found = [line for line in lines if DIAGNOSTIC.match(line)]
    return found or lines


def overlay_html(problems: Sequence[str]) -> str:
    """Return the box shown over every page while the last build failed; every problem is
    escaped, so no text of an input file can run."""
    items = []
    for line in problems:
        match = DIAGNOSTIC.match(line)
        if match:
            code = (
                f' <span class="cp-serve-code">[{html.escape(match["code"])}]</span>'
                if match["code"]
                else ""
            )
            items.append(
                f'<li class="cp-serve-{match["severity"]}"><code class="cp-serve-where">'
                f"{html.escape(match['where'])}</code> <b>{match['severity']}</b>: "
                f"{html.escape(match['message'])}{code}</li>"
            )
        else:
            items.append(f"<li><code>{html.escape(line)}</code></li>")
    errors = sum(1 for line in problems if ": error: " in line) or len(problems)
    title = f"{errors} problem{'s' if errors != 1 else ''}: the site was not rebuilt"
    return f"""
<div id="coursepack-serve-problems" role="alert" aria-live="assertive" style="all:initial;
position:fixed;z-index:2147483647;left:0;right:0;bottom:0;max-height:70vh;overflow:auto;
box-sizing:border-box;padding:1rem 1.25rem;background:#fff8f6;color:#1d1d1d;
border-top:4px solid #b3261e;box-shadow:0 -4px 24px rgba(0,0,0,.25);
font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;">
<style>
#coursepack-serve-problems h2{{all:initial;display:block;font:600 17px/1.3 system-ui,
sans-serif;color:#b3261e;margin:0 0 .5rem}}
#coursepack-serve-problems p{{all:initial;display:block;font:14px/1.4 system-ui,sans-serif;
color:#444;margin:0 0 .6rem}}
#coursepack-serve-problems ul{{margin:0;padding:0 0 0 1.1rem}}
#coursepack-serve-problems li{{margin:.35rem 0;overflow-wrap:anywhere}}
#coursepack-serve-problems code{{font:13px/1.4 ui-monospace,'DejaVu Sans Mono',monospace;
background:#f3e3e0;padding:0 .2em;border-radius:3px}}
.cp-serve-code{{color:#666;font-size:13px}}
</style>
<h2>{html.escape(title)}</h2>
<p>This is the last good build. Fix the files below and save: the page reloads.</p>
<ul>{"".join(items)}</ul>
</div>
"""


class OverlayMiddleware:
    """Serve every page fresh, with the problems of the last build over it when it failed.

    Conditional requests are answered in full (a reloaded page must show what is served
    now, not what the browser kept), and no page is kept in the browser's cache.
    """

    def __init__(self, app: ASGIApp, preview: Preview) -> None:
        self.app = app
        self.preview = preview

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        scope["headers"] = [
            (k, v) for k, v in scope["headers"] if k not in (b"if-none-match", b"if-modified-since")
        ]
        overlay = (
            overlay_html(self.preview.problems).encode("utf-8") if self.preview.problems else b""
        )
        is_html = False
        chunks: list[bytes] = []
        start: Message | None = None

        async def send_wrapper(message: Message) -> None:
            nonlocal is_html, start
            from starlette.datastructures import MutableHeaders

            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-store"
                is_html = headers.get("Content-Type", "").startswith("text/html")
                if not is_html or not overlay:
                    await send(message)
                    return
                start = message
                return
            if message["type"] == "http.response.body" and is_html and overlay:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                at = body.rfind(b"</body>")
                body = body[:at] + overlay + body[at:] if at != -1 else body + overlay
                assert start is not None
                headers = MutableHeaders(scope=start)
                headers["Content-Length"] = str(len(body))
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _fork_context() -> Any:
    return multiprocessing.get_context("fork")


class Preview:
    """The preview of one reader: its builds, their problems, and what the pages show."""

    def __init__(self, root: Path, out: Path, options: BuildOptions, *, pdf: bool) -> None:
        self.root = root
        self.out = out
        self.options = options
        self.pdf = pdf
        #: The problems of the last site build, shown over every page; empty when it built.
        self.problems: list[str] = []
        self._pdf_task: asyncio.Task[None] | None = None
        self._pdf_pool: ProcessPoolExecutor | None = None
        #: The site's process, kept from one build to the next (see the module's text).
        self._site_pool: ProcessPoolExecutor | None = None
        self.reload: asyncio.Event | None = None
        #: Seconds each finished step took, newest last (for the terminal and the tests).
        self.log: list[str] = []

    # ---- building ----------------------------------------------------------------------

    def _site_process(self) -> ProcessPoolExecutor:
        """Return the site's process, forked from this one when there is none."""
        if self._site_pool is None:
            self._site_pool = ProcessPoolExecutor(
                max_workers=1, mp_context=_fork_context(), initializer=start_site_process
            )
        return self._site_pool

    def _submit(self, targets: Sequence[str], options: BuildOptions) -> Future[Outcome]:
        return self._site_process().submit(
            _build_in_child, str(self.root), str(self.out), tuple(targets), options
        )

    def _lost(self) -> None:
        """Forget a site process that ended; the next build forks another."""
        if self._site_pool is not None:
            self._site_pool.shutdown(wait=False, cancel_futures=True)
        self._site_pool = None

    def build_now(self, targets: Sequence[str]) -> Outcome:
        """Build targets in the site's process and wait for it (before the server starts).

        This first build writes every page, with as many of Sphinx's processes as the
        options give.
        """
        try:
            return self._submit(targets, self.options).result()
        except BrokenProcessPool:
            self._lost()
            return self._submit(targets, self.options).result()

    async def build(self, targets: Sequence[str], *, fresh: bool = False) -> Outcome:
        """Build targets after an edit in the site's process, without holding up the server.

        Sphinx reads and writes in that process alone (``jobs=1``): an edit changes a few
        pages. fresh: in a new process (Python code the old one imported has changed).
        """
        options = dataclasses.replace(self.options, jobs=1)
        if fresh:
            self._lost()
        try:
            return await asyncio.wrap_future(self._submit(targets, options))
        except BrokenProcessPool:
            self._lost()
            return await asyncio.wrap_future(self._submit(targets, options))

    def tidy(self) -> None:
        """Have the site's process free what its last build left, while the pages load."""
        if self._site_pool is not None:
            with contextlib.suppress(BrokenProcessPool, RuntimeError):
                self._site_pool.submit(tidy)

    def close(self) -> None:
        """End the site's process and the PDFs'."""
        self._lost()
        self._lose_pdfs()

    def take(self, outcome: Outcome, what: str) -> bool:
        """Record a site build's outcome and say it in the terminal; return whether it built."""
        self.problems = problems_of(outcome)
        if self.problems:
            say("\n".join(self.problems))
            n = sum(1 for line in self.problems if ": error: " in line) or 1
            say(f"{n} problem{'s' if n != 1 else ''}; the last good build is still served")
            return False
        for line in outcome.err.splitlines():
            if line.strip():
                say(line)
        say(f"{what} in {outcome.seconds:.1f} s")
        return True

    async def on_change(self, changed: Sequence[Path]) -> None:
        """Build the site again after changes; reload the pages; then the PDFs."""
        await self.stop_pdfs()
        fresh = imports_again(changed)
        if fresh:  # the PDFs' process builds the site too, with what conf.py imports
            self._lose_pdfs()
        shown = ", ".join(sorted({_shown(p, self.root) for p in changed})[:4])
        outcome = await self.build(["site"], fresh=fresh)
        built = self.take(outcome, f"rebuilt the site ({shown})")
        self.tell_reload()
        self.tidy()
        if built and self.pdf:
            self.start_pdfs()

    def tell_reload(self) -> None:
        if self.reload is not None:
            self.reload.set()

    def start_pdfs(self) -> None:
        self._pdf_task = asyncio.create_task(self._pdfs())

    def _pdf_process(self) -> ProcessPoolExecutor:
        """Return the PDFs' process, forked from this one when there is none."""
        if self._pdf_pool is None:
            self._pdf_pool = ProcessPoolExecutor(
                max_workers=1, mp_context=_fork_context(), initializer=start_pdf_process
            )
        return self._pdf_pool

    def _lose_pdfs(self) -> None:
        """End the PDFs' process now, and with it its workers; the next build forks another."""
        pool, self._pdf_pool = self._pdf_pool, None
        if pool is not None:  # its workers die with it (PR_SET_PDEATHSIG)
            processes.stop_pool(pool, kill=True)

    async def _pdfs(self) -> None:
        """Build the PDFs, then the site, so that its downloads offer them.

        Both run in the PDFs' process, kept from one edit to the next with its PDF workers
        (:func:`coursepack.render.pdf.keep_workers`): the next build finds WeasyPrint and
        the renderers imported. An edit that comes while it builds ends it (see
        :meth:`stop_pdfs`).
        """
        pool = self._pdf_process()
        loop = asyncio.get_running_loop()
        try:
            args = (str(self.root), str(self.out), ("pdf",), self.options)
            outcome = await loop.run_in_executor(pool, _build_in_child, *args)
            if outcome.code != 0:
                say("\n".join(problems_of(outcome)) or outcome.err.strip())
                return
            say(f"rebuilt the PDFs in {outcome.seconds:.1f} s")
            args = (str(self.root), str(self.out), ("site",), self.options)
            outcome = await loop.run_in_executor(pool, _build_in_child, *args)
            if self.take(outcome, "updated the downloads"):
                self.tell_reload()
        except BrokenProcessPool:  # the process ended (killed, out of memory): the next
            self._lose_pdfs()  # edit starts another
            say("the PDFs' process ended; they are built again after the next change")
        finally:
            if self._pdf_pool is pool:  # kept: have it free what the builds left
                with contextlib.suppress(BrokenProcessPool, RuntimeError):
                    pool.submit(tidy)

    async def stop_pdfs(self) -> None:
        """Stop the PDFs' background build, if one is under way: its process ends, with
        its workers, so that nothing goes on writing what the edit made stale."""
        task = self._pdf_task
        self._pdf_task = None
        if task is None or task.done():
            return
        self._lose_pdfs()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    # ---- watching ----------------------------------------------------------------------

    def ignored(self, path: str) -> bool:
        """Return whether a change to path is not one to rebuild for."""
        relative = Path(path).resolve()
        try:
            parts = relative.relative_to(self.root).parts
        except ValueError:
            return True
        name = parts[-1] if parts else ""
        if IGNORED_PARTS.intersection(parts) or _EDITOR_LEFTOVER.search(name):
            return True
        if parts[:1] == ("docs",) and name.endswith(".rst"):
            return _generated(Path(path))
        return False


def imports_again(changed: Sequence[Path]) -> bool:
    """Return whether changes call for a new site process: a Python file changed (``conf.py``
    may import modules of ``docs/``, which the kept process would hold as they were)."""
    return any(path.suffix == ".py" for path in changed)


def _generated(path: Path) -> bool:
    """Return whether a page of docs/ is one the build writes (never watched)."""
    from coursepack.refs.sitemap import GENERATED_HEADER

    try:
        with path.open("r", encoding="utf-8") as f:
            return f.readline().rstrip("\n") == GENERATED_HEADER
    except (OSError, UnicodeDecodeError):
        return False


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def say(text: str) -> None:
    """Print a line for the person at the terminal."""
    print(text, file=sys.stderr, flush=True)


def make_app(preview: Preview, port: int) -> ASGIApp:
    """Return the preview's web application."""
    import watchfiles
    from sphinx_autobuild.filter import IgnoreFilter
    from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
    from sphinx_autobuild.server import RebuildServer
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, WebSocketRoute
    from starlette.staticfiles import StaticFiles

    watched = [preview.root / name for name in WATCHED if (preview.root / name).is_dir()]
    never = IgnoreFilter([preview.out], [])

    class Watcher(RebuildServer):  # type: ignore[misc]  # (an untyped class)
        """sphinx-autobuild's websocket server, told to reload by coursepack's builds."""

        async def watch(self) -> None:
            async for changes in watchfiles.awatch(
                *self.paths,
                watch_filter=lambda _, path: not (never(path) or preview.ignored(path)),
                debounce=800,
                step=30,
            ):
                await preview.on_change([Path(p) for _, p in changes])

    watcher = Watcher(watched, never, change_callback=lambda changed_paths: None)
    preview.reload = watcher.flag
    site = preview.out / "site"
    return Starlette(
        routes=[
            WebSocketRoute("/websocket-reload", watcher, name="reload"),
            Mount("/", app=StaticFiles(directory=site, html=True, check_dir=False)),
        ],
        middleware=[
            Middleware(OverlayMiddleware, preview=preview),
            Middleware(JavascriptInjectorMiddleware, ws_url=f"127.0.0.1:{port}"),
        ],
        lifespan=watcher.lifespan,
    )


def serve_command(args: argparse.Namespace) -> int:
    """Run ``coursepack serve``; return the exit code (Ctrl-C ends it in one line)."""
    import uvicorn

    root = Path(args.root).resolve()
    if not (root / "annotations" / "reader.yaml").is_file():
        print(
            f"coursepack serve: error: no reader at {root} (annotations/reader.yaml is "
            "missing); start one with `coursepack init DIR`, or give --root",
            file=sys.stderr,
        )
        return 1
    out = Path(args.out).resolve() if args.out else root / ".coursepack-cache" / "serve"
    options = BuildOptions(edition=args.edition)
    preview = Preview(root, out, options, pdf=not args.no_pdf)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", args.port))
    except OSError as exc:
        print(f"coursepack serve: error: cannot listen on port {args.port}: {exc.strerror}",
              file=sys.stderr)  # fmt: skip
        return 1
    sock.listen(128)  # from now on a browser's request waits for the server, not refused
    port = sock.getsockname()[1]
    _listening.append(sock.fileno())
    warm_up()
    say(f"building the site of {root} into {out}/ ...")
    preview.take(preview.build_now(["site"]), "built the site")
    preview.tidy()
    app = make_app(preview, port)
    config = uvicorn.Config(app, log_level="error", lifespan="on", access_log=False)
    server = uvicorn.Server(config)

    async def main() -> None:
        if preview.pdf and not preview.problems:
            preview.start_pdfs()
        await server.serve(sockets=[sock])

    say(f"serving http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    if not args.quiet:
        print(f"http://127.0.0.1:{port}/", flush=True)
    try:
        asyncio.run(main())
    finally:
        preview.close()
    return 0
