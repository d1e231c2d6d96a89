#!/bin/bash
# Manual fault run on loopback: a private PostgreSQL cluster (5433), a
# private Redis (6380), an SMTP sink (1025), gunicorn (8010), a Celery
# worker and beat; a small load for 100 s; Redis stopped at t=15 for 30 s,
# PostgreSQL stopped at t=55 for 20 s; then the status codes per phase, the
# quotes saved and the e-mails the SMTP sink received.
# Usage (as root, on a machine with PostgreSQL 15 and redis-server):
#   ops/fault-run.sh "$PWD" /tmp/fault-run
# The load (ops/fault_load.py) writes per-second counts to OUT/load.json.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CODE=$1; OUT=$2; mkdir -p "$OUT"
cd "$CODE"
PY=$CODE/.venv/bin/python
if ! pg_lsclusters | grep -q "15 *fault"; then pg_createcluster 15 fault --port 5433 >/dev/null; fi
pg_ctlcluster --skip-systemctl-redirect 15 fault start 2>/dev/null
# A throw-away cluster on loopback: trust authentication.
sed -i -E 's/(scram-sha-256|md5|peer)$/trust/' /etc/postgresql/15/fault/pg_hba.conf
pg_ctlcluster --skip-systemctl-redirect 15 fault reload
for _ in $(seq 20); do pg_isready -q -h 127.0.0.1 -p 5433 && break; sleep 1; done
redis-server --daemonize yes --bind 127.0.0.1 --port 6380 --save "" --appendonly no
export DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=fault-run-secret-key-0123456789abcdefghijklmnopqrstuvwxyz
export ALLOWED_HOSTS=127.0.0.1,localhost DATABASE_URL=postgres://postgres@127.0.0.1:5433/plusquepro_fault
export REDIS_URL=redis://127.0.0.1:6380/0 EMAIL_URL=smtp://127.0.0.1:1025 SITE_URL=http://127.0.0.1:8010
export SECURE_SSL_REDIRECT=false QUOTE_RATE_PER_IP=100000/h QUOTE_RATE_PER_USER=100000/d
export MEDIA_ROOT=$OUT/media PRIVATE_MEDIA_ROOT=$OUT/private STATIC_ROOT=$OUT/static
psql -h 127.0.0.1 -p 5433 -U postgres -qc "drop database if exists plusquepro_fault" -c "create database plusquepro_fault"
$PY manage.py migrate --noinput >/dev/null && $PY manage.py load_professions >/dev/null && $PY manage.py load_places >/dev/null
DJANGO_SETTINGS_MODULE=config.settings.local $PY manage.py seed_demo --companies 200 >/dev/null 2>&1
$PY manage.py collectstatic --noinput >/dev/null
SLUG=$(psql -h 127.0.0.1 -p 5433 -U postgres -d plusquepro_fault -Atc "select slug from directory_company where status='listed' order by id limit 1")
$PY -m smtpd -n -c DebuggingServer 127.0.0.1:1025 > "$OUT/smtp.log" 2>/dev/null &
SMTP=$!
.venv/bin/gunicorn config.wsgi:application -c gunicorn.conf.py --bind 127.0.0.1:8010 > "$OUT/gunicorn.log" 2>&1 &
GUNI=$!
.venv/bin/celery -A config worker --loglevel=INFO --concurrency 2 > "$OUT/worker.log" 2>&1 &
WORKER=$!
.venv/bin/celery -A config beat --loglevel=INFO --schedule "$OUT/beat-schedule" > "$OUT/beat.log" 2>&1 &
BEAT=$!
sleep 8
$PY "$HERE/fault_load.py" 8010 100 "$OUT/load.json" "$SLUG" > "$OUT/load.txt" 2>&1 &
LOAD=$!
sleep 15; echo "t=15 redis down"; redis-cli -p 6380 shutdown nosave >/dev/null 2>&1
sleep 30; echo "t=45 redis up"; redis-server --daemonize yes --bind 127.0.0.1 --port 6380 --save "" --appendonly no
sleep 10; echo "t=55 postgres down"; pg_ctlcluster --skip-systemctl-redirect 15 fault stop -m fast
sleep 20; echo "t=75 postgres up"; pg_ctlcluster --skip-systemctl-redirect 15 fault start
wait $LOAD
echo "load done; waiting 120 s for e-mails"; sleep 120
cat "$OUT/load.txt"
$PY - "$OUT/load.json" <<'PHASES'
import json, sys
from collections import Counter
data = json.load(open(sys.argv[1]))
for name, (a, b) in {"normal": (0, 15), "Redis down": (15, 45), "Redis back": (45, 55),
                     "PostgreSQL down": (55, 75), "PostgreSQL back": (75, 101)}.items():
    codes = Counter()
    for second, counts in data["per_second"].items():
        if a <= int(second) < b:
            codes.update(counts)
    quotes = Counter(status for t, _email, status in data["quotes"] if a <= t < b)
    print(f"{name:16} {dict(codes)}  quote POSTs {dict(quotes)}")
PHASES
echo "quotes saved: $(psql -h 127.0.0.1 -p 5433 -U postgres -d plusquepro_fault -Atc "select count(*) from directory_quoterequest")"
echo "e-mails delivered to the SMTP sink: $(grep -c '^---------- MESSAGE FOLLOWS' "$OUT/smtp.log"), to $(grep -o 'To: fault[0-9]*@example.org' "$OUT/smtp.log" | sort -u | wc -l) distinct quote requesters"
echo "tracebacks in gunicorn log: $(grep -c '^Traceback' "$OUT/gunicorn.log"), lines: $(wc -l < "$OUT/gunicorn.log")"
echo "tracebacks in worker log: $(grep -c '^Traceback' "$OUT/worker.log")"
kill $GUNI $WORKER $BEAT $SMTP 2>/dev/null; sleep 2
redis-cli -p 6380 shutdown nosave >/dev/null 2>&1
pg_ctlcluster --skip-systemctl-redirect 15 fault stop -m fast
