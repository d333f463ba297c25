"""Printing a report to PDF with headless Chromium (Debian's `chromium`): the page size, margins,
running title and page numbers come from the report's print stylesheet, so the PDF is what a
reader gets from the browser's own print dialog."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from kb.errors import KBError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer")
TIMEOUT = 120.0


class BrowserMissing(KBError):
    """No Chromium to print with."""

    def __init__(self) -> None:
        super().__init__("--pdf needs headless Chromium: install Debian's `chromium` package "
                         "(apt-get install chromium) or set KB_CHROMIUM to a Chromium or Chrome binary")


class PrintFailed(KBError):
    """Chromium ran but wrote no PDF."""


def chromium() -> str:
    """The browser to print with: $KB_CHROMIUM, else the first Chromium or Chrome on PATH."""
    chosen = os.environ.get("KB_CHROMIUM")
    if chosen:
        if shutil.which(chosen) or Path(chosen).is_file():
            return chosen
        raise BrowserMissing()
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing()


def print_pdf(html: Path, pdf: Path, browser: str | None = None) -> Path:
    """Print `html` to `pdf` (written whole or not at all) and return its path."""
    exe = browser or chromium()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{pdf.name}.", suffix=".part", dir=pdf.parent)
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory(prefix="kb-chromium-") as profile:
            proc = subprocess.run(
                [exe, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html.resolve().as_uri()],
                capture_output=True, text=True, timeout=TIMEOUT, check=False)
        if proc.returncode != 0 or Path(tmp).stat().st_size == 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise PrintFailed(f"Chromium could not print {html}: {last}", path=str(html))
        os.replace(tmp, pdf)
        return pdf
    except subprocess.TimeoutExpired as exc:
        raise PrintFailed(f"Chromium did not finish printing {html} within {TIMEOUT:.0f} s", path=str(html)) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def page_count(pdf: Path | bytes) -> int:
    """How many pages a PDF has (its page objects: Chromium writes them uncompressed)."""
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
