# The two commands that matter: `make run` (the whole assistant) and `make test` (every test).
# Both bootstrap what they need: uv, the virtualenv, the spaCy link, the store and the model.

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
MODEL := models/assistant.tar.gz
# Training is repeatable only with a fixed hash seed (set order reaches the featurizers) and
# TensorFlow's oneDNN kernels off (their threaded sums round differently run to run).
REPRODUCIBLE := PYTHONHASHSEED=0 TF_ENABLE_ONEDNN_OPTS=0
TRAINING_DATA := config.yml domain.yml $(wildcard data/nlu/*.yml data/nlu/es/*.yml data/rules/*.yml data/stories/*.yml)

# No code path may phone home: telemetry and error reporting off for everything make starts.
export RASA_TELEMETRY_ENABLED := false
export SENTRY_DSN :=
export TF_CPP_MIN_LOG_LEVEL := 2
export HF_HUB_OFFLINE := 1

.PHONY: help lock install run run-scaled setup model test check lint typecheck nlu-check nlu-report bench bench-load profile eval clean

help: ## Show the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}'

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(BIN)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev
	$(BIN)/bot nlu link
	@touch $@

lock: | $(UV) ## Re-resolve uv.lock from scratch (an incremental re-lock drops TensorFlow's deps)
	rm -f uv.lock
	$(UV) lock
	@awk '/^name = "tensorflow"$$/,/^wheels/' uv.lock | grep -q tensorboard \
		|| { echo "uv.lock lost tensorflow's dependencies"; exit 1; }

install: $(BIN)/.installed ## Create the virtualenv from uv.lock (no network at run time)

# One clock for the whole demo: `bot setup` stamps the store with the same pinned moment that
# `bot run` answers at. BOT_NOW unset: the scenario's demo time; BOT_NOW= (empty): the real
# clock; BOT_NOW=<ISO time>: that moment.
PIN_CLOCK = BOT_NOW="$${BOT_NOW-$$($(BIN)/bot scenario demo-now)}"

setup: install ## Migrate the store and load the demo scenario if it is empty
	$(PIN_CLOCK) $(BIN)/bot setup

$(MODEL): $(TRAINING_DATA) $(BIN)/.installed
	$(REPRODUCIBLE) $(BIN)/rasa train --data data/nlu data/rules --domain domain.yml --config config.yml \
		--out models --fixed-model-name assistant
	@touch $@

model: $(MODEL) ## Train the model if it is missing or its training data changed

run: setup model $(HAPROXY) ## Run everything: chat + agent pages and API on :8080, Rasa :5005, actions :5055
	$(PIN_CLOCK) $(BIN)/bot run --model $(MODEL)

lint: install ## ruff
	$(BIN)/ruff check bot actions tests bench
	$(BIN)/ruff format --check bot actions tests bench

typecheck: install ## mypy on bot/ and actions/
	$(BIN)/mypy

check: lint typecheck nlu-check ## All static checks

nlu-check: install ## Training-data checks with file:line messages (no training)
	@status=0; \
	$(BIN)/rasa data validate --data data/nlu data/rules --domain domain.yml --config config.yml || status=1; \
	$(BIN)/bot nlu check --data data/nlu --domain domain.yml || status=1; \
	exit $$status

nlu-report: install ## Train NLU only, evaluate, compare with reports/nlu/baseline.json
	$(REPRODUCIBLE) $(BIN)/bot nlu report

bench: model ## Benchmark: per-message cost as a conversation grows (reports/bench/)
	$(BIN)/python bench/conversation_cost.py

chaos: model $(HAPROXY) ## Chaos run under load: kill an action server, cut the store, kill the ops service; counts losses
	$(BIN)/python bench/chaos.py --seconds 120 --members 8

bench-load: model $(HAPROXY) ## Throughput and latency vs a stock rasa init bot at 1/10/20/50 conversations (reports/bench/)
	$(BIN)/python bench/load.py

# py-spy comes from PyPI as a uv tool (a profiler, not a dependency of the product).
profile: model ## Flame graphs of the Rasa and action servers under load (reports/bench/flame-*.svg)
	$(BIN)/python bench/flame.py --py-spy "$$($(UV) tool run --from py-spy==0.4.3 which py-spy)"

# The local PostgreSQL and Redis unless BOT_TRACKER_* / BOT_REDIS_* say otherwise.
run-scaled: setup model $(HAPROXY) ## Like run, with 2 Rasa replicas behind HAProxy on PostgreSQL + Redis (docs/deployment.md)
	$(PIN_CLOCK) BOT_ACTIONS_URL=unused BOT_TRACKER_HOST="$${BOT_TRACKER_HOST:-127.0.0.1:5432}" \
	BOT_TRACKER_USER="$${BOT_TRACKER_USER-postgres}" BOT_TRACKER_PASSWORD="$${BOT_TRACKER_PASSWORD-}" \
	BOT_TRACKER_DB="$${BOT_TRACKER_DB:-assistant_trackers}" BOT_TRACKER_LOGIN_DB="$${BOT_TRACKER_LOGIN_DB:-test}" \
	BOT_REDIS_HOST="$${BOT_REDIS_HOST:-127.0.0.1}" BOT_REDIS_PORT="$${BOT_REDIS_PORT:-6379}" \
	BOT_REDIS_PREFIX="$${BOT_REDIS_PREFIX:-assistant}" \
	$(BIN)/bot run --model $(MODEL) --replicas $${REPLICAS:-2} --endpoints endpoints.production.yml

bench-flood: model ## One client floods the chat: another member's p95 with and without it (reports/bench/)
	$(BIN)/python bench/flood.py

eval: model ## NLU quality by tier (dev, frozen blind, fresh blind), reliability diagram in reports/nlu/
	$(BIN)/bot nlu eval
	$(BIN)/bot nlu tiers

# Debian's packages, installed once: Chromium for the browser tests (never a downloaded
# browser), HAProxy in front of the action servers (bot run) and the scaled-out replicas.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL = @command -v apt-get >/dev/null || { echo "install Debian's $(1) package"; exit 1; }; \
	$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(1)
CHROMIUM := /usr/bin/chromium
HAPROXY := /usr/sbin/haproxy
$(CHROMIUM):
	$(call APT_INSTALL,chromium)
$(HAPROXY):
	$(call APT_INSTALL,haproxy)

test: check model $(CHROMIUM) $(HAPROXY) ## Every test: static checks, store, CLI, actions, conversations, end to end
	$(BIN)/pytest -q -p no:cacheprovider

clean: ## Remove the virtualenv, models and local store
	rm -rf $(VENV) .tools models var .pytest_cache .mypy_cache .ruff_cache
	find reports -mindepth 1 ! -path reports/nlu ! -name baseline.json -delete 2>/dev/null || true
