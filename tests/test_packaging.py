"""Packaging: environment.yml serves conda users with every runtime dependency; the two commands exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_every_runtime_dependency():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = (ROOT / "environment.yml").read_text()
    listed = {_name(m.group(1)) for m in re.finditer(r"^\s*-\s+([A-Za-z0-9_.\-]+)", env, re.M)}
    missing = {_name(d) for d in deps} - listed
    assert not missing, f"environment.yml lacks {sorted(missing)}"
    assert "conda-forge" in env and "defaults" not in env
    assert re.search(r"^\s*-\s+-e \.\s*$", env, re.M), "environment.yml should pip-install the package (-e .)"
    assert "jupyterlab" in listed


def test_readme_leads_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first = readme[: readme.index("## Point it at your own exports")]
    assert "make report" in first and "make test" in first
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_sample_is_installed_with_the_package_and_small():
    from csanalysis.datasets import sample_files, sample_path

    total = sum(p.stat().st_size for p in sample_path().iterdir())
    assert total < 10 * 1024 * 1024
    assert all(p.exists() for ps in sample_files().values() for p in ps)
    assert (ROOT / "data" / "sample").resolve() == sample_path().resolve()


def test_registry_is_package_data():
    toml = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = toml["tool"]["setuptools"]["package-data"]["csanalysis"]
    assert "registry/*.csv" in data and "datasets/sample/*" in data
