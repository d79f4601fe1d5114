"""How the sentiment scorer does on the frozen labelled set, per language.

    python validation/sentiment.py     # writes validation/sentiment.md and csanalysis/text/sentiment_validated.csv

The labelled set (``tests/data/sentiment/labelled.csv``; its README says how it was made) holds 100
customer comments per language (40 negative, 30 positive, 30 neutral), with negations, mixed praise and
complaint, intensifiers, compounds and inflected forms. It was committed before csanalysis's own German and
Russian lexicons, so they could not be tuned to it; the other lexicons are third-party and were not changed
for it. Every text is scored by :func:`csanalysis.score_sentiment` as a user would call it, once with the
text's language given (what an export with a language column gives) and once detected.

Figures, per language (language given):

* accuracy over the three labels (negative, neutral, positive), with a Wilson 95% interval;
* for "negative" (the label the figures use: ``comment_negative_share``): precision (of the comments
  scored negative, the share labelled negative) and recall (of the comments labelled negative, the share
  scored negative), with Wilson intervals;
* ``published``: precision at least 0.8 and recall at least 0.5, the rule of the reason tags. A language
  that is not published gets no tone rows (:func:`csanalysis.estimators.verbatims.validated_sentiment`
  reads ``csanalysis/text/sentiment_validated.csv``, which this script writes).

Also: accuracy per kind of text (negated, mixed, ...), the confusion table per language, and the same
figures with the language detected.
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

from csanalysis.stats.intervals import wilson_ci  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "sentiment" / "labelled.csv"
MIN_PRECISION, MIN_RECALL = 0.8, 0.5
LABELS = ("negative", "neutral", "positive")


def load_labelled(path: Path = LABELLED) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype=str)


def predict(d: pd.DataFrame, language) -> pd.Series:
    """The scorer's label of each text (missing where the language has no lexicon)."""
    from csanalysis.text import score_sentiment

    s = score_sentiment(pd.Series(d["text"].to_numpy()), language=language)
    return s["label"].astype("object").where(s["label"].notna(), None)


def scores(d: pd.DataFrame, pred: pd.Series) -> pd.DataFrame:
    """Accuracy and the "negative" label's precision and recall per language."""
    truth = d["label"].to_numpy()
    p = pred.to_numpy(dtype=object)
    rows = []
    for lg in sorted(set(d["language"])):  # seven languages
        m = (d["language"] == lg).to_numpy()
        scored = m & np.array([x is not None for x in p])
        n = int(m.sum())
        correct = int((scored & (p == truth)).sum())
        tp = int((scored & (p == "negative") & (truth == "negative")).sum())
        fp = int((scored & (p == "negative") & (truth != "negative")).sum())
        fn = int((m & (truth == "negative") & ~(scored & (p == "negative"))).sum())
        a_lo, a_hi = wilson_ci(correct, n) if n else (np.nan, np.nan)
        p_lo, p_hi = wilson_ci(tp, tp + fp) if tp + fp else (np.nan, np.nan)
        r_lo, r_hi = wilson_ci(tp, tp + fn) if tp + fn else (np.nan, np.nan)
        precision = tp / (tp + fp) if tp + fp else np.nan
        recall = tp / (tp + fn) if tp + fn else np.nan
        rows.append({"language": lg, "texts": n, "scored": int(scored.sum()),
                     "accuracy": correct / n if n else np.nan, "accuracy_ci_low": a_lo, "accuracy_ci_high": a_hi,
                     "negative_labelled": tp + fn, "scored_negative": tp + fp,
                     "precision": precision, "precision_ci_low": p_lo, "precision_ci_high": p_hi,
                     "recall": recall, "recall_ci_low": r_lo, "recall_ci_high": r_hi,
                     "published": bool(precision >= MIN_PRECISION and recall >= MIN_RECALL)})
    return pd.DataFrame(rows)


def _f(v: float) -> str:
    return "" if pd.isna(v) else f"{v:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "validation" / "sentiment.md"))
    ap.add_argument("--validated", default=str(ROOT / "csanalysis" / "text" / "sentiment_validated.csv"),
                    help="where the per-language verdicts go (shipped with the package)")
    a = ap.parse_args(argv)
    d = load_labelled()
    from csanalysis.text import SENTIMENT_LEXICONS

    given_pred = predict(d, d["language"].tolist())
    given = scores(d, given_pred)
    detected = scores(d, predict(d, None))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    out = [f"# Sentiment scorer on the frozen labelled set (commit {commit})", "",
           f"`python validation/sentiment.py`. Labelled set: `{LABELLED.relative_to(ROOT)}` ({len(d):,} comments, "
           "100 per language: 40 negative, 30 positive, 30 neutral). A language's tone "
           "(`comment_negative_share`) is **published** when the scorer's \"negative\" has precision at least "
           f"{MIN_PRECISION} and recall at least {MIN_RECALL} with the language given (the reason tags' rule).", "",
           "## Language given", "",
           "| language | lexicon | scored | accuracy (95% CI) | negative: precision (95% CI) | recall (95% CI) | "
           "published |", "|---|---|---:|---|---|---|---|"]
    for r in given.itertuples():
        out.append(f"| {r.language} | {SENTIMENT_LEXICONS.get(r.language) or 'none'} | {r.scored}/{r.texts} | "
                   f"{_f(r.accuracy)} ({_f(r.accuracy_ci_low)}-{_f(r.accuracy_ci_high)}) | {_f(r.precision)} "
                   f"({_f(r.precision_ci_low)}-{_f(r.precision_ci_high)}) | {_f(r.recall)} "
                   f"({_f(r.recall_ci_low)}-{_f(r.recall_ci_high)}) | {'yes' if r.published else '**no**'} |")
    # confusion per language
    conf = pd.crosstab([d["language"], d["label"]], given_pred.fillna("no score").to_numpy())
    out += ["", "## Confusion (rows: label; columns: the scorer's label; language given)", "",
            "| language | label | " + " | ".join(conf.columns) + " |", "|---|---|" + "---:|" * len(conf.columns)]
    for (lg, lab), row in conf.iterrows():
        out.append(f"| {lg} | {lab} | " + " | ".join(str(int(v)) for v in row) + " |")
    # accuracy per kind
    ok = pd.Series(given_pred.to_numpy(dtype=object) == d["label"].to_numpy())
    kind = pd.crosstab(d["kind"], d["language"], values=ok, aggfunc="mean")
    cnt = pd.crosstab(d["kind"], d["language"])
    out += ["", "## Accuracy per kind of comment (language given; count in brackets)", "",
            "| kind | " + " | ".join(kind.columns) + " |", "|---|" + "---|" * len(kind.columns)]
    for k, row in kind.iterrows():
        out.append(f"| {k} | " + " | ".join(f"{_f(v)} ({cnt.loc[k, c]})" if cnt.loc[k, c] else ""
                                           for c, v in row.items()) + " |")
    out += ["", "## Language detected (no language column)", "",
            "| language | accuracy | negative: precision | recall | published |", "|---|---|---|---|---|"]
    for r in detected.itertuples():
        out.append(f"| {r.language} | {_f(r.accuracy)} | {_f(r.precision)} | {_f(r.recall)} | "
                   f"{'yes' if r.published else 'no'} |")
    Path(a.out).write_text("\n".join(out) + "\n", encoding="utf-8")
    keep = given[["language", "texts", "accuracy", "precision", "recall", "published"]].copy()
    keep["commit"] = commit
    keep.to_csv(a.validated, index=False, float_format="%.4f")
    print("\n".join(out[:8 + len(given)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
