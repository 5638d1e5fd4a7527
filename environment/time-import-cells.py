#!/usr/bin/python3
"""Time each notebook's first code cell (its imports) in a fresh tslab kernel, as a user who opens it does.

    /usr/bin/python3 environment/time-import-cells.py                          # all notebooks/*.ipynb
    /usr/bin/python3 environment/time-import-cells.py notebooks/01-distance-curves.ipynb

Per notebook: wall seconds and the kernel's CPU seconds (user + system, from /proc; the better number on a busy
machine) for the import cell, then for a trivial cell (`1 + 1`, the per-cell floor once tslab is warm). tslab type
checks a cell together with every local .ts file it imports (all of them, transitively) before running it, so the
import cell's cost grows with what the first cell reaches. Needs Jupyter and the kernel from install-jupyter.sh.
"""

import json
import os
import sys
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU of a process and its waited-for children, in seconds (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / TICK


def kernel_pid(km):
    proc = getattr(getattr(km, "provisioner", None), "process", None) or getattr(km, "kernel", None)
    return getattr(proc, "pid", None)


def time_cell(kc, pid, source):
    cpu0, t0 = cpu_seconds(pid), time.time()
    reply = kc.execute_interactive(source, timeout=600, output_hook=lambda msg: None)
    return time.time() - t0, cpu_seconds(pid) - cpu0, reply["content"]["status"]


def main():
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    failed = False
    for path in paths:
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        if not cells:
            continue
        km, kc = start_new_kernel(kernel_name="tslab", cwd=str(path.resolve().parent))
        try:
            pid = kernel_pid(km)
            for label, source in (("import cell", "".join(cells[0]["source"])), ("trivial cell", "1 + 1")):
                wall, cpu, status = time_cell(kc, pid, source)
                failed |= status != "ok"
                print(f"{path.name}: {label}: {wall:.1f} s wall, {cpu:.1f} s CPU ({status})", flush=True)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs (wall times grow with it; CPU times much less)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
