# Two commands set everything up on a fresh machine with Python 3.11:
#   make run    the site with demo data on http://127.0.0.1:8000
#   make test   lint (ruff, import contracts), type check, migrations check and the whole test suite
#   make mutation  a bounded mutation-testing pass on the review rules (not part of make test)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEMO_COMPANIES ?= 2000
BENCH_COMPANIES ?= 1000000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/plusquepro_bench
BENCH_REVIEWS ?= 2000000
BENCH_LOYALTY_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/plusquepro_loyalty_bench
BENCH_LOYALTY_COMPANIES ?= 50000
BENCH_LOYALTY_SESSIONS ?= 5000000
BENCH_PROSPECTS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/plusquepro_prospects_bench
BENCH_PROSPECTS ?= 200000
BENCH_INTERACTIONS ?= 2000000
BENCH_NIGHTLY_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/plusquepro_nightly_bench
# The demo shows what visitors see: the site's own 404, 410 and 500 pages,
# not Django's debug page listing every URL (static files are then served
# by WhiteNoise from the app folders, config/settings/local.py). Set
# DEMO_ENV= (empty) to debug with DEBUG on.
DEMO_ENV ?= DEBUG=false

.PHONY: install run test lint typecheck format messages bench-search bench-api bench-http bench-loyalty bench-prospects bench-nightly mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_professions
	$(BIN)/python manage.py load_places --if-empty
	$(BIN)/python manage.py seed_demo --companies $(DEMO_COMPANIES)
	$(BIN)/python manage.py seed_demo_reviews
	$(BIN)/python manage.py seed_demo_sessions
	$(BIN)/python manage.py seed_demo_partner
	$(BIN)/python manage.py seed_demo_prospects
	$(BIN)/python manage.py seed_demo_checks
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# mypy --strict on the packages listed in pyproject.toml ([tool.mypy] files);
# the rest of the project is the next step (README, "Types").
typecheck: install
	$(BIN)/mypy --strict

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite runs in one process per CPU (pytest-xdist; each has its own
# test database, media folders and Redis cache database). PYTEST_WORKERS=0
# runs it in this process.
PYTEST_WORKERS ?= auto
test: lint typecheck
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# French catalogue: extract strings, then compile (both go in the repo).
messages: install
	$(BIN)/python manage.py makemessages --locale fr --locale en --ignore ".venv/*" --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

# Fills a separate PostgreSQL database with BENCH_COMPANIES listed companies
# and prints p50/p95 timings of the search service, the page and bare SQL.
bench-search: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench_search --companies $(BENCH_COMPANIES)

# On bench-search's database (filled if missing), adds BENCH_REVIEWS
# published reviews by COPY (kept for the next run), then prints p50/p95 of
# the partner API's searches, company profiles and review feed (page 1 and
# page 1,000 through the cursor) through the WSGI stack with a real key,
# beside the bare SQL of each request, and the targets met or missed
# (reviews/bench.py). REDIS_URL, when set, counts the rate limits in Redis.
bench-api: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench_api \
		--companies $(BENCH_COMPANIES) --reviews $(BENCH_REVIEWS)

# On bench-search's database (run that first: this one never fills it),
# serves the site as deployed (gunicorn -c gunicorn.conf.py, production
# settings, loopback; REDIS_URL passed through when set) and loads
# robots.txt (the ceiling), the home page, three searches, a company page
# and the API's search with wrk (Debian's package, installed if missing),
# BENCH_HTTP_DURATION seconds at each of BENCH_HTTP_CONNECTIONS; prints
# req/s, p50/p95/p99, errors and the targets met or missed
# (directory/bench/http.py).
BENCH_HTTP_DURATION ?= 30
BENCH_HTTP_CONNECTIONS ?= 10,50
bench-http: install
	command -v wrk >/dev/null || apt-get install -y -qq wrk
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench_http \
		--duration $(BENCH_HTTP_DURATION) --connections $(BENCH_HTTP_CONNECTIONS)

# Fills another PostgreSQL database with companies and their completed
# sessions (by COPY; kept for the next run), then prints the time of the
# nightly loyalty recompute beside a bare aggregate scan of the same
# sessions, their ratio and the peak RSS of the process that measures (a
# fresh one, not the one that filled) (loyalty/bench.py).
bench-loyalty: install
	DATABASE_URL=$(BENCH_LOYALTY_DATABASE_URL) $(BIN)/python manage.py bench_loyalty \
		--companies $(BENCH_LOYALTY_COMPANIES) --sessions $(BENCH_LOYALTY_SESSIONS)

# Fills another PostgreSQL database with prospects, their interactions and
# stage events (by COPY; kept for the next run), then prints the time of the
# nightly prospect score (first night, next night, same night again) beside
# a bare aggregate scan of the same interactions, their ratio, the rows
# written and the peak RSS of the process that measures (a fresh one, not
# the one that filled) (prospects/bench.py).
bench-prospects: install
	DATABASE_URL=$(BENCH_PROSPECTS_DATABASE_URL) $(BIN)/python manage.py bench_prospects \
		--prospects $(BENCH_PROSPECTS) --interactions $(BENCH_INTERACTIONS)

# Fills another PostgreSQL database at production size: BENCH_COMPANIES
# companies, BENCH_REVIEWS reviews, BENCH_LOYALTY_SESSIONS sessions of
# BENCH_LOYALTY_COMPANIES companies, BENCH_PROSPECTS prospects with
# BENCH_INTERACTIONS interactions (by COPY, with the other benchmarks'
# fillers; kept for the next run), then runs the nightly chain as
# `manage.py nightly` does, in a fresh process, from a first night (no
# audit, loyalty or prospect figure yet), and prints each step's time, rows
# read and changed and peak RSS beside a bare aggregate scan of the tables
# it reads (its floor), their ratio and the targets met or missed
# (prospects/bench_nightly.py).
bench-nightly: install
	DATABASE_URL=$(BENCH_NIGHTLY_DATABASE_URL) $(BIN)/python manage.py bench_nightly \
		--companies $(BENCH_COMPANIES) --reviews $(BENCH_REVIEWS) \
		--sessions $(BENCH_LOYALTY_SESSIONS) --session-companies $(BENCH_LOYALTY_COMPANIES) \
		--prospects $(BENCH_PROSPECTS) --interactions $(BENCH_INTERACTIONS)

# A bounded mutation-testing pass (mutmut 3, [tool.mutmut] in pyproject.toml)
# on the rules of the reviews app: every mutant of the functions below is
# run against the tests that call it; prints killed / survived per module
# and each mutant not killed (`$(BIN)/mutmut show NAME` shows its change).
# Starts afresh in mutants/ (ignored by git). Not part of `make test`: about
# 550 mutants, each running the tests that call its function (SQLite, no
# migrations); 0.15 to 0.25 mutants a second on 2 busy cores, so about an
# hour. `make mutation MUTATION_SCOPE=reviews.services.sanctions.x_*` runs
# one module.
MUTATION_CHILDREN ?= 2
MUTATION_SCOPE ?= \
	reviews.text_checks.x_* \
	reviews.services.invitations.x_* \
	reviews.services.sanctions.x_* \
	reviews.services.ledger.x_canonical__* reviews.services.ledger.x_entry_hash__* \
	reviews.services.ledger.x_digest__* reviews.services.ledger.x_iso__* \
	reviews.services.ledger.x_chain_check__* reviews.services.ledger.x_chains_check__* \
	reviews.services.ledger.x_chains_verify__* reviews.services.ledger.x_log_break__* \
	reviews.services.audits.x__weight__* reviews.services.audits.x__having_at_least__* \
	reviews.services.audits.x_fraud_signals__* reviews.services.audits.x_fraud_scores_refresh__* \
	reviews.services.audits.x_audits_run__*

mutation: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,mutation]"
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(foreach s,$(MUTATION_SCOPE),'$(s)')
	$(BIN)/python ops/mutation_summary.py $(foreach s,$(MUTATION_SCOPE),'$(s)')
