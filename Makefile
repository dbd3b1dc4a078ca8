# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test faults probe fuzz lint migrate demo worker beat messages bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/pytest

# The fault suite (needs PostgreSQL and redis-server): Redis, the worker, SMTP and PostgreSQL
# connections fail under real processes; every side effect must still happen once.
faults: $(STAMP)
	$(BIN)/pytest -m faults

# The role matrix: every URL pattern x every role, POSTs on others' objects; prints its figures.
probe: $(STAMP)
	$(BIN)/pytest -m probe

# The fuzz suite, long (CI runs it with a few dozen examples per role: FUZZ_PROFILE=ci).
fuzz: $(STAMP)
	FUZZ_PROFILE=long $(BIN)/pytest -m fuzz

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: $(STAMP)
	$(BIN)/python manage.py load_demo

worker: $(STAMP)
	$(BIN)/celery -A portal worker -l info -Q default,screening,mail

beat: $(STAMP)
	$(BIN)/celery -A portal beat -l info

# Needs GNU gettext; the compiled catalogues are committed so that `make run` does not.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=static/vendor --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
