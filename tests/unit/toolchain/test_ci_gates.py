"""The CI gates (.github/workflows/ci.yml, .ci/run, the Makefile) can only run on GitHub or from a clean
clone; these tests hold them to the project's own claims, so a gate that drifts fails here first."""

from __future__ import annotations

import re
import tomllib

import yaml

from bulwark import PROJECT_ROOT
from tests import conftest

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(job: str, name: str = "ci.yml") -> list[dict]:
    return workflow(name)["jobs"][job]["steps"]


def uses(job: str, action: str, name: str = "ci.yml") -> list[dict]:
    return [s for s in steps(job, name) if s.get("uses", "").startswith(action)]


def runs(job: str) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def claimed_pythons() -> list[str]:
    """The minor versions pyproject's requires-python admits (">=3.a,<3.b")."""
    spec = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    low = int(re.search(r">=\s*3\.(\d+)", spec).group(1))
    high = int(re.search(r"<\s*3\.(\d+)", spec).group(1))
    return [f"3.{m}" for m in range(low, high)]


def test_every_workflow_is_read_only():
    for name in ("ci.yml", "fuzz.yml"):
        assert workflow(name)["permissions"] == {"contents": "read"}, name


def test_the_test_matrix_is_the_python_versions_pyproject_and_the_readme_claim():
    matrix = workflow("ci.yml")["jobs"]["test"]["strategy"]["matrix"]["python"]
    assert matrix == claimed_pythons() and len(matrix) >= 2
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert f"Needs Python {matrix[0]}\N{EN DASH}{matrix[-1]}" in readme


def test_test_reports_and_bench_figures_are_uploaded_pass_or_fail():
    assert "make test JUNIT_XML=.toolchain/reports/junit-py${{ matrix.python }}.xml" in runs("test")
    [report] = uses("test", "actions/upload-artifact@v4")
    assert report["if"] == "always()"
    assert report["with"]["path"] == ".toolchain/reports/junit-py${{ matrix.python }}.xml"
    [bench] = uses("gas", "actions/upload-artifact@v4")
    assert bench["if"] == "always()" and bench["with"]["path"] == ".toolchain/reports/bench-*.json"
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "--junitxml=$(JUNIT_XML)" in makefile
    assert "--json $(REPORTS)/bench-gas.json" in makefile
    assert "REPORTS := $(CURDIR)/.toolchain/reports" in makefile


def test_build_is_cached_on_exact_sources_and_compiler_and_never_restored_from_others():
    """A .build restored from other sources would keep stale importers (README, known issue 9)."""
    keys = set()
    for name, job in (("ci.yml", "test"), ("ci.yml", "gas"), ("fuzz.yml", "deep-tests")):
        [cache] = [s for s in uses(job, "actions/cache@v4", name) if s["with"]["path"] == ".build"]
        key = cache["with"]["key"]
        assert "hashFiles('contracts/**'" in key and "${{ steps.solc.outputs.version }}" in key
        assert "restore-keys" not in cache["with"]
        [version] = [s for s in steps(job, name) if s.get("id") == "solc"]
        assert "devDependencies.solc" in version["run"]
        keys.add(key)
    assert len(keys) == 1  # one build, shared by every job that compiles the same sources


def test_the_example_database_cached_is_the_one_the_tests_keep_in_ci(monkeypatch):
    [cache] = [s for s in uses("test", "actions/cache@v4") if s["with"]["path"] != ".build"]
    assert PROJECT_ROOT / cache["with"]["path"] == conftest.EXAMPLE_DATABASE
    assert cache["with"]["restore-keys"].strip().endswith("-")
    env = workflow("ci.yml")["jobs"]["test"]["env"]
    assert env[conftest.EXAMPLE_DATABASE_VARIABLE] == "1"
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv(conftest.EXAMPLE_DATABASE_VARIABLE, raising=False)
    assert not conftest.keep_example_database()
    monkeypatch.setenv(conftest.EXAMPLE_DATABASE_VARIABLE, "1")
    assert conftest.keep_example_database()
    monkeypatch.delenv("CI")
    monkeypatch.delenv(conftest.EXAMPLE_DATABASE_VARIABLE)
    assert conftest.keep_example_database()


def test_the_gas_job_and_ci_run_check_the_snapshot_between_the_tests_and_lint():
    assert "make gas-check" in runs("gas")
    script = (PROJECT_ROOT / ".ci" / "run").read_text()
    commands = [line.split()[1] for line in script.splitlines() if line.startswith("make ")]
    assert commands == ["test", "gas-check", "lint"]


def test_make_lint_checks_solidity_formatting_and_the_toolchain_stays_in_the_checkout():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "forge fmt --check contracts" in lint
    assert "export SOLCX_BINARY_PATH := $(CURDIR)/.toolchain/solcx" in makefile
