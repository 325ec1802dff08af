# SpeechAI. `make run` starts everything on http://localhost:$(SPEECHAI_PORT); `make test` runs
# every test from a clean checkout; `make bench` runs the benchmarks of BENCHMARKS.md.
SHELL := /bin/bash
SPEECHAI_PORT ?= 8000
PG_PORT ?= 54329
STATE := $(CURDIR)/var

.PHONY: run stop test fuzz fuzz-parsers fuzz-api bench build deps clean key

run: deps build
	@mkdir -p $(STATE)
	@if [ -f $(STATE)/run/fcgi.pid ] && kill -0 $$(cat $(STATE)/run/fcgi.pid) 2>/dev/null; then \
		echo "run: already running (make stop first)"; exit 1; fi
	@BIN_DIR=$(CURDIR)/.build/release HTTP_PORT=$(SPEECHAI_PORT) PG_PORT=$(PG_PORT) SPEECHAI_DISPATCHER=1 scripts/stack.sh start $(STATE)
	@echo
	@echo "SpeechAI is running:"
	@echo "  API          http://localhost:$(SPEECHAI_PORT)/"
	@echo "  health       http://localhost:$(SPEECHAI_PORT)/health"
	@echo "  pool status  http://localhost:$(SPEECHAI_PORT)/internal/status?full"
	@echo "  OpenAPI      http://localhost:$(SPEECHAI_PORT)/openapi.json"
	@echo "  database     $$(BIN_DIR= PG_PORT=$(PG_PORT) scripts/stack.sh database-url $(STATE))"
	@echo "  admin key    $$(BIN_DIR=$(CURDIR)/.build/release HTTP_PORT=$(SPEECHAI_PORT) PG_PORT=$(PG_PORT) scripts/stack.sh admin-key $(STATE))  (saved in var/admin-key)"
	@echo "  try          curl -H \"Authorization: Bearer \$$(cat var/admin-key)\" http://localhost:$(SPEECHAI_PORT)/api/v1/accounts"
	@echo "  dispatcher   a pass every second, calls through the simulator (log: $(STATE)/log/dispatcher.log)"
	@echo "  logs         $(STATE)/log/"
	@echo "Stop with: make stop"

# A key for the `make run` stack: `make key ACCOUNT=retail_express`, or an admin key without ACCOUNT.
key:
	@$(CURDIR)/.build/release/speechai keys create $(if $(ACCOUNT),--account $(ACCOUNT),--admin)

stop:
	@scripts/stack.sh stop $(STATE)
	@echo "stopped"

test: deps
	@scripts/test.sh

# Long runs of both fuzzers: libFuzzer over the parsers (scripts/fuzz.sh; FUZZ_SECONDS per harness,
# default 300), then the OpenAPI document against the server with many more generated requests per
# operation than make test sends (Tests/e2e/test_schemathesis.py; FUZZ_EXAMPLES, default 200).
fuzz: fuzz-parsers fuzz-api

fuzz-parsers: deps
	@scripts/fuzz.sh $${FUZZ_SECONDS:-300}

fuzz-api: deps
	@SKIP_UNIT=1 SKIP_FUZZ=1 SCHEMATHESIS_EXAMPLES=$${FUZZ_EXAMPLES:-200} E2E_ARGS="-s Tests/e2e/test_schemathesis.py" scripts/test.sh

bench: deps build
	@bench/bench.py

build:
	swift build -c release

deps:
	@scripts/deps.sh

clean: stop
	rm -rf .build var
