"""MkDocs hooks (see mkdocs.yml): the notebooks become pages, and links into the code resolve.

* Each notebook of the path, ``notebooks/NN_name.py`` (Jupytext percent format), is converted to
  Markdown by Jupytext and added to the site as ``notebooks/NN_name.md``: the learner's version,
  exercises open, no outputs (the site shows what to run, the learner runs it).
* The guide links to the code it explains (``../examples/lr_schedules.py``), outside ``docs/``.
  Each such file is copied into the site under ``code/`` and the link pointed at the copy, so a
  strict build still fails on any link that leads nowhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
LINK_OUT = re.compile(r"\]\(\.\./([^)#\s]+)")  # a Markdown link that leaves docs/


def _notebook_markdown(path: Path) -> str:
    notebook = jupytext.read(path)
    for cell in notebook.cells:
        cell.metadata = {}  # exercise names are for the tests, not for the page
    notebook.metadata["jupytext"] = {"notebook_metadata_filter": "-all"}
    return jupytext.writes(notebook, fmt="md")


def on_files(files, config):
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        uri = f"notebooks/{path.stem}.md"
        files.append(File.generated(config, uri, content=_notebook_markdown(path)))
    linked = set()
    for page in Path(config["docs_dir"]).glob("*.md"):
        linked.update(LINK_OUT.findall(page.read_text(encoding="utf-8")))
    for target in sorted(linked):
        if (ROOT / target).is_file() and not target.startswith("docs/"):
            files.append(File.generated(config, f"code/{target}", abs_src_path=str(ROOT / target)))
    return files


def on_page_markdown(markdown, page, config, files):
    if "/" in page.file.src_uri:
        return markdown  # only the chapters at the top of docs/ link out
    return LINK_OUT.sub(
        lambda m: f"](code/{m.group(1)}" if (ROOT / m.group(1)).is_file() else m.group(0), markdown
    )
