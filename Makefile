# The two commands: `make run` and `make test`. Everything else is a step they share.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

# `make run PROFILE=scale`: PostgreSQL, Redis, RabbitMQ, Rasa replicas behind nginx. All its
# processes must share one SECRET_KEY: kept in var/secret_key unless given.
PROFILE ?= embedded
ifeq ($(PROFILE),scale)
SECRET_KEY ?= $(shell mkdir -p var && ( [ -s var/secret_key ] || ( umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > var/secret_key ) ) && cat var/secret_key)
export SECRET_KEY
endif

.PHONY: help run test bootstrap install db model lint typecheck system-deps clean

help:
	@echo "make run   - install, migrate + seed the CRM, train if stale, start everything"
	@echo "make test  - the same bootstrap, then the whole test suite"

$(STAMP): requirements.txt
	@PY310=$$(scripts/find-python310.sh) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
	  echo "Creating $(VENV) with $$PY310"; rm -rf $(VENV); $$PY310 -m venv $(VENV); fi
	@echo "Installing pinned requirements (first time: a few minutes) ..."
	@$(PY) -m pip install -q --disable-pip-version-check pip==24.2
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@$(PY) -m pip check
	@touch $(STAMP)

install: $(STAMP)

db: install
ifeq ($(PROFILE),scale)
	@$(PY) -m bot.scale_admin
else
	@$(PY) -m crm_backend.migrate
	@$(PY) -m crm_backend.seed
	@$(PY) -m crm_backend.importer online-retail --skip-missing
	@$(PY) -m crm_backend.ml.segmentation refresh --if-changed
endif
	@$(PY) -m crm_backend.ml ensure $(if $(CI),--no-progress,)

model: install
	@$(PY) -m bot.train

bootstrap: install db model

run: bootstrap
ifeq ($(PROFILE),scale)
	@scripts/system-deps.sh --scale
endif
	@$(PY) -m bot.run

system-deps:
	@scripts/system-deps.sh --browser --scale

lint: install
	@$(VENV)/bin/ruff check .

typecheck: install
	@$(VENV)/bin/mypy

test: bootstrap system-deps lint typecheck
	@$(VENV)/bin/pytest

clean:
	rm -rf var models .pytest_cache .mypy_cache .ruff_cache
