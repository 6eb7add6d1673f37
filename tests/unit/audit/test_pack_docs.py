"""The audit pack's hand-written pages stay true to the repository: every test they name exists, every
relative link resolves, known issues are numbered without gaps and every one cited exists, and LICENSE
is the license the package files and every contract's SPDX line declare."""

from __future__ import annotations

import json
import re

from bulwark import PROJECT_ROOT

PACK = sorted((PROJECT_ROOT / "docs" / "audit").glob("*.md"))
PAGES = [*PACK, PROJECT_ROOT / "SECURITY.md"]
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
KI = re.compile(r"\bKI-(\d\d)\b")


def test_every_test_the_pack_names_exists():
    """A named test file exists and, when a test is named, the file defines it."""
    named = 0
    for page in PAGES:
        for path, name in TEST_REF.findall(page.read_text()):
            source = PROJECT_ROOT / path
            assert source.is_file(), f"{page.name}: {path} does not exist"
            if name:
                text = source.read_text()
                defined = rf"^\s*(def {name}\(|class {name}\b|{name} = )"
                assert re.search(defined, text, re.MULTILINE), f"{page.name}: {path}::{name} is missing"
            named += 1
    assert named > 80


def test_every_relative_link_resolves():
    """Links between the pack's pages, to docs/ and to the top-level files point at existing files."""
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if "://" in target:
                continue
            assert (page.parent / target).resolve().exists(), f"{page.name}: broken link {target}"


def test_known_issues_are_numbered_without_gaps_and_every_one_cited_exists():
    """KNOWN_ISSUES.md defines KI-01..KI-N in order, once each; every KI-xx the pack cites is defined."""
    text = (PROJECT_ROOT / "docs" / "audit" / "KNOWN_ISSUES.md").read_text()
    defined = [int(n) for n in re.findall(r"^\*\*KI-(\d\d) —", text, re.MULTILINE)]
    assert defined == list(range(1, len(defined) + 1)) and len(defined) >= 20
    for page in PAGES:
        for number in KI.findall(page.read_text()):
            assert int(number) in defined, f"{page.name} cites KI-{number}, which is not defined"


def test_license_is_the_mit_text_that_the_package_files_and_every_contract_declare():
    """LICENSE is the MIT license; package.json, pyproject.toml and every SPDX line say MIT."""
    license_text = (PROJECT_ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in license_text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in license_text
    assert json.loads((PROJECT_ROOT / "package.json").read_text())["license"] == "MIT"
    # pyproject.toml (tomllib is Python 3.11+; the project supports 3.10)
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    assert re.search(r'^license = \{ text = "MIT" \}$', pyproject, re.MULTILINE)
    for source in (PROJECT_ROOT / "contracts").rglob("*.sol"):
        assert source.read_text().startswith("// SPDX-License-Identifier: MIT\n"), source


def test_security_policy_marks_its_placeholder_and_links_the_audit_pack():
    """SECURITY.md leaves the reporting channel to the deploying team, visibly, and points at docs/audit."""
    text = (PROJECT_ROOT / "SECURITY.md").read_text()
    assert "`<TO BE FILLED IN BY THE DEPLOYING TEAM>`" in text
    assert "docs/audit/README.md" in text and "90 days" in text
