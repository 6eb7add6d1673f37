# Bulwark. Every target installs what it needs first, from PyPI and npm only, and skips what is
# installed already. Quick start: `make demo` (the main job) and `make test`.

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin

# Native anvil/forge and the pinned solc (.toolchain/bin, see bulwark/toolchain.py), and the virtual environment come first on PATH.
export PATH := $(CURDIR)/.toolchain/bin:$(CURDIR)/node_modules/.bin:$(BIN):$(PATH)
# Ape treats a project inside the system temp dir as its own scratch copy: it compiles in place and
# leaves dependency sources in contracts/.cache, after which it finds "nothing to compile". Clean
# clones often live under /tmp, so Ape's scratch space is kept inside the project instead.
export TMPDIR := $(CURDIR)/.toolchain/tmp
# py-solc-x (so ape-solidity) finds the pinned solc in this checkout's own folder, never the user-wide
# ~/.solcx: two checkouts side by side each keep theirs (bulwark/toolchain.py).
export SOLCX_BINARY_PATH := $(CURDIR)/.toolchain/solcx
# Hypothesis profile: ci (default, bounded) or deep (long campaigns); see README.
export BULWARK_HYPOTHESIS_PROFILE ?= ci

# Extra arguments for pytest, e.g. make test ARGS="-k pause -x"
ARGS ?=
# A JUnit XML report of the test run, e.g. make test JUNIT_XML=.toolchain/reports/junit.xml (CI does)
JUNIT_XML ?=
# Where bench and gas figures go (JSON; gitignored with the rest of .toolchain/)
REPORTS := $(CURDIR)/.toolchain/reports

.PHONY: install toolchain test demo lint bench gas-check gas-snapshot fuzz mutate clean

install: toolchain

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json .npmrc
	# Not `npm ci`: the registry these machines reach lacks the other platforms' optional Foundry
	# binaries, which `npm ci` then reports as missing from the lock. This installs the locked versions.
	npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

# Always checked (it takes well under a second when everything is in place), so a removed
# .toolchain/ or a moved checkout is repaired on the next run.
toolchain: $(VENV)/.installed node_modules/.installed
	@mkdir -p $(TMPDIR)
	@$(BIN)/python -m bulwark.toolchain

test: toolchain
	$(BIN)/ape test $(if $(JUNIT_XML),--junitxml=$(JUNIT_XML)) $(ARGS)

demo: toolchain
	$(BIN)/bulwark demo

# All four gas benchmarks on one Anvil, then the lane table (raw RPC, Anvil lane, revm lane, Ape): the
# tables only (no framework log lines), and the figures as JSON in $(REPORTS).
bench: toolchain
	@$(BIN)/bulwark bench gas --json $(REPORTS)/bench-gas.json
	@$(BIN)/bulwark bench lane --out $(REPORTS)/bench-lane.json

# The gas of every benchmarked function against the committed gas-snapshot.json: a rise beyond its
# tolerance fails (old, new, %), improvements are reported; `make gas-snapshot` rewrites the file.
gas-check: toolchain
	$(BIN)/bulwark bench gas --check gas-snapshot.json --json $(REPORTS)/bench-gas.json

gas-snapshot: toolchain
	$(BIN)/bulwark bench gas --update-snapshot gas-snapshot.json --json $(REPORTS)/bench-gas.json

# An invariant campaign on all cores (docs/FUZZING.md), e.g. make fuzz MINUTES=30 FUZZ_ARGS="--machine engine"
MINUTES ?= 5
FUZZ_ARGS ?=
fuzz: toolchain
	$(BIN)/bulwark fuzz --minutes $(MINUTES) $(FUZZ_ARGS)

# The mutation score (docs/MUTATION.md); MUTANTS=name1,name2 chooses.
MUTANTS ?=
mutate: toolchain
	$(BIN)/bulwark mutate $(if $(MUTANTS),--mutants $(MUTANTS))

lint: toolchain
	$(BIN)/ruff check bulwark tests scripts
	$(BIN)/ruff format --check bulwark tests scripts
	forge fmt --check contracts
	forge build --quiet
	$(BIN)/slither . --config-file slither.config.json

clean:
	rm -rf .build .toolchain crytic-export .hypothesis
