#!/usr/bin/python3
"""Execute the project's notebooks headless with the tslab kernel; fail loudly on any error.

    /usr/bin/python3 environment/run-notebooks.py                       # all notebooks/*.ipynb, in name order
    /usr/bin/python3 environment/run-notebooks.py --env BEACONS_SCALE=smoke -o results/notebooks
    /usr/bin/python3 environment/run-notebooks.py notebooks/01-distance-curves.ipynb

Each notebook runs in a fresh kernel whose cwd is the notebook's folder (as in Jupyter); the notebooks import the
compiled library `../build/index` (rebuilt first with `npm run build`). The executed copy is written in place, or to
--output-dir. Every error output and every stderr text of every cell is printed. Exit status 1 when any notebook
has an error output, a failed cell (tslab reports compile and runtime errors as stderr + an error reply), stderr
text that looks like an error (uncaught exception, unhandled rejection, thrown Error), a timeout or a dead kernel;
2 on bad arguments or a kernel that cannot start (missing, or its program gone). Needs nbclient/nbformat
(Debian: python3-nbclient) and the kernel from install-jupyter.sh.
"""

import argparse
import os
import subprocess
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

ROOT = Path(__file__).resolve().parent.parent

# stderr text that means failure even when the cell itself "succeeded" (e.g. an async error after the cell).
ERROR_PATTERNS = re.compile(
    r"UncaughtException|UnhandledPromiseRejection|Unhandled ?(promise )?rejection|Uncaught \w*Error"
    r"|^\s*\w*(Error|Exception)(\s\[\w+\])?:|^\s+at .+:\d+:\d+\)?$|\bFATAL ERROR\b|Segmentation fault",
    re.IGNORECASE | re.MULTILINE,
)

# Runs after the last cell so that late async errors (timers, rejected promises) surface in a cell we watch.
# tslab routes stderr to the cell that is executing now, so this cell collects anything that fires late.
DRAIN_CELL = "await new Promise<void>((resolve) => setTimeout(resolve, 500));"


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", help="notebook paths (default: notebooks/*.ipynb sorted by name)")
    ap.add_argument("-o", "--output-dir", help="write executed copies here instead of in place")
    ap.add_argument("--kernel", default="tslab", help="kernel name (default: tslab)")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell (default: 1800)")
    ap.add_argument("--startup-timeout", type=int, default=120, help="seconds for the kernel to start")
    ap.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE",
        help="environment variable for the kernel (repeatable), e.g. BEACONS_SCALE=smoke",
    )
    ap.add_argument("--keep-going", action="store_true", help="run the remaining cells after a failed one")
    return ap.parse_args()


def cell_label(path, index, cell):
    first = next((line for line in cell.source.splitlines() if line.strip()), "").strip()
    return f"{path.name} cell {index + 1} [{first[:60]}]"


def report_cell(path, index, cell):
    """Print the cell's errors and stderr; return a list of problems found."""
    problems = []
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            tb = "\n".join(out.get("traceback", []))
            print(f"::error:: {cell_label(path, index, cell)}: {out.ename}: {out.evalue}\n{tb}", flush=True)
            problems.append(f"{cell_label(path, index, cell)}: {out.ename}: {out.evalue}")
        elif out.output_type == "stream" and out.name == "stderr":
            text = out.text
            looks_bad = bool(ERROR_PATTERNS.search(text))
            tag = "::error::" if looks_bad else "stderr:"
            print(f"{tag} {cell_label(path, index, cell)}:\n{text.rstrip()}", flush=True)
            if looks_bad:
                problems.append(f"{cell_label(path, index, cell)}: error text on stderr")
    return problems


def sniff_stderr(kc):
    """Record every stderr stream message on iopub. tslab writes errors that happen after a cell's reply
    (e.g. a promise rejected at the end of the cell) under that cell's msg id, and nbclient drops them."""
    seen = []
    original = kc.iopub_channel.get_msg

    async def get_msg(*args, **kwargs):
        msg = await ensure_async(original(*args, **kwargs))
        if msg.get("msg_type") == "stream" and msg["content"].get("name") == "stderr":
            seen.append((msg["parent_header"].get("msg_id"), msg["content"].get("text", "")))
        return msg

    kc.iopub_channel.get_msg = get_msg
    return seen


def report_late_stderr(path, nb, seen, msg_cell):
    """stderr that reached no cell's outputs: print it, attach it to its cell, and judge it."""
    problems = []
    for msg_id, text in seen:
        index = msg_cell.get(msg_id)
        cell = nb.cells[index] if index is not None and index < len(nb.cells) else None
        outputs = cell.get("outputs", []) if cell is not None else []
        if any(o.output_type == "stream" and o.name == "stderr" and text in o.text for o in outputs):
            continue
        where = cell_label(path, index, cell) + " (after it finished)" if cell is not None else path.name
        bad = bool(ERROR_PATTERNS.search(text))
        print(f"{'::error::' if bad else 'stderr:'} {where}:\n{text.rstrip()}", flush=True)
        if cell is not None:
            outputs.append(nbformat.v4.new_output("stream", name="stderr", text=text))
        if bad:
            problems.append(f"{where}: error text on stderr")
    return problems


def run_notebook(path, out_path, args):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        allow_errors=args.keep_going,
        resources={"metadata": {"path": str(path.parent)}},
    )
    replies = {}  # cell index -> execute_reply status
    msg_cell = {}  # execute request msg_id -> cell index

    def on_executed(cell, cell_index, execute_reply):
        replies[cell_index] = execute_reply["content"]["status"] if execute_reply else "none"
        if execute_reply:
            msg_cell[execute_reply["parent_header"].get("msg_id")] = cell_index

    client.on_cell_executed = on_executed
    problems = []
    t0 = time.monotonic()
    try:
        client.reset_execution_trackers()
        with client.setup_kernel():
            stderr_seen = sniff_stderr(client.kc)
            info = client.wait_for_reply(client.kc.kernel_info())
            if info is not None and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            drain = nbformat.v4.new_code_cell(DRAIN_CELL)
            nb.cells.append(drain)  # removed again below: the saved notebook has the author's cells only
            cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
            for index, cell in cells:
                t = time.monotonic()
                try:
                    client.execute_cell(
                        cell, index, execution_count=client.code_cells_executed + 1, store_history=cell is not drain
                    )
                except CellExecutionError:
                    replies[index] = "error"
                problems += report_cell(path, index, cell)
                if replies.get(index) == "error":
                    problems.append(f"{cell_label(path, index, cell)}: the kernel reported an error")
                    print(f"::error:: {cell_label(path, index, cell)} failed", flush=True)
                    if not args.keep_going:
                        break
                if cell is not drain:
                    print(f"  cell {index + 1}: {time.monotonic() - t:.1f} s", flush=True)
            problems += report_late_stderr(path, nb, stderr_seen, msg_cell)
    except CellTimeoutError as e:
        problems.append(f"{path.name}: timeout: {e}")
        print(f"::error:: {path.name}: cell timed out after {args.timeout} s: {e}", flush=True)
    except DeadKernelError as e:
        problems.append(f"{path.name}: kernel died: {e}")
        print(f"::error:: {path.name}: kernel died: {e}", flush=True)
    except Exception as e:  # kernel start failure, missing kernelspec, ...
        problems.append(f"{path.name}: {type(e).__name__}: {e}")
        print(f"::error:: {path.name}: {type(e).__name__}: {e}", flush=True)
    if nb.cells and nb.cells[-1].source == DRAIN_CELL:
        nb.cells.pop()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, out_path)
    return problems, time.monotonic() - t0


def kernel_problem(name):
    """Why the kernel `name` cannot start, in one line, or None: a missing spec, or a spec whose program is gone
    (install-jupyter.sh writes one machine-wide spec; another checkout, since deleted, may have rewritten it)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return f"no Jupyter kernel named {name!r}: run bash environment/install-jupyter.sh --kernel-only"
    program = spec.argv[0] if spec.argv else ""
    if os.path.isabs(program) and not os.path.exists(program):
        return (
            f"the {name!r} kernel ({spec.resource_dir}/kernel.json) runs {program}, which does not exist "
            f"(installed from another checkout?): run bash environment/install-jupyter.sh --kernel-only here"
        )
    return None


def main():
    args = parse_args()
    problem = kernel_problem(args.kernel)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            print(f"--env expects NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        os.environ[name] = value  # the kernel inherits this process's environment
    paths = [Path(p).resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing or not paths:
        print(f"no such notebook: {', '.join(missing) or 'notebooks/*.ipynb is empty'}", file=sys.stderr)
        return 2
    # the notebooks import the compiled library (build/): rebuild it so they never run stale code
    print("building the library (npm run build) ...", flush=True)
    built = subprocess.run(["npm", "run", "--silent", "build"], cwd=ROOT)
    if built.returncode != 0:
        print("npm run build failed: the notebooks import build/index.js", file=sys.stderr)
        return 1
    out_dir = Path(args.output_dir).resolve() if args.output_dir else None
    shown = {k: v for k, v in os.environ.items() if k.startswith("BEACONS_")}
    print(f"kernel {args.kernel}; env {shown or '{}'}; {len(paths)} notebook(s)", flush=True)
    failed = []
    for path in paths:
        out_path = out_dir / path.name if out_dir else path
        print(f"== {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
        problems, seconds = run_notebook(path, out_path, args)
        status = "FAILED" if problems else "ok"
        print(f"== {path.name}: {status} in {seconds:.1f} s -> {out_path}", flush=True)
        if problems:
            failed.append((path.name, problems))
    if failed:
        print("\nFAILURES:", flush=True)
        for name, problems in failed:
            for p in problems:
                print(f"  {p}", flush=True)
        return 1
    print(f"all {len(paths)} notebook(s) ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
