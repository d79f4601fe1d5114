"""The narrative notebooks: they run, hold no personal data, compute nothing, and match their text sources.

Each notebook's source of truth is its jupytext percent-format text source,
``notebooks/NN-name.py``, paired with the committed ``notebooks/NN-name.ipynb``
(stored with its outputs, written by ``make notebooks`` = ``notebooks/run.py``).
Every source is executed top to bottom on the bundled sample, all of them at
once (one kernel per core) in temporary working directories. The committed
``.ipynb`` files are checked for staleness against their sources (cell by
cell), for e-mail addresses and names of the sample's invented people, and for
a ``parameters`` cell.
"""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import nbformat
import pytest

from csanalysis.datasets import generate

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
EXPECTED = [
    "00-quickstart",
    "01-load-and-check-exports",
    "02-service-metrics",
    "03-customer-segments",
    "04-churn-after-a-bad-experience",
    "05-word-of-mouth",
]


def _load_runner():
    spec = importlib.util.spec_from_file_location("csanalysis_notebooks_run", NB_DIR / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load_runner()

# Names of the sample generator's invented people and agents (whole words, case-sensitive).
PEOPLE = sorted({first for first, _sex in generate._FIRST} | set(generate._LAST))
NAME_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, PEOPLE)) + r")\b")
AGENT_RE = re.compile("|".join(re.escape(a) for a in generate._AGENTS))
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")

# What a notebook may not call: every figure comes from the one ``cs.analyse`` call. The loaders and
# estimators below compute figures (or the tables figures are computed from); notebook 01 may read one
# deliberately damaged file to show what a rejection looks like.
FORBIDDEN_CALLS = [
    "benchmark_results", "benchmark_table", "compare_to_benchmark", "read_exports", "link_customers",
    "experiences", "customer_summary", "service_metrics", "avoidance", "word_of_mouth",
    "reach_model", "attributable_churn", "snapshot_churn", "rfm", "experience_journeys",
    "service_recovery_test", "service_levels", "customer_features", "cluster_customers", "compare_segments",
    "channel_consistency", "scorecard", "simulate_avoidance_scenario", "bootstrap", "wilson", "kaplan_meier",
]
CALL_RE = re.compile(r"(?<![\w\"'])(?:\w+\.)*(" + "|".join(FORBIDDEN_CALLS) + r")\s*\(")


def output_texts(nb) -> list[str]:
    """Every text an output of ``nb`` shows (images left out)."""
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                texts.append(out.text)
            elif out.output_type == "error":
                texts.append("\n".join([out.ename, out.evalue, *out.traceback]))
            else:
                texts += [str(v) for k, v in out.get("data", {}).items() if k in TEXT_TYPES]
    return texts


def personal_data(texts: list[str]) -> list[str]:
    """What in ``texts`` looks like an e-mail address or a person's name (empty when clean)."""
    found = []
    for t in texts:
        found += [m.group() for m in EMAIL_RE.finditer(t)]
        found += [m.group() for m in NAME_RE.finditer(t)]
        found += [m.group() for m in AGENT_RE.finditer(t)]
    return sorted(set(found))


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def committed(name: str):
    path = run.notebook_path(name)
    assert path.exists(), f"{path} is missing; run `make notebooks` (python notebooks/run.py --only {name[:2]})"
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def executed():
    """Every notebook executed from its text source, all at once (one kernel per core), once per module."""
    start = time.perf_counter()
    done = run.execute_many({n: run.read_source(n) for n in EXPECTED}, allow_errors=True)
    print(f"six notebooks executed in {time.perf_counter() - start:.0f} s")
    return done


def test_the_six_notebooks_have_text_sources():
    assert run.names() == EXPECTED
    assert not (NB_DIR / "build.py").exists()
    assert sorted(p.stem for p in NB_DIR.glob("*.ipynb")) == EXPECTED


def test_personal_data_check_is_not_vacuous():
    first, last = generate._FIRST[0][0], generate._LAST[0]
    assert personal_data([f"<td>{first} {last}</td>", "mail anna.jensen@example.com now"]) == sorted(
        {first, last, "anna.jensen@example.com"})
    assert generate._AGENTS[0] in personal_data([f"assigned to {generate._AGENTS[0]}"])
    assert personal_data(["ek_4429777389da54b2 agent_a4c3bfd03e4c1fbb 52% (CI 46% to 58%)"]) == []


def test_forbidden_call_check_is_not_vacuous():
    assert CALL_RE.search("x = cs.avoidance(exp, act)") and CALL_RE.search("sg.rfm(act)")
    assert CALL_RE.search("r = cs.segments.experience_journeys (e, a)")
    assert not CALL_RE.search("a.results['avoidance'].plot(ax=ax)")
    assert not CALL_RE.search('a.figure("avoid_2y_after_bad")')
    assert not CALL_RE.search("a = cs.analyse(cs.datasets.load_sample())")


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_on_the_sample(name, executed):
    nb = executed[name]
    if isinstance(nb, BaseException):
        raise nb
    code = code_cells(nb)
    errors = [f"cell {i}: {o.ename}: {o.evalue}" for i, c in enumerate(code) for o in c.outputs
              if o.output_type == "error"]
    assert not errors, "\n".join(errors)
    assert all(c.execution_count is not None for c in code)
    stderr = [o.text for c in code for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, stderr
    prose = [o for c in code for o in c.outputs if "text/markdown" in o.get("data", {})]
    assert len(prose) >= 3, "the prose about the numbers must be computed Markdown"


@pytest.mark.parametrize("name", EXPECTED)
def test_reexecuted_outputs_hold_no_personal_data(name, executed):
    nb = executed[name]
    if isinstance(nb, BaseException):
        pytest.fail(f"{name} did not run: {nb}")
    assert personal_data(output_texts(nb)) == []


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_outputs_hold_no_personal_data(name):
    assert personal_data(output_texts(committed(name))) == []


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_is_executed_without_errors_or_warnings(name):
    nb = committed(name)
    code = code_cells(nb)
    assert all(c.execution_count is not None for c in code), "committed without outputs; run `make notebooks`"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert any("text/markdown" in o.get("data", {}) for o in outputs)


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_matches_its_text_source(name):
    # a cheap staleness check of the cells (not of the outputs): edit the .py, then run `make notebooks`
    want = [(c.cell_type, c.source) for c in run.read_source(name).cells]
    have = [(c.cell_type, c.source) for c in committed(name).cells]
    assert have == want, f"{name}.ipynb is stale: run `python notebooks/run.py --only {name[:2]}`"
    nb = committed(name)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"


@pytest.mark.parametrize("name", EXPECTED)
def test_first_code_cell_is_tagged_parameters(name):
    for nb in (run.read_source(name), committed(name)):
        code = code_cells(nb)
        assert "parameters" in code[0].metadata.get("tags", [])
        assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
        for line in ("tickets = None", "survey = None", "activity = None", "customers = None", "as_of = None",
                     "timezone = None", "seed = 0"):
            assert line in code[0].source


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_computes_no_figure(name):
    # every figure comes from one cs.analyse call; a notebook shows, plots and words it, never computes it
    code = [c.source for c in code_cells(run.read_source(name))]
    text = "\n".join(code)
    assert len(re.findall(r"\bcs\.analyse\(", text)) == 1, "call cs.analyse exactly once"
    calls = sorted({m.group(1) for m in CALL_RE.finditer(text)})
    assert calls == [], f"{name} calls {calls}: take the figure from a.figures / a.results instead"
    assert "n_resamples" not in text, "use the report's default n_resamples, so that intervals match the report"


@pytest.mark.parametrize("name", EXPECTED)
def test_static_markdown_states_no_numbers(name):
    # numbers about the data are formatted from a.figure(...) by code cells; static text links notebooks only
    for cell in run.read_source(name).cells:
        if cell.cell_type == "markdown":
            stripped = re.sub(r"\d\d-[\w-]+\.ipynb", "", cell.source)
            assert not re.search(r"\d", stripped), f"digits in static markdown of {name}: {cell.source[:80]!r}"
