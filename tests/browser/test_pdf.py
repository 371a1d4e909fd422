"""`make pdf`: the whole book as one PDF (tools/build_pdf.py), printed by the system Chromium from
the built book on loopback. The PDF must have a page for every page of the table of contents, a
bookmark and extractable text for every chapter title, the Chinese of the glossary as text (a
font that has the glyphs, not boxes), code that keeps its indentation, and no image, request or
formula that failed on the way.
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import ROOT, chromium_path

sys.path.insert(0, str(ROOT / "tools"))
from build_pdf import toc_entries  # noqa: E402


def chapter_titles() -> list[str]:
    """The heading of every chapter-level page of the table of contents, from its source."""
    titles = []
    for entry in toc_entries(ROOT):
        if entry["level"] != 1:
            continue
        source = ROOT / f"{entry['file']}.md"
        if source.is_file():
            text = source.read_text(encoding="utf-8")
        else:
            cells = json.loads((ROOT / f"{entry['file']}.ipynb").read_text(encoding="utf-8"))["cells"]
            text = "".join(cells[0]["source"])
        titles.append(re.search(r"^# (.+)$", text, re.M).group(1).strip())
    return titles


def glossary_sample(every: int = 20) -> list[str]:
    """Every 20th term of book/glossary.md, in Chinese (the first of a row's terms)."""
    rows = [line for line in (ROOT / "book" / "glossary.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith("| English")]
    return [re.split(r"[；;]", row.split("|")[2])[0].strip() for row in rows[::every]]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _build_pdf_once():
    """Print the PDF once per test run even with several xdist workers (as the book is built
    once, conftest._build_book_once): the first worker to take the lock prints it into
    _build/pdf-test/, the others wait and read that file."""
    from filelock import FileLock

    out = ROOT / "_build" / "pdf-test" / "d2lite.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")  # shared by the workers of one run
    stamp = out.parent / ".built"
    with FileLock(str(out.parent / ".lock")):
        if run_id and stamp.is_file() and stamp.read_text(encoding="utf-8") == f"{run_id} ok\n":
            return out
        stamp.unlink(missing_ok=True)
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_pdf.py"), "--no-build",
                               "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - t
        assert proc.returncode == 0, f"build_pdf.py failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        print(f"\n{proc.stdout.strip()} ({seconds:.0f} s with Chromium's start)")
        if run_id:
            stamp.write_text(f"{run_id} ok\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def book_pdf(site):
    if chromium_path() is None:
        message = "no Chromium (run tools/install_browser.sh, or set D2LITE_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must run the browser tests")
        pytest.skip(message)
    out = _build_pdf_once()
    from pypdf import PdfReader

    reader = PdfReader(str(out))
    report = json.loads((out.parent / "report.json").read_text(encoding="utf-8"))
    return reader, report, functools.lru_cache(None)(lambda i: reader.pages[i].extract_text())


def page_range(report, file):
    """The PDF's pages (0-based) that hold the book's page ``file``."""
    section = next(s for s in report["sections"] if s["file"] == file)
    return range(section["first_page"] - 1, section["first_page"] - 1 + section["pages"])


def test_pdf_has_every_page_and_no_failure(book_pdf):
    reader, report, _ = book_pdf
    entries = toc_entries(ROOT)
    assert report["problems"] == [], report["problems"]
    assert [s["file"] for s in report["sections"]] == [e["file"] for e in entries]
    for section in report["sections"]:
        assert not section["broken"], f"{section['file']}: images that did not load: {section['broken']}"
        assert section["typeset"] >= section["math"], f"{section['file']}: math left untypeset"
    assert len(reader.pages) == report["pages"] >= len(entries) + 2  # + title and contents


def test_pdf_bookmarks_and_text_have_every_chapter(book_pdf):
    reader, report, text = book_pdf
    marks = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else marks.append(flat(item.title))

    walk(reader.outline)
    chapters = [e["file"] for e in toc_entries(ROOT) if e["level"] == 1]
    for file, title in zip(chapters, chapter_titles()):
        assert flat(title) in marks, f"no bookmark for chapter {title!r}"
        first = page_range(report, file)[0]
        assert flat(title) in flat(text(first)), f"chapter title {title!r} is not text on page {first + 1}"


def test_pdf_chinese_terms_are_text(book_pdf):
    """The sample of glossary terms is in the text, and drawn in a font that has Chinese glyphs
    (a missing font would leave its text but draw boxes in a Latin font)."""
    reader, report, text = book_pdf
    pages = page_range(report, "book/glossary")
    flat_texts = {i: re.sub(r"\s+", "", text(i)) for i in pages}
    sample = [re.sub(r"\s+", "", term) for term in glossary_sample()]
    assert len(sample) >= 10
    missing = [term for term in sample if not any(term in t for t in flat_texts.values())]
    assert not missing, f"glossary terms not in the PDF's text: {missing}"
    if shutil.which("fc-list") is None:
        return
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    cjk = {name.replace(" ", "") for line in listed.splitlines() for name in line.split(",")}
    page = next(i for i, t in flat_texts.items() if sample[0] in t)
    fonts = reader.pages[page]["/Resources"]["/Font"]
    names = {str(f.get_object().get("/BaseFont", "")).split("+")[-1] for f in fonts.values()}
    assert names & cjk, f"page {page + 1} draws its Chinese in {names}, none of them a CJK font {cjk}"


def test_pdf_code_keeps_its_indentation(book_pdf):
    reader, report, text = book_pdf
    # Function definitions whose body follows, indented by four spaces, in the first pages that
    # have any.
    found = 0
    for i in range(report["front_pages"], len(reader.pages)):
        found += len(re.findall(r"^def \w+\(.*\n {4}\S", text(i), re.M))
        if found >= 5:
            break
    assert found >= 5, "code lost its indentation in the PDF's text"
