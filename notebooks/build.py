#!/usr/bin/env python3
"""Builds the notebooks (notebooks/NN-*.ipynb) from their sources (notebooks/source/NN-*.md).

A source is Markdown: every fenced ```ts block becomes one code cell, the text between blocks becomes one
markdown cell (a line `<!-- cell -->` splits it into several). Standard library only.

  /usr/bin/python3 notebooks/build.py           write the notebooks whose cells changed (their outputs are cleared;
                                                notebooks whose sources did not change are left as they are,
                                                outputs included)
  /usr/bin/python3 notebooks/build.py --clear   rewrite every notebook without outputs
  /usr/bin/python3 notebooks/build.py --check   exit 1 if a notebook's cells differ from its source (CI)
"""
import argparse
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "source"
FENCE = re.compile(r"^```(?:ts|typescript)\s*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
SPLIT = re.compile(r"^<!-- cell -->\s*$", re.MULTILINE)

METADATA = {
    "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
    "language_info": {
        "codemirror_mode": {"mode": "typescript", "name": "javascript", "typescript": True},
        "file_extension": ".ts",
        "mimetype": "text/typescript",
        "name": "typescript",
        "version": "3.7.2",
    },
}


def parse(text):
    """[(cell_type, source)] of a source file."""
    cells, pos = [], 0

    def prose(chunk):
        for part in SPLIT.split(chunk):
            if part.strip():
                cells.append(("markdown", part.strip()))

    for m in FENCE.finditer(text):
        prose(text[pos : m.start()])
        cells.append(("code", m.group(1).rstrip()))
        pos = m.end()
    prose(text[pos:])
    return cells


def lines(source):
    """nbformat's list-of-lines form (every line but the last keeps its newline)."""
    return source.splitlines(keepends=True)


def notebook(cells):
    nb_cells = []
    for i, (kind, source) in enumerate(cells):
        cell = {"cell_type": kind, "id": f"cell-{i:02d}", "metadata": {}, "source": lines(source)}
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        nb_cells.append(cell)
    return {"cells": nb_cells, "metadata": METADATA, "nbformat": 4, "nbformat_minor": 5}


def cells_of(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clear", action="store_true", help="rewrite every notebook without outputs")
    ap.add_argument("--check", action="store_true", help="only check that notebooks match their sources")
    args = ap.parse_args()
    stale = []
    for src in sorted(SOURCES.glob("*.md")):
        target = HERE / f"{src.stem}.ipynb"
        cells = parse(src.read_text(encoding="utf-8"))
        same = target.exists() and cells_of(target) == cells
        if args.check:
            if not same:
                stale.append(target.name)
            continue
        if same and not args.clear:
            print(f"unchanged  {target.name}")
            continue
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(notebook(cells), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, target)
        print(f"wrote      {target.name} ({len(cells)} cells)")
    if stale:
        print(f"out of date with notebooks/source (run /usr/bin/python3 notebooks/build.py): {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
