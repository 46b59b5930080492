"""``vsexplore lab [DIR]``: write an explorer notebook for a folder of photos and open JupyterLab on it.

The notebook embeds the folder into a store next to it on its first run (resumable, with a
progress bar) and shows the widgets. JupyterLab binds to 127.0.0.1 and keeps its token.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path


def explorer_notebook(folder: Path, store: Path):
    """An nbformat notebook exploring ``folder`` through the store at ``store``."""
    import nbformat

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md(f"# Exploring `{folder.name}`\n\nThe first run embeds every photo once into `{store.name}` "
           "(re-running resumes; new photos are added). Every view below answers from that store."),
        code("import vsexplore as vx\nimport vsexplore.widgets\n\n"
             f"col = vx.Collection.build({str(folder)!r}, store={str(store)!r})\ncol"),
        md("Photos that could not be read, and why:"),
        code("col.failures"),
        md("Sort the photos along any two words or phrases (type new ones in the boxes), hover for a "
           "thumbnail, brush to select, then tag the selection and export the tags."),
        code('vx.widgets.Projection(col, x="people", y="nature")'),
        md("Where does a word live in one photo?"),
        code('vx.widgets.Heatmaps(col, 0, ["sky", "person", "tree"])'),
        md("Paint where concepts should be, and see the best-matching photos."),
        code('vx.widgets.Painter(col, ["sky", "water"])'),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def prepare(folder: str | os.PathLike | None, workdir: Path) -> Path:
    """Write (once) the explorer notebook for ``folder`` (default: the bundled sample) into ``workdir``."""
    import nbformat

    if folder is None:
        from .datasets import sample

        folder = sample() / "photos"
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder of photos")
    tag = hashlib.sha1(os.fsencode(folder)).hexdigest()[:8]
    notebook = workdir / f"explore-{folder.name}-{tag}.ipynb"
    if not notebook.exists():
        store = workdir / f"{folder.name}-{tag}.vsx"
        nbformat.write(explorer_notebook(folder, store), notebook)
    return notebook


def launch(notebook: Path, extra: list[str]) -> int:
    """Run JupyterLab on the notebook (127.0.0.1, token kept) until the user stops it."""
    command = [sys.executable, "-m", "jupyterlab", str(notebook.name), "--ip=127.0.0.1",
               f"--ServerApp.root_dir={notebook.parent}"]
    if getattr(os, "geteuid", lambda: 1)() == 0:
        command.append("--allow-root")  # containers often run as root
    return subprocess.call(command + extra, cwd=notebook.parent)
