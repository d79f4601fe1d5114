"""Execute the notebooks' text sources into the committed ``.ipynb`` files, with outputs.

Each notebook has a text source, ``notebooks/NN-name.py`` in jupytext's
percent format (the source of truth, the one to edit and review), paired with
``notebooks/NN-name.ipynb``, which is committed *with its outputs* so that a
reader sees the story and its figures on GitHub without running anything.

Usage (from the repository root)::

    python notebooks/run.py                 # execute every source into its .ipynb (= make notebooks)
    python notebooks/run.py --only 04       # one notebook (number or name prefix)
    python notebooks/run.py --jobs 1        # one kernel at a time (default: one per core)

Each notebook runs with nbclient on an ipykernel ``python3`` kernel of this
interpreter (kernel specs installed elsewhere are ignored), in a fresh
temporary working directory, on the bundled sample: the notebooks write
nothing into the repository but their own ``.ipynb``. Cell ids are derived from
the notebook and the cell position and the kernel's version is not stored, so
the files change only when a source, the library or the data changes.

``tests/test_notebooks.py`` imports this module: it executes every source the
same way and checks that the committed ``.ipynb`` files hold the same cells.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KERNEL_NAME = "python3"
TIMEOUT = 900  # seconds per cell

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
LANGUAGE_INFO = {"name": "python", "file_extension": ".py", "mimetype": "text/x-python",
                 "codemirror_mode": {"name": "ipython", "version": 3}, "pygments_lexer": "ipython3",
                 "nbconvert_exporter": "python"}
PAIRING = {"formats": "ipynb,py:percent"}


def names() -> list[str]:
    """The notebooks, in order: the stems of ``notebooks/NN-*.py``."""
    return sorted(p.stem for p in HERE.glob("[0-9][0-9]-*.py"))


def source_path(name: str) -> Path:
    return HERE / f"{name}.py"


def notebook_path(name: str) -> Path:
    return HERE / f"{name}.ipynb"


def read_source(name: str):
    """The notebook ``name`` read from its text source (no outputs), with stable ids and metadata."""
    import jupytext

    nb = jupytext.read(source_path(name), fmt="py:percent")
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name[:2]}-{i:02d}"
        cell.metadata.pop("lines_to_next_cell", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    nb.metadata["jupytext"] = dict(PAIRING)
    return nb


def _client(nb, cwd: str | Path, timeout: int):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    # kernel_dirs=[]: only the native kernel of this interpreter (sys.executable), whatever else is installed
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    return NotebookClient(nb, km=km, timeout=timeout, kernel_name=KERNEL_NAME, record_timing=False,
                          resources={"metadata": {"path": str(cwd)}})


async def _execute_async(nb, cwd: str | Path, timeout: int = TIMEOUT, allow_errors: bool = False):
    client = _client(nb, cwd, timeout)
    client.allow_errors = allow_errors
    await client.async_execute(cleanup_kc=True)  # shut the kernel down (nbclient does not own km)
    return nb


def execute(nb, cwd: str | Path, timeout: int = TIMEOUT, allow_errors: bool = False):
    """Run ``nb`` top to bottom in ``cwd``; return it with its outputs.

    Raises ``nbclient.exceptions.CellExecutionError`` when a cell fails (unless ``allow_errors``).
    """
    return asyncio.run(_execute_async(nb, cwd, timeout, allow_errors))


def execute_many(notebooks: dict, jobs: int | None = None, timeout: int = TIMEOUT,
                 allow_errors: bool = False) -> dict:
    """Run several notebooks at once (at most ``jobs`` kernels), each in its own temporary directory.

    ``notebooks`` maps a name to a notebook node; returns name -> executed notebook, or
    name -> the exception raised, so that one failing notebook does not hide the others.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)

    async def main() -> dict:
        gate = asyncio.Semaphore(jobs)

        async def one(name, nb):
            async with gate:
                with tempfile.TemporaryDirectory(prefix=f"csanalysis-nb{name[:2]}-") as cwd:
                    start = time.perf_counter()
                    try:
                        return await _execute_async(nb, cwd, timeout, allow_errors)
                    finally:
                        print(f"{name}: executed in {time.perf_counter() - start:.1f} s", file=sys.stderr)

        done = await asyncio.gather(*(one(n, nb) for n, nb in notebooks.items()), return_exceptions=True)
        return dict(zip(notebooks, done))

    return asyncio.run(main())


def write(nb, path: Path) -> None:
    """Save ``nb`` as ``path`` (with outputs), keeping the file stable across kernel versions."""
    import nbformat

    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    nb.metadata["jupytext"] = dict(PAIRING)
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def select(only: list[str] | None) -> list[str]:
    """Notebook names matching ``only`` (numbers such as ``04`` or name prefixes); all when empty."""
    every = names()
    if not only:
        return every
    chosen = [n for n in every if any(n.startswith(o) for o in only)]
    if not chosen:
        raise SystemExit(f"no notebook matches {only}; expected one of {', '.join(every)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NB", help="notebook numbers or name prefixes (e.g. 04)")
    parser.add_argument("--jobs", type=int, default=None, help="kernels at once (default: the number of cores)")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: notebooks/)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = select(args.only)
    done = execute_many({n: read_source(n) for n in chosen}, jobs=args.jobs)
    failed = 0
    for name, nb in done.items():
        if isinstance(nb, BaseException):
            failed += 1
            print(f"{name}: FAILED, {name}.ipynb left as it was\n{nb}", file=sys.stderr)
            continue
        write(nb, args.out / f"{name}.ipynb")
        print(f"{name}.ipynb written", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
