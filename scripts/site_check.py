"""Build the documentation site, open it in headless Chromium, and screenshot three pages.

    python scripts/site_check.py --out runs/site [--mathjax DIR]

It builds with ``mkdocs build --strict`` into a temporary folder, serves it on 127.0.0.1, and
for the home page, a chapter with formulas (optim) and a notebook page (notebook 3): saves a
screenshot, and reads the rendered page (Chromium's ``--dump-dom``) to count the typeset
formulas and the images that failed to load. The site loads MathJax from a CDN; on a machine
without the internet pass ``--mathjax`` a local MathJax 3 ``es5`` folder (``npm pack mathjax@3``)
and the pages are pointed at it. Needs the `docs` extra and Chromium (Debian: ``chromium``).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
# name: (path, whether it has formulas to typeset)
PAGES = {
    "home": ("", False),
    "chapter-optim": ("optim/", True),
    "notebook-03": ("notebooks/03_tensors_broadcasting/", True),
}
# After the page loads, record in the DOM how many formulas MathJax typeset and which images
# failed, so that --dump-dom can read them.
PROBE = """<script>window.addEventListener('load', () => setTimeout(() => {
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length;
  document.body.setAttribute('data-check',
    'formulas=' + document.querySelectorAll('mjx-container').length + ' broken_images=' + broken);
}, 3000));</script>"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass  # one line per request would bury the results


def chromium(*args: str) -> subprocess.CompletedProcess:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("Chromium not found (Debian: apt-get install chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "site")
    parser.add_argument("--mathjax", type=Path, help="a local MathJax 3 es5 folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run(["mkdocs", "build", "--strict", "-q", "--site-dir", str(site)], check=True)
        if args.mathjax:
            shutil.copytree(args.mathjax, site / "mathjax")
        for page in site.rglob("*.html"):
            html = page.read_text(encoding="utf-8")
            if args.mathjax:
                html = html.replace(CDN, "/mathjax/tex-mml-chtml.js")
            page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
        handler = functools.partial(QuietHandler, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/"
        failed = False
        try:
            for name, (path, has_formulas) in PAGES.items():
                png = args.out / f"{name}.png"
                budget = "--virtual-time-budget=8000"
                chromium(f"--screenshot={png}", "--window-size=1280,1600", budget, base + path)
                dom = chromium("--dump-dom", budget, base + path).stdout
                found = re.search(r'data-check="([^"]*)"', dom)
                result = found.group(1) if found else "the page did not finish loading"
                failed |= found is None or "broken_images=0" not in result
                failed |= has_formulas and "formulas=0 " in result
                print(f"{name:>14}: {png}  {result}")
        finally:
            server.shutdown()
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
