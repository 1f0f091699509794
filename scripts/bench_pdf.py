"""Benchmark the PDF target: time, peak memory, pages per second, parallel speed-up.

Usage: python scripts/bench_pdf.py [ROOT [MODE ...]]
(ROOT defaults to this repository's reader, MODE to every mode below)

Each measurement runs in a fresh process, so peak memory (ru_maxrss) belongs to it alone:
  serial    render_pdfs with 1 worker (in process)
  parallel  render_pdfs with 2 workers (spawned processes; their peak is reported too)
  rebuild   render_pdfs again on unchanged inputs (every PDF skipped by its content hash)
  plain     plain WeasyPrint on the same HTML: one layout per document, default options
  reader    the course reader alone, as the build renders it (layouts counted)
  floor     plain WeasyPrint on the reader's final HTML alone: one layout, default options

The target is a reader time within 15% of the floor's (1.15x): the reader laid out once.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def measure(mode: str, root: Path) -> dict[str, float]:
    """Run one measurement in this process and return its figures."""
    from pypdf import PdfReader

    from coursepack.options import BuildOptions
    from coursepack.pipeline import read_reader
    from coursepack.refs import Refs
    from coursepack.render.pdf import plan_jobs, render_pdfs
    from coursepack.render.pdf.engine import BASE_URL, render_html, with_layout

    reader, report = read_reader(root)
    if reader is None:
        sys.exit("\n".join(str(d) for d in report))
    layouts = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if mode in ("reader", "floor"):
            from coursepack.render.pdf import engine

            job = plan_jobs(Refs(reader), out, BuildOptions())[0]
            if mode == "floor":
                import weasyprint

                html = render_html(job.template, with_layout(job.context, None, frozenset()))
                start, cpu = time.perf_counter(), time.process_time()
                document = weasyprint.HTML(string=html, base_url=BASE_URL).render()
                document.write_pdf()
                layouts = 1
            else:
                render = engine.render_document

                def counted(*args: Any, **kwargs: Any) -> Any:
                    nonlocal layouts
                    layouts += 1
                    return render(*args, **kwargs)

                engine.render_document = counted  # type: ignore[assignment]
                start, cpu = time.perf_counter(), time.process_time()
                engine.run_job(job)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            total = len(document.pages) if mode == "floor" else len(PdfReader(job.target).pages)
        elif mode == "plain":
            import weasyprint

            jobs = plan_jobs(Refs(reader), out, BuildOptions())
            pages = []
            htmls = [
                render_html(j.template, with_layout(j.context, None, frozenset())) for j in jobs
            ]
            start, cpu = time.perf_counter(), time.process_time()
            for html in htmls:
                document = weasyprint.HTML(string=html, base_url=BASE_URL).render()
                document.write_pdf()
                pages.append(len(document.pages))
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            total = sum(pages)
        else:
            workers = 2 if mode == "parallel" else 1
            options = BuildOptions(jobs=workers)
            if mode == "rebuild":
                render_pdfs(Refs(reader), out, options)
            start, cpu = time.perf_counter(), time.process_time()
            paths = render_pdfs(Refs(reader), out, options)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            total = sum(len(PdfReader(p).pages) for p in paths)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "pages": total,
        "peak_mib": _peak_mib(resource.RUSAGE_SELF),
        "children_peak_mib": _peak_mib(resource.RUSAGE_CHILDREN),
        "layouts": layouts,
    }


def run(mode: str, root: Path) -> dict[str, float]:
    """Run one measurement in a fresh Python process."""
    result = subprocess.run(
        [sys.executable, __file__, "--measure", mode, str(root)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    """Print the benchmark table."""
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], Path(sys.argv[3]))))
        return
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO
    print(f"reader: {root}  cores: {os.cpu_count()}  load: {os.getloadavg()[0]:.1f}")
    modes = sys.argv[2:] or ["serial", "parallel", "rebuild", "plain", "reader", "floor"]
    results = {mode: run(mode, root) for mode in modes}
    print(
        f"{'mode':<10}{'seconds':>9}{'cpu s':>8}{'pages':>7}{'pages/s':>9}{'peak MiB':>10}"
        f"{'workers MiB':>13}"
    )
    for mode, r in results.items():
        rate = r["pages"] / r["seconds"] if r["seconds"] else float("inf")
        print(
            f"{mode:<10}{r['seconds']:>9.2f}{r['cpu_seconds']:>8.2f}{r['pages']:>7.0f}{rate:>9.2f}"
            f"{r['peak_mib']:>10.0f}{r['children_peak_mib']:>13.0f}"
        )
    if "serial" in results and "parallel" in results:
        speedup = results["serial"]["seconds"] / results["parallel"]["seconds"]
        print(f"parallel speed-up (2 workers vs 1): {speedup:.2f}x")
    if "serial" in results and "plain" in results:
        ratio = (results["serial"]["pages"] / results["serial"]["seconds"]) / (
            results["plain"]["pages"] / results["plain"]["seconds"]
        )
        print(f"coursepack pages/s as a share of plain WeasyPrint's: {ratio:.0%}")
    if "reader" in results:
        print(f"reader layouts: {results['reader']['layouts']:.0f}")
    if "reader" in results and "floor" in results:
        ratio = results["reader"]["seconds"] / results["floor"]["seconds"]
        cpu = results["reader"]["cpu_seconds"] / results["floor"]["cpu_seconds"]
        print(f"reader time as a multiple of the floor (one plain layout): {ratio:.2f}x")
        print(f"the same in CPU time (steadier on a shared machine): {cpu:.2f}x")


if __name__ == "__main__":
    main()
