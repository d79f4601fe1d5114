"""Precision and recall of the reason tagger on the frozen labelled set, per reason and language.

    python validation/verbatims.py            # writes validation/verbatims.md and csanalysis/text/validated.csv

The labelled set (``tests/data/verbatims/labelled.csv``, its README says how it was made) was committed
before the tagger's vocabulary (commit 455e336), so the vocabulary could not be tuned to it. Every text
is tagged by :func:`csanalysis.tag_reasons` exactly as a user would call it, once with the text's
language given (``language=`` the labelled language: what an export with a language column gives) and
once with the language detected (no language column).

Figures, per reason and language (language given):

* precision: of the texts tagged with the reason, the share labelled with it;
* recall: of the texts labelled with the reason, the share tagged with it;
* both with Wilson 95% intervals and their counts;
* ``published``: precision at least 0.8 and recall at least 0.5 (issue 15's rule). A reason that is not
  published in a language is left out of the figures for that language (:data:`csanalysis.text.VALIDATED`
  reads ``csanalysis/text/validated.csv``, which this script writes).

Also: the false-tag rate on texts without a reason and on the negated texts, per language; the
language detection's accuracy on the set (short texts), per language.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import csanalysis as cs  # noqa: E402
from csanalysis.stats.intervals import wilson_ci  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "verbatims" / "labelled.csv"
MIN_PRECISION, MIN_RECALL = 0.8, 0.5


def load_labelled(path: Path = LABELLED) -> pd.DataFrame:
    d = pd.read_csv(path, keep_default_na=False, dtype=str)
    d["reasons"] = d["reasons"].map(lambda s: frozenset(r for r in s.split(";") if r))  # ~1,700 short rows
    return d


def tags(d: pd.DataFrame, language) -> pd.DataFrame:
    texts = pd.Series(d["text"].to_numpy(), index=pd.RangeIndex(len(d)))
    from csanalysis.text import tag_reasons

    return tag_reasons(texts, language=language)


def scores(d: pd.DataFrame, t: pd.DataFrame, reasons: list[str]) -> pd.DataFrame:
    """Precision and recall per reason and language from the tags ``t`` of the texts ``d`` (positions)."""
    tagged = pd.DataFrame({"pos": t["text_index"].to_numpy(dtype=np.int64), "reason": t["reason"].to_numpy()})
    rows = []
    lang = d["language"].to_numpy()
    for reason in reasons:  # ten reasons x seven languages
        got = np.zeros(len(d), dtype=bool)
        got[tagged.loc[tagged["reason"] == reason, "pos"].to_numpy()] = True
        truth = d["reasons"].map(lambda s, r=reason: r in s).to_numpy(dtype=bool)
        for lg in sorted(set(lang)):
            m = lang == lg
            tp = int((got & truth & m).sum())
            fp = int((got & ~truth & m).sum())
            fn = int((~got & truth & m).sum())
            p_lo, p_hi = wilson_ci(tp, tp + fp) if tp + fp else (np.nan, np.nan)
            r_lo, r_hi = wilson_ci(tp, tp + fn) if tp + fn else (np.nan, np.nan)
            precision = tp / (tp + fp) if tp + fp else np.nan
            recall = tp / (tp + fn) if tp + fn else np.nan
            rows.append({"reason": reason, "language": lg, "labelled": tp + fn, "tagged": tp + fp, "correct": tp,
                         "precision": precision, "precision_ci_low": p_lo, "precision_ci_high": p_hi,
                         "recall": recall, "recall_ci_low": r_lo, "recall_ci_high": r_hi,
                         "published": bool(precision >= MIN_PRECISION and recall >= MIN_RECALL)})
    return pd.DataFrame(rows)


def _fmt(v: float) -> str:
    return "" if pd.isna(v) else f"{v:.2f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(ROOT / "validation" / "verbatims.md"))
    p.add_argument("--validated", default=str(ROOT / "csanalysis" / "text" / "validated.csv"),
                   help="where the per reason and language verdicts go (shipped with the package)")
    a = p.parse_args(argv)
    d = load_labelled()
    from csanalysis.text import REASONS, detect_language

    reasons = list(REASONS)
    t = tags(d, d["language"])  # the language given, as an export's language column gives it
    given = scores(d, t, reasons)
    detected_tags = tags(d, None)
    detected = scores(d, detected_tags, reasons)
    # language detection on the set (short texts)
    det = detect_language(pd.Series(d["text"].to_numpy()))
    acc = (pd.DataFrame({"language": d["language"], "ok": det.to_numpy() == d["language"].to_numpy()})
           .groupby("language")["ok"].agg(["mean", "size"]))
    # false tags on texts without a reason, and on negated ones
    hit = np.zeros(len(d), dtype=bool)
    hit[t["text_index"].to_numpy(dtype=np.int64)] = True
    empty = d["reasons"].map(len).eq(0).to_numpy()
    neg = (d["kind"] == "negated").to_numpy() & empty
    false = pd.DataFrame({"language": d["language"], "empty": empty, "neg": neg, "hit": hit})
    ftab = false.groupby("language").apply(lambda g: pd.Series({  # seven groups
        "no-reason texts": int(g["empty"].sum()), "tagged anyway": int((g["empty"] & g["hit"]).sum()),
        "negated texts": int(g["neg"].sum()), "negated tagged": int((g["neg"] & g["hit"]).sum())}),
        include_groups=False)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()

    out = [f"# Reason tagger: precision and recall on the frozen labelled set (commit {commit})", "",
           f"`python validation/verbatims.py`. Labelled set: `{LABELLED.relative_to(ROOT)}` ({len(d):,} texts, "
           "committed in 455e336 before the vocabulary). A reason is **published** for a language when its "
           f"precision is at least {MIN_PRECISION} and its recall at least {MIN_RECALL} with the language given "
           "(what an export with a language column gives); otherwise it is left out of that language's figures.",
           "", "## Language given", "",
           "| reason | language | labelled | tagged | correct | precision (95% CI) | recall (95% CI) | published |",
           "|---|---|---:|---:|---:|---|---|---|"]
    for r in given.itertuples():
        out.append(f"| {r.reason} | {r.language} | {r.labelled} | {r.tagged} | {r.correct} | {_fmt(r.precision)} "
                   f"({_fmt(r.precision_ci_low)}-{_fmt(r.precision_ci_high)}) | {_fmt(r.recall)} "
                   f"({_fmt(r.recall_ci_low)}-{_fmt(r.recall_ci_high)}) | {'yes' if r.published else '**no**'} |")
    pub = given.pivot(index="reason", columns="language", values="published").loc[reasons]
    out += ["", "## Published (language given)", "", "| reason | " + " | ".join(pub.columns) + " |",
            "|---|" + "---|" * len(pub.columns)]
    for reason, row in pub.iterrows():
        out.append(f"| {reason} | " + " | ".join("yes" if v else "no" for v in row) + " |")
    out += ["", "## Language detected (no language column)", "",
            "| reason | language | precision | recall | published |", "|---|---|---|---|---|"]
    for r in detected.itertuples():
        out.append(f"| {r.reason} | {r.language} | {_fmt(r.precision)} | {_fmt(r.recall)} | "
                   f"{'yes' if r.published else 'no'} |")
    out += ["", "## Language detection on these short texts", "", "| language | texts | accuracy |", "|---|---:|---:|"]
    for lg, r in acc.iterrows():
        out.append(f"| {lg} | {int(r['size'])} | {r['mean']:.3f} |")
    out += ["", "## Texts without a reason that were tagged anyway (language given)", "",
            "| language | no-reason texts | tagged anyway | of them negated | negated tagged |", "|---|---:|---:|---:|---:|"]
    for lg, r in ftab.iterrows():
        out.append(f"| {lg} | {r['no-reason texts']} | {r['tagged anyway']} | {r['negated texts']} | "
                   f"{r['negated tagged']} |")
    Path(a.out).write_text("\n".join(out) + "\n", encoding="utf-8")
    keep = given[["reason", "language", "labelled", "precision", "recall", "published"]].copy()
    keep["commit"] = commit
    keep.to_csv(a.validated, index=False, float_format="%.4f")
    print("\n".join(out[:4]))
    print(pub.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
