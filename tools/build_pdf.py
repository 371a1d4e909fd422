"""The whole book as one PDF, offline: _build/pdf/d2lite.pdf.

    python tools/build_pdf.py [--root DIR] [--out FILE] [--no-build] [--workers N]

Prints every page of the built HTML book (tools/build_book.py; built first when _build/html
is missing or older than a source) in the table of contents' order, with the system Chromium
that the browser tests use (tools/install_browser.sh; D2LITE_CHROMIUM names another), driven
by Playwright: no browser is downloaded, and the pages are served from 127.0.0.1, every other
host unreachable. Each page is printed once its math is typeset and its images are loaded, with
print media and book/_static/print.css (no sidebars, code wrapped with its indentation kept).
The pages are merged with pypdf behind a title and contents page, with bookmarks: the parts,
their chapters and each chapter's sections, titled by each page's heading.

A page with a failed request, an image that did not load or math that was not typeset is named,
and the exit status is then 1 (the PDF is still written, for a look). _build/pdf/report.json
holds what was found on each page: title, first page, page count, images, failures.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import html
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# As tests/browser/conftest.py: loopback only, every other host fails to resolve.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
                 "--proxy-server=http://127.0.0.1:9"]
LOOPBACK = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")
SOURCES = ("_toc.yml", "_config.yml", "book", "notebooks")
PAPER = {"format": "A4", "margin": {"top": "16mm", "bottom": "16mm", "left": "15mm", "right": "15mm"}}

# Wait for MathJax (on pages that load it) and for every image; open what is folded; make links
# to the book's own pages plain text (they would point at the temporary server).
PREPARE = """async () => {
    document.querySelectorAll('img[loading="lazy"]').forEach(i => { i.loading = 'eager'; });
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    if (document.querySelector('script[src*="mathjax"]')) {
        const start = Date.now();
        while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
            if (Date.now() - start > 20000) throw new Error('MathJax did not start in 20 s');
            await new Promise(r => setTimeout(r, 50));
        }
        await MathJax.startup.promise;
    }
    const imgs = [...document.querySelectorAll('article img')];
    await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => {
        i.addEventListener('load', r); i.addEventListener('error', r); setTimeout(r, 10000); })));
    await document.fonts.ready;
    document.querySelectorAll('article a[href]').forEach(a => {
        if (a.href.startsWith(location.origin)) a.removeAttribute('href');
    });
    const h1 = (document.querySelector('article h1') || document.querySelector('h1'));
    let title = '';
    if (h1) { const c = h1.cloneNode(true); c.querySelectorAll('.headerlink').forEach(e => e.remove());
              title = c.textContent.trim(); }
    const maths = [...document.querySelectorAll('.math')];
    return {
        title,
        math: maths.length,
        typeset: document.querySelectorAll('mjx-container').length,
        untypeset: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60)),
        mathErrors: document.querySelectorAll('mjx-merror').length,
        images: imgs.length,
        broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(-80)),
    };
}"""


def toc_entries(root: Path) -> list[dict]:
    """The pages in reading order: {file, level, part}; level 0 the root page, 1 a chapter,
    2 a section, 3 a subsection...; part is the caption of the chapter's part."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    entries = [{"file": toc["root"], "level": 0, "part": None}]

    def walk(items, level, part):
        for item in items or []:
            if "file" in item:
                entries.append({"file": item["file"], "level": level, "part": part})
            for key in ("sections", "chapters"):
                walk(item.get(key), level + 1 if key == "sections" else level, part)

    if "parts" in toc:
        for part in toc["parts"]:
            walk(part.get("chapters"), 1, part.get("caption"))
    else:
        walk(toc.get("chapters"), 1, None)
    return entries


def stale(root: Path) -> bool:
    index = root / "_build" / "html" / "index.html"
    if not index.is_file():
        return True
    built = index.stat().st_mtime
    for name in SOURCES:
        path = root / name
        paths = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for p in paths:
            if p.is_file() and ".ipynb_checkpoints" not in p.parts and p.stat().st_mtime > built:
                return True
    return False


def chromium_path() -> str | None:
    for candidate in (os.environ.get("D2LITE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (shutil.which(candidate) or Path(candidate).is_file()):
            return shutil.which(candidate) or candidate
    return None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def front_matter(title: str, rows: list[tuple[int, str, int]]) -> str:
    """A title page and a contents page: rows of (level, title, first page in the PDF)."""
    lines = []
    for level, text, page in rows:
        style = {0: "font-weight:bold;margin-top:1em;font-size:11.5pt", 1: "font-weight:bold;margin-top:0.4em",
                 2: "padding-left:1.5em"}.get(level, "padding-left:3em")
        tail = "" if page is None else f'<span class="dots"></span><span>{page}</span>'
        lines.append(f'<div class="row" style="{style}"><span>{html.escape(text)}</span>{tail}</div>')
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
    body {{ font-family: sans-serif; font-size: 10.5pt; }}
    .title {{ height: 240mm; display: flex; flex-direction: column; justify-content: center;
              text-align: center; break-after: page; }}
    .title h1 {{ font-size: 26pt; margin: 0 0 0.5em; }}
    .row {{ display: flex; gap: 0.4em; break-inside: avoid; }}
    .dots {{ flex: 1; border-bottom: 1px dotted #999; margin-bottom: 0.3em; }}
    </style></head><body>
    <div class="title"><h1>{html.escape(title)}</h1><p>{time.strftime('%Y-%m-%d')}</p></div>
    <h2>Contents</h2>{''.join(lines)}</body></html>"""


async def print_book(base: str, entries: list[dict], css: str, workers: int) -> list[dict]:
    from playwright.async_api import async_playwright

    path = chromium_path()
    if path is None:
        raise SystemExit("no Chromium: run tools/install_browser.sh (make test does), "
                         "or set D2LITE_CHROMIUM to a Chrome/Chromium binary")
    results: list[dict | None] = [None] * len(entries)
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(len(entries)):
        queue.put_nowait(i)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1280, "height": 900})

        async def worker():
            page = await context.new_page()
            await page.emulate_media(media="print")
            log: dict = {}
            page.on("requestfailed", lambda r: log.setdefault("failed", []).append(f"{r.url} ({r.failure})"))
            page.on("response", lambda r: r.status >= 400 and log.setdefault("failed", []).append(
                f"{r.url} (HTTP {r.status})"))
            page.on("request", lambda r: r.url.startswith(LOOPBACK) or log.setdefault("outside", []).append(r.url))
            page.on("pageerror", lambda e: log.setdefault("errors", []).append(str(e)))
            while not queue.empty():
                i = queue.get_nowait()
                log.clear()
                entry = entries[i]
                await page.goto(f"{base}/{entry['file']}.html", wait_until="load")
                await page.add_style_tag(content=css)
                try:
                    facts = await page.evaluate(PREPARE)
                except Exception as e:  # noqa: BLE001  (named in the report, the page still printed)
                    log.setdefault("errors", []).append(f"while preparing the page: {e}")
                    facts = {"title": "", "math": 0, "typeset": 0, "untypeset": [], "mathErrors": 0,
                             "images": 0, "broken": []}
                pdf = await page.pdf(print_background=True, **PAPER)
                results[i] = dict(entry, **facts, pdf=pdf, failed=log.get("failed", []),
                                  outside=log.get("outside", []), errors=log.get("errors", []))
            await page.close()

        await asyncio.gather(*(worker() for _ in range(max(1, workers))))

        async def render_front(rows):
            page = await context.new_page()
            await page.set_content(front_matter(BOOK_TITLE, rows))
            data = await page.pdf(print_background=True, **PAPER)
            await page.close()
            return data

        merged = await merge(results, render_front)
        await browser.close()
    return merged


BOOK_TITLE = "d2lite"


async def merge(results: list[dict], render_front) -> list[dict]:
    """One PDF: the front matter, then every page, with the outline; returns
    [{pdf, front_pages}] + each page's facts (its PDF bytes dropped)."""
    from pypdf import PdfReader, PdfWriter

    readers = [PdfReader(io.BytesIO(r["pdf"])) for r in results]
    for r, reader in zip(results, readers):
        r["pages"] = len(reader.pages)
        r["title"] = r["title"] or r["file"]

    def rows(offset):
        out, page, part = [], offset + 1, object()
        for r in results:
            if r["part"] != part and r["part"]:
                out.append((0, r["part"], None))
            part = r["part"]
            out.append((max(r["level"], 1), r["title"], page))
            page += r["pages"]
        return out

    # Two passes: the contents' page numbers depend on how many pages the contents take.
    front = PdfReader(io.BytesIO(await render_front(rows(2))))
    front = PdfReader(io.BytesIO(await render_front(rows(len(front.pages)))))
    writer = PdfWriter()
    writer.append(front)
    page = len(front.pages)
    writer.add_outline_item(title="Contents", page_number=1 if page > 1 else 0)
    part_item, chapter_item, part = None, None, object()
    for r, reader in zip(results, readers):
        writer.append(reader)
        if r["part"] != part:
            part = r["part"]
            part_item = writer.add_outline_item(title=part, page_number=page) if part else None
        if r["level"] <= 1:
            chapter_item = writer.add_outline_item(title=r["title"], page_number=page, parent=part_item)
        else:
            writer.add_outline_item(title=r["title"], page_number=page, parent=chapter_item)
        r["first_page"] = page + 1
        page += r["pages"]
    writer.add_metadata({"/Title": BOOK_TITLE, "/Author": "the d2lite authors"})
    writer.page_mode = "/UseOutlines"
    buffer = io.BytesIO()
    writer.write(buffer)
    for r in results:
        del r["pdf"]
    return [{"pdf": buffer.getvalue(), "front_pages": len(front.pages)}] + results


def main(argv=None) -> int:
    global BOOK_TITLE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=ROOT, help="the book's folder (default: this repository)")
    ap.add_argument("--out", type=Path, help="the PDF to write (default: ROOT/_build/pdf/d2lite.pdf)")
    ap.add_argument("--no-build", action="store_true", help="use _build/html as it is")
    ap.add_argument("--workers", type=int, default=2, help="pages printed at once (default 2)")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    out = (args.out or root / "_build" / "pdf" / "d2lite.pdf").resolve()
    site = root / "_build" / "html"
    if not args.no_build and stale(root):
        print("the HTML book is missing or older than its sources: building it", flush=True)
        proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--root", str(root)])
        if proc.returncode:
            return proc.returncode
    if not (site / "index.html").is_file():
        print(f"no built book in {site}: run tools/build_book.py", file=sys.stderr)
        return 2
    try:
        import yaml
        BOOK_TITLE = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")).get("title", BOOK_TITLE)
    except (OSError, AttributeError):
        pass
    entries = toc_entries(root)
    css = (ROOT / "book" / "_static" / "print.css").read_text(encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = time.perf_counter()
    try:
        merged = asyncio.run(print_book(f"http://127.0.0.1:{server.server_address[1]}", entries, css,
                                         args.workers))
    finally:
        server.shutdown()
    seconds = time.perf_counter() - start
    head, pages = merged[0], merged[1:]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(head["pdf"])
    problems = []
    for r in pages:
        for key, what in (("broken", "image failed to load"), ("failed", "failed request"),
                          ("outside", "request to another host"), ("untypeset", "math not typeset"),
                          ("errors", "page error")):
            problems += [f"{r['file']}: {what}: {x}" for x in r[key]]
        if r["mathErrors"]:
            problems.append(f"{r['file']}: {r['mathErrors']} MathJax errors")
    total = head["front_pages"] + sum(r["pages"] for r in pages)
    report = {"pdf": str(out), "pages": total, "front_pages": head["front_pages"],
              "seconds": round(seconds, 1), "problems": problems, "sections": pages}
    (out.parent / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    print(f"wrote {out}: {total} pages from {len(pages)} pages of the book, "
          f"{out.stat().st_size / 1e6:.1f} MB, in {seconds:.0f} s")
    if problems:
        print("problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
