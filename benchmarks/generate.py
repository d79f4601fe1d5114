"""Benchmark data: the package's sample generator at scale, cached under ``benchmarks/data/``.

The exports are written by :func:`csanalysis.datasets.generate.generate_sample`
(vectorised; the same formats as the bundled sample: Zendesk CSV, Qualtrics CSV,
Shopify CSV) in one of two shapes (:data:`SHAPES`): ``typical`` (the default), per customer
about 3 tickets, 6 order lines and 0.5 survey responses, and ``wide``
(:data:`~csanalysis.datasets.generate.BENCHMARK_RATES`), about 3 tickets, 10
order lines and 0.5 responses, so one million customers give about 3M
tickets, 6M (or 10M) order lines and 0.5M responses.

The cache key is the scale, the seed and the generator's version (a hash of
the generator's source and the rates): changing the generator regenerates.

    python benchmarks/generate.py 100k [--shape typical|wide] [--seed 1] [--data-dir benchmarks/data]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / "data"
DEFAULT_SEED = 20261122
#: Files the harness reads, by role, and their header rows.
FILES = {"tickets": ("zendesk_tickets.csv", 1), "survey": ("qualtrics_survey.csv", 3),
         "activity": ("shopify_orders.csv", 1)}
TIME_ZONE = "Europe/Copenhagen"


def parse_scale(text: str) -> int:
    """'100k' -> 100000, '1m' -> 1000000, '2500' -> 2500."""
    t = str(text).strip().lower().replace("_", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    try:
        n = int(round(float(t) * mult))
    except ValueError:
        raise ValueError(f"a scale is a number of customers such as 100k, 300k, 1m or 2500; got {text!r}") from None
    if n < 100:
        raise ValueError(f"scales start at 100 customers; got {text!r}")
    return n


def scale_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


#: Data shapes (issue 13): ``typical`` is shaped like typical exports, about 3 tickets, 0.5 survey answers and 6
#: order lines per customer; ``wide`` is the earlier, heavier profile (about 10 order lines per customer).
SHAPES = ("typical", "wide")
DEFAULT_SHAPE = "typical"


def shape_rates(shape: str = DEFAULT_SHAPE):
    """The generator's :class:`~csanalysis.datasets.generate.Rates` of a data shape."""
    from csanalysis.datasets.generate import BENCHMARK_RATES, Rates

    if shape == "wide":
        return BENCHMARK_RATES
    if shape == "typical":  # the wide world's customers, tickets and answers; fewer line items per order
        return Rates(purchase_rate=BENCHMARK_RATES.purchase_rate, ticket_rate=BENCHMARK_RATES.ticket_rate,
                     survey_rate=BENCHMARK_RATES.survey_rate, extra_lines=0.36)
    raise ValueError(f"shape must be one of {', '.join(SHAPES)}; got {shape!r}")


def generator_version(shape: str = DEFAULT_SHAPE) -> str:
    """Hash of the generator source and the shape's rates (the cache key's version part)."""
    import csanalysis.datasets.generate as g

    h = hashlib.sha256(Path(g.__file__).read_bytes())
    h.update(json.dumps(asdict(shape_rates(shape)), sort_keys=True).encode())
    return h.hexdigest()[:12]


def data_dir(n: int, seed: int = DEFAULT_SEED, root: str | Path = DEFAULT_DATA, shape: str = DEFAULT_SHAPE) -> Path:
    return Path(root) / f"{scale_label(n)}-{shape}-seed{seed}-gen{generator_version(shape)}"


def ensure(n: int, seed: int = DEFAULT_SEED, root: str | Path = DEFAULT_DATA, *, shape: str = DEFAULT_SHAPE,
           log=print) -> tuple[Path, dict]:
    """The cached exports for ``n`` customers of a data ``shape``, generated when missing. Returns (folder, info)."""
    from csanalysis.datasets.generate import generate_sample

    rates = shape_rates(shape)
    d = data_dir(n, seed, root, shape)
    info_path = d / "benchmark_data.json"
    if info_path.exists():
        return d, json.loads(info_path.read_text(encoding="utf-8"))
    tmp = d.with_name(d.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    log(f"generating {scale_label(n)} customers, {shape} shape (seed {seed}) into {d} ...")
    t0 = time.perf_counter()
    if n <= BLOCK_CUSTOMERS:
        truth = generate_sample(tmp, n_customers=n, seed=seed, danish=False, snapshot=False, rates=rates)
    else:
        truth = _generate_blocks(tmp, n, seed, rates, log)
    seconds = time.perf_counter() - t0
    c = truth["counts"]
    info = {
        "customers": n, "seed": seed, "shape": shape, "generator_version": generator_version(shape),
        "rates": asdict(rates), "generate_seconds": round(seconds, 2),
        "tickets": c["zendesk_tickets"], "survey_rows": c["qualtrics_rows"], "survey_responses": c["qualtrics_real"],
        "orders": c["shopify_orders"], "order_lines": c["shopify_lines"],
        "files": {role: name for role, (name, _) in FILES.items()},
        "bytes": {role: (tmp / name).stat().st_size for role, (name, _) in FILES.items()},
        "planted_avoid_2y_after_bad": truth["avoidance"]["avoid_2y_after_bad"],
    }
    (tmp / "benchmark_data.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    if d.exists():
        shutil.rmtree(d)
    tmp.rename(d)
    log(f"  {info['tickets']:,} tickets, {info['order_lines']:,} order lines, "
        f"{info['survey_responses']:,} responses in {seconds:.0f} s")
    return d, info


#: Customers per block of a scale larger than this (:func:`_generate_blocks`): the generator holds its whole
#: world in memory, about 4.3 GB per million customers of the typical shape.
BLOCK_CUSTOMERS = 1_000_000


def _block_seed(seed: int, block: int) -> int:
    """The seed of a block's world: block 0 is the scale's own seed (a 1M scale's world is a 5M scale's first)."""
    return seed if block == 0 else int(np.random.SeedSequence([seed, block]).generate_state(1)[0])


def _header_bytes(path: Path, lines: int) -> bytes:
    """The first ``lines`` lines of a file (its header rows; the generator writes none with a line break inside)."""
    with open(path, "rb") as f:
        return b"".join(f.readline() for _ in range(lines))


def _generate_blocks(out: Path, n: int, seed: int, rates, log) -> dict:
    """Generate ``n`` customers as worlds of at most :data:`BLOCK_CUSTOMERS`, written one after the other.

    Each block is its own world (its own seed, :func:`_block_seed`) with its own ids (``generate_sample``'s
    ``id_block``: no customer, ticket or order of two blocks shares an id or e-mail), generated into a folder of
    its own and appended to the scale's files without its header rows (checked equal to the first block's), so
    the generator's memory is bounded by the block. The files are as one export of all the customers, except
    that the rows are in order within each block (the blocks follow each other). Returns the truths: counts
    added up, each block's planted truth under ``blocks``.
    """
    from csanalysis.datasets.generate import generate_sample

    out.mkdir(parents=True)
    sizes = [BLOCK_CUSTOMERS] * (n // BLOCK_CUSTOMERS) + ([n % BLOCK_CUSTOMERS] if n % BLOCK_CUSTOMERS else [])
    blocks, headers = [], {}
    for b, size in enumerate(sizes):
        part = out / f"block{b}"
        log(f"  block {b + 1} of {len(sizes)}: {size:,} customers ...")
        truth = generate_sample(part, n_customers=size, seed=_block_seed(seed, b), danish=False, snapshot=False,
                                rates=rates, id_block=b)
        for name, header_rows in FILES.values():
            src, dst = part / name, out / name
            head = _header_bytes(src, header_rows)
            if b == 0:
                headers[name] = head
            elif head != headers[name]:
                raise RuntimeError(f"block {b}'s {name} has other header rows than block 0's")
            with open(src, "rb") as f, open(dst, "ab") as g:
                if b:
                    f.seek(len(head))
                shutil.copyfileobj(f, g, 1 << 24)
            with open(dst, "rb") as g:  # the next block's rows start on a line of their own
                g.seek(-1, 2)
                if g.read(1) != b"\n":
                    raise RuntimeError(f"block {b}'s {name} does not end with a line break")
            src.unlink()
        blocks.append(truth)
        shutil.rmtree(part)
    counts = {k: sum(t["counts"][k] for t in blocks) for k in blocks[0]["counts"]}
    weights = np.array(sizes, dtype=float) / n
    planted = [t["avoidance"]["avoid_2y_after_bad"] for t in blocks]
    truth = {"counts": counts, "blocks": blocks, "n_customers": n, "block_customers": sizes,
             # (every block's world is drawn from the same model: their customers-weighted mean)
             "avoidance": {"avoid_2y_after_bad": float(np.dot(weights, planted))}}
    (out / "planted_truth.json").write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scale", help="customers: 100k, 300k, 1m, ...")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA))
    ap.add_argument("--shape", choices=SHAPES, default=DEFAULT_SHAPE, help="data shape (default typical)")
    ap.add_argument("--json", action="store_true", help="print the data info as JSON (for the harness)")
    args = ap.parse_args(argv)
    quiet = (lambda *a, **k: print(*a, file=sys.stderr, **k)) if args.json else print
    d, info = ensure(parse_scale(args.scale), args.seed, args.data_dir, shape=args.shape, log=quiet)
    if args.json:
        print(json.dumps({"dir": str(d), **info}))
    else:
        print(d)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    raise SystemExit(main())
