"""The narrative notebooks: they run, hold no personal data, compute nothing, and match their text sources.

Each notebook's source of truth is its jupytext percent-format text source,
``notebooks/NN-name.py``, paired with the committed ``notebooks/NN-name.ipynb``
(stored with its outputs, written by ``make notebooks`` = ``notebooks/run.py``).
Every source is executed top to bottom, with parameters injected by papermill
(few bootstrap resamples, to keep the suite fast), on the bundled sample and on
partial exports (:data:`INPUTS`: tickets only, survey only, an SPSS survey
only, activity only, a customer snapshot only, Freshdesk tickets with Stripe
payments, and all of them together). Each notebook's sections either run or
say in one sentence what data they need; which ones ran is compared with
:data:`SECTIONS`, and every number a table shows is checked against the figures
of the same analysis. The committed ``.ipynb`` files are checked for staleness
against their sources (cell by cell), for e-mail addresses and names of the
sample's invented people, and for a ``parameters`` cell.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import time
from pathlib import Path

import nbformat
import pytest

import csanalysis as cs
from csanalysis.analysis import DEFAULT_RESAMPLES
from csanalysis.datasets import generate
from test_faces_agree import check_against, tagged

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
EXPECTED = [
    "00-quickstart",
    "01-load-and-check-exports",
    "02-service-metrics",
    "03-customer-segments",
    "04-churn-after-a-bad-experience",
    "05-word-of-mouth",
    "06-what-drives-bad-experiences",
    "07-what-customers-say",
]


DATA = ROOT / "tests" / "data"
ZENDESK, FRESHDESK = DATA / "tickets" / "zendesk_export.csv", DATA / "tickets" / "freshdesk_export.csv"
QUALTRICS, SPSS = DATA / "surveys" / "qualtrics_numeric.csv", DATA / "fixtures" / "spss" / "ispss_iSpssData.sav"
SHOPIFY, STRIPE = DATA / "activity" / "shopify_orders.csv", DATA / "activity" / "stripe_payments.csv"
TELCO = DATA / "customers" / "ibm_telco.csv"

# The exports each notebook is executed on (papermill parameters; {} = the bundled sample).
INPUTS = {
    "sample": {},
    "tickets": {"tickets": ZENDESK},
    "survey": {"survey": QUALTRICS},
    "spss": {"survey": SPSS},
    "activity": {"activity": SHOPIFY},
    "customers": {"customers": TELCO},
    "freshdesk+stripe": {"tickets": FRESHDESK, "activity": STRIPE},
    "all": {"tickets": [ZENDESK, FRESHDESK], "survey": [QUALTRICS, SPSS], "activity": [SHOPIFY, STRIPE],
            "customers": TELCO},
}
N_RESAMPLES = 20  # enough to run every bootstrap; the committed notebooks use the default

# Which sections run on which exports: one character per input, in the order of INPUTS
# (x = ran, . = skipped, saying in one sentence what it needs).
#                                            sample
#                                            |tickets
#                                            ||survey
#                                            |||spss
#                                            ||||activity
#                                            |||||customers
#                                            ||||||freshdesk+stripe
#                                            |||||||all
SECTIONS = {
    "00-quickstart": {
        "headline":                         "xx...xxx",
        "forest plot, shares":              "xx...xxx",
        "forest plot, people told":         "x.......",
        "in words":                         "xx...xxx",
        "conclusions":                      "x.......",
    },
    "01-load-and-check-exports": {
        "answers missing":                  "xxx...xx",
        "survey scales":                    "x.xx...x",
    },
    "02-service-metrics": {
        "overall":                          "xxxx..xx",
        "by channel":                       "xx....xx",
        "consistency":                      "x.......",
        "scorecard":                        "xx....xx",
        "timeline":                         "xxx....x",
        "conclusions":                      "xxx...xx",
    },
    "03-customer-segments": {
        "rfm":                              "x...x.xx",
        "journeys":                         "x.....xx",
        "recovery test":                    "x.......",
        "levels":                           "x.x....x",
        "clusters":                         "x...x.xx",
        "conclusions":                      "x...x.xx",
    },
    "04-churn-after-a-bad-experience": {
        "avoidance":                        "x.......",
        "censoring trap":                   "x.......",
        "baseline":                         "x.......",
        "survey's bands":                   "x.......",
        "conditional analogue":             "x.......",
        "attributable churn":               "x.......",
        "snapshot churn":                   "x....x.x",
        "conclusions":                      "x....x.x",
    },
    "06-what-drives-bad-experiences": {
        "drivers":                          "x.......",
        "penalty and reward":               "x.......",
        "rankings":                         "xx....xx",
        "power":                            "xx....x.",
        "channels":                         "xx....xx",
        "non-response":                     "xx....xx",
        "conclusions":                      "xx....xx",
    },
    "07-what-customers-say": {
        "reasons":                          "x.xx...x",
        "by period and channel":            "x.xx...x",
        "tone":                             "x.xx...x",
        "quotes and themes":                "x.xx...x",
        "disrespect":                       "x.......",
        "conclusions":                      "x.xx...x",
    },
    "05-word-of-mouth": {
        "people told":                      "x.......",
        "satisfied against dissatisfied":   "x.......",
        "bounds":                           "x.......",
        "conclusions":                      "x.......",
    },
}
SKIPPED = re.compile(r"^\*Skipped: this section needs [^.]+, which the exports given do not hold\.\*$")


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


def parameters(inputs: dict) -> dict:
    """Papermill parameters for ``inputs`` (paths as text, lists kept), with few resamples."""
    out = {role: [str(p) for p in v] if isinstance(v, list) else str(v) for role, v in inputs.items()}
    return {**out, "n_resamples": N_RESAMPLES}


def parameterized(name: str, params: dict):
    """The notebook ``name`` from its source with ``params`` injected after its parameters cell, as papermill does."""
    from papermill.parameterize import parameterize_notebook

    nb = run.read_source(name)
    nb.metadata["papermill"] = {}
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    return parameterize_notebook(nb, params)


RESET = "%reset -f\nimport matplotlib.pyplot\nmatplotlib.pyplot.close('all')"


def one_kernel(notebooks: dict):
    """The ``notebooks`` (name -> node) as one notebook, each after a cell that empties the namespace.

    Run in one kernel, the six notebooks of one input import the library once instead of six times (the
    import takes longer than most notebooks); ``%reset -f`` leaves each notebook nothing of the one before.
    """
    cells = []
    for name, nb in notebooks.items():
        cells.append(nbformat.v4.new_code_cell(RESET, metadata={"origin": "reset"}, id=f"reset-{name[:2]}"))
        for cell in nb.cells:
            cell = copy.deepcopy(cell)
            cell.metadata["origin"] = name
            cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(next(iter(notebooks.values())).metadata))


def split(together, names) -> dict:
    """The executed notebooks back out of :func:`one_kernel`'s notebook (reset cells left out)."""
    out = {}
    for name in names:
        nb = nbformat.v4.new_notebook(metadata=together.metadata)
        nb.cells = [c for c in together.cells if c.metadata.get("origin") == name]
        for c in nb.cells:
            del c.metadata["origin"]
        out[name] = nb
    return out


@pytest.fixture(scope="module")
def executed():
    """Every notebook executed on every input of INPUTS: one kernel per input, as many at once as cores.

    Returns (notebook, input) -> executed notebook, or the exception that stopped its kernel.
    """
    start = time.perf_counter()
    batches = {i: one_kernel({n: parameterized(n, parameters(INPUTS[i])) for n in EXPECTED}) for i in INPUTS}
    done = run.execute_many(batches, allow_errors=True)
    out = {}
    for i, nb in done.items():
        resets = [] if isinstance(nb, BaseException) else [
            o for c in nb.cells if c.metadata.get("origin") == "reset" for o in c.get("outputs", [])]
        assert not resets, f"{i}: a reset cell failed: {resets}"
        parts = dict.fromkeys(EXPECTED, nb) if isinstance(nb, BaseException) else split(nb, EXPECTED)
        out.update({(n, i): part for n, part in parts.items()})
    print(f"{len(EXPECTED)} notebooks x {len(INPUTS)} inputs executed in {time.perf_counter() - start:.0f} s")
    return out


def ran(nb) -> dict:
    """Section -> whether it ran, from the metadata the notebook's ``section(...)`` helper attaches."""
    out = {}
    for cell in code_cells(nb):
        for o in cell.outputs:
            mark = o.get("metadata", {}).get("csanalysis")
            if mark:
                assert mark["section"] not in out, f"section {mark['section']!r} is marked twice"
                out[mark["section"]] = mark["ran"]
    return out


def problems(nb) -> list[str]:
    """Errors (tracebacks), text on stderr and cells that did not run."""
    code = code_cells(nb)
    out = [f"cell {i}: {o.ename}: {o.evalue}" for i, c in enumerate(code) for o in c.outputs
           if o.output_type == "error"]
    out += [f"stderr: {o.text}" for c in code for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    out += [f"cell {i} did not run" for i, c in enumerate(code) if c.execution_count is None]
    return out


def test_the_notebooks_have_text_sources():
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


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_without_a_traceback(name, inputs, executed):
    # on the sample and on partial exports: a section without its data says so, it does not crash
    nb = executed[name, inputs]
    if isinstance(nb, BaseException):
        raise nb
    assert problems(nb) == []
    prose = [o for c in code_cells(nb) for o in c.outputs if "text/markdown" in o.get("data", {})]
    assert len(prose) >= 3, "the prose about the numbers must be computed Markdown"


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize("name", EXPECTED)
def test_sections_run_or_skip_as_expected(name, inputs, executed):
    nb = executed[name, inputs]
    if isinstance(nb, BaseException):
        pytest.fail(f"{name} did not run on {inputs}: {nb}")
    column = list(INPUTS).index(inputs)
    want = {section: row[column] == "x" for section, row in SECTIONS[name].items()}
    have = ran(nb)
    diff = {s: ("ran" if have.get(s) else "skipped" if s in have else "no marker") for s in set(want) | set(have)
            if want.get(s) != have.get(s)}
    assert not diff, f"{name} on {inputs}: sections that did not do as SECTIONS expects: {diff}"
    # a skipped section says in one sentence what it needs, and its cell shows nothing after that sentence
    for cell in code_cells(nb):
        marks = [i for i, o in enumerate(cell.outputs) if "csanalysis" in o.get("metadata", {})]
        for i in marks:
            if not cell.outputs[i].metadata["csanalysis"]["ran"]:
                assert SKIPPED.match(cell.outputs[i].data["text/markdown"]), cell.outputs[i].data["text/markdown"]
        if marks and not any(cell.outputs[i].metadata["csanalysis"]["ran"] for i in marks):
            after = [o for o in cell.outputs[marks[0]:] if "csanalysis" not in o.get("metadata", {})]
            assert not after, f"{cell.source[:200]}\nshows after skipping: {after}"


@pytest.mark.parametrize("inputs", INPUTS)
def test_numbers_shown_are_the_analysis_figures(inputs, executed):
    # every number a table shows is the figure of the same analysis (same exports, resamples and seed)
    parts = [executed[n, inputs] for n in EXPECTED]
    if any(isinstance(nb, BaseException) for nb in parts):
        pytest.fail(f"a notebook did not run on {inputs}")
    given = INPUTS[inputs]
    a = cs.analyse(**parameters(given)) if given else cs.analyse(cs.datasets.load_sample(), n_resamples=N_RESAMPLES)
    total = 0
    for name, nb in zip(EXPECTED, parts):
        cells = []
        for cell in code_cells(nb):
            for o in cell.outputs:
                markup = o.get("data", {}).get("text/html", "")
                cells += tagged(markup if isinstance(markup, str) else "".join(markup))
        total += check_against(a.figures, cells, f"{name} on {inputs}")
    assert total > (50 if inputs in ("sample", "all") else 0)


def test_expected_table_names_every_section():
    # SECTIONS lists exactly the sections the sources mark, and every section's markdown says what it needs
    for name in EXPECTED:
        nb = run.read_source(name)
        marked = re.findall(r"section\(\s*\"([^\"]+)\"", "\n".join(c.source for c in code_cells(nb)))
        assert sorted(marked) == sorted(SECTIONS[name]), name
        assert all(len(row) == len(INPUTS) and set(row) <= {"x", "."} for row in SECTIONS[name].values())
        last_markdown = ""
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                last_markdown = cell.source
            elif re.search(r"\bsection\(\s*\"", cell.source):
                assert "needs" in last_markdown.lower(), f"{name}: say what the section needs: {last_markdown[:80]!r}"


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize("name", EXPECTED)
def test_reexecuted_outputs_hold_no_personal_data(name, inputs, executed):
    nb = executed[name, inputs]
    if isinstance(nb, BaseException):
        pytest.fail(f"{name} did not run on {inputs}: {nb}")
    assert personal_data(output_texts(nb)) == []


def test_papermill_runs_a_notebook_on_partial_exports(tmp_path):
    # what the README shows: papermill itself, on a notebook file, with parameters
    import papermill as pm

    source = tmp_path / "05.ipynb"
    nbformat.write(run.read_source("05-word-of-mouth"), source)
    out = pm.execute_notebook(str(source), str(tmp_path / "05-out.ipynb"), parameters=parameters(INPUTS["tickets"]),
                              kernel_name=run.KERNEL_NAME, cwd=str(tmp_path), progress_bar=False)
    assert problems(out) == []
    assert ran(out) == dict.fromkeys(SECTIONS["05-word-of-mouth"], False)


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
                     "timezone = None", "seed = 0", f"n_resamples = {DEFAULT_RESAMPLES}"):
            assert line in code[0].source


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_computes_no_figure(name):
    # every figure comes from one cs.analyse call; a notebook shows, plots and words it, never computes it
    code = [c.source for c in code_cells(run.read_source(name))]
    text = "\n".join(code)
    assert len(re.findall(r"\bcs\.analyse\(", text)) == 1, "call cs.analyse exactly once"
    calls = sorted({m.group(1) for m in CALL_RE.finditer(text)})
    assert calls == [], f"{name} calls {calls}: take the figure from a.figures / a.results instead"
    # the report's default n_resamples (a parameter, so that intervals match the report unless changed)
    assert re.findall(r"\bn_resamples\b.*", text) == [
        f"n_resamples = {DEFAULT_RESAMPLES}  # bootstrap resamples (the report's default; fewer, e.g. 50, for a "
        "quick look)", "n_resamples=n_resamples)"]


@pytest.mark.parametrize("name", EXPECTED)
def test_static_markdown_states_no_numbers(name):
    # numbers about the data are formatted from a.figure(...) by code cells; static text links notebooks only
    for cell in run.read_source(name).cells:
        if cell.cell_type == "markdown":
            stripped = re.sub(r"\d\d-[\w-]+\.ipynb", "", cell.source)
            assert not re.search(r"\d", stripped), f"digits in static markdown of {name}: {cell.source[:80]!r}"
