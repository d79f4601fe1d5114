"""The narrative notebooks: they run, hold no personal data, and match ``notebooks/build.py``.

Every notebook is built in memory from ``notebooks/build.py`` (the source of
truth) and executed top to bottom on the bundled sample in a temporary working
directory. The committed ``.ipynb`` files (stored with their outputs) are
checked for e-mail addresses and names of the sample's invented people, for a
``parameters`` cell, and for staleness against the build definitions.
"""

from __future__ import annotations

import importlib.util
import re
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


def _load_build():
    spec = importlib.util.spec_from_file_location("csanalysis_notebooks_build", NB_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()

# Names of the sample generator's invented people and agents (whole words, case-sensitive).
PEOPLE = sorted({first for first, _sex in generate._FIRST} | set(generate._LAST))
NAME_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, PEOPLE)) + r")\b")
AGENT_RE = re.compile("|".join(re.escape(a) for a in generate._AGENTS))
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


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


def committed(name: str):
    path = NB_DIR / f"{name}.ipynb"
    assert path.exists(), f"{path} is missing; run `make notebooks` (python notebooks/build.py --execute)"
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Build each notebook from build.py and run it once (cached for the module)."""
    cache = {}

    def run(name: str):
        if name not in cache:
            nb = build.build(name)
            build.execute(nb, cwd=tmp_path_factory.mktemp(name[:2]))
            cache[name] = nb
        return cache[name]

    return run


def test_build_defines_the_six_notebooks():
    assert list(build.NOTEBOOKS) == EXPECTED


def test_personal_data_check_is_not_vacuous():
    first, last = generate._FIRST[0][0], generate._LAST[0]
    assert personal_data([f"<td>{first} {last}</td>", "mail anna.jensen@example.com now"]) == sorted(
        {first, last, "anna.jensen@example.com"})
    assert generate._AGENTS[0] in personal_data([f"assigned to {generate._AGENTS[0]}"])
    assert personal_data(["ek_4429777389da54b2 agent_a4c3bfd03e4c1fbb 52% (CI 46% to 58%)"]) == []


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_on_the_sample(name, executed):
    nb = executed(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    prose = [o for c in code for o in c.outputs if "text/markdown" in o.get("data", {})]
    assert len(prose) >= 3, "the prose about the numbers must be computed Markdown"


@pytest.mark.parametrize("name", EXPECTED)
def test_reexecuted_outputs_hold_no_personal_data(name, executed):
    assert personal_data(output_texts(executed(name))) == []


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_outputs_hold_no_personal_data(name):
    assert personal_data(output_texts(committed(name))) == []


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_is_executed_without_errors_or_warnings(name):
    nb = committed(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "committed without outputs; run `make notebooks`"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert any("text/markdown" in o.get("data", {}) for o in outputs)


@pytest.mark.parametrize("name", EXPECTED)
def test_first_code_cell_is_tagged_parameters(name):
    for nb in (build.build(name), committed(name)):
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", [])
        assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
        assert "tickets = None" in code[0].source and "as_of = None" in code[0].source


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_matches_build(name):
    want = [(c.cell_type, c.source) for c in build.build(name).cells]
    have = [(c.cell_type, c.source) for c in committed(name).cells]
    assert have == want, f"{name}.ipynb is stale: run `python notebooks/build.py --execute --only {name[:2]}`"
    assert committed(name).metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", EXPECTED)
def test_static_markdown_states_no_numbers(name):
    # numbers about the data are formatted from variables by code cells; static text links notebooks only
    for kind, text in build.NOTEBOOKS[name]:
        if kind == "md":
            stripped = re.sub(r"\d\d-[\w-]+\.ipynb", "", text)
            assert not re.search(r"\d", stripped), f"digits in static markdown of {name}: {text[:80]!r}"
