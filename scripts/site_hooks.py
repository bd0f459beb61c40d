"""MkDocs hooks (see mkdocs.yml): the notebooks become pages, and links into the code resolve.

* Each notebook of the path, ``notebooks/NN_name.py`` (Jupytext percent format), is converted to
  Markdown by Jupytext and added to the site as ``notebooks/NN_name.md``: the learner's version,
  exercises open, no outputs (the site shows what to run, the learner runs it).
  ``notebooks/README.md`` becomes the path's first page, its links pointed at those pages.
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
PAGES = {"notebooks/README.md": "notebooks/index.md"}  # repository files that are site pages


def _notebook_markdown(path: Path) -> str:
    notebook = jupytext.read(path)
    for cell in notebook.cells:
        cell.metadata = {}  # exercise names are for the tests, not for the page
    notebook.metadata["jupytext"] = {"notebook_metadata_filter": "-all"}
    return jupytext.writes(notebook, fmt="md")


def _path_page() -> str:
    text = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"\]\((\d\d_\w+)\.py\)", r"](\1.md)", text)  # the rendered notebooks
    return text.replace("](../docs/", "](../")  # the chapters, one level up on the site


def _target(path: str) -> str | None:
    if path in PAGES:
        return PAGES[path]
    return f"code/{path}" if (ROOT / path).is_file() and not path.startswith("docs/") else None


def on_files(files, config):
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        uri = f"notebooks/{path.stem}.md"
        files.append(File.generated(config, uri, content=_notebook_markdown(path)))
    files.append(File.generated(config, PAGES["notebooks/README.md"], content=_path_page()))
    linked = set()
    for page in Path(config["docs_dir"]).glob("*.md"):
        linked.update(LINK_OUT.findall(page.read_text(encoding="utf-8")))
    for path in sorted(linked):
        target = _target(path)
        if target is not None and target.startswith("code/"):
            files.append(File.generated(config, target, abs_src_path=str(ROOT / path)))
    return files


def on_page_markdown(markdown, page, config, files):
    if "/" in page.file.src_uri:
        return markdown  # only the chapters at the top of docs/ link out

    def point(match: re.Match) -> str:
        target = _target(match.group(1))
        return match.group(0) if target is None else f"]({target}"

    return LINK_OUT.sub(point, markdown)
