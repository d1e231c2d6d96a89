"""Small load on a running site while faults are injected (ops/fault-run.sh):
four readers GET the search, home and company pages; one writer sends an
anonymous quote request every second (a write that queues an e-mail).
Writes per-second status counts and every quote POST to a JSON file.

Usage: fault_load.py PORT SECONDS OUT.json COMPANY_SLUG"""

import http.client
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlencode

HOST, PORT = "127.0.0.1", int(sys.argv[1])
DURATION = int(sys.argv[2])
OUT = sys.argv[3]
SLUG = sys.argv[4]
stats: dict[int, Counter] = {}
quotes: list[tuple[int, str, int]] = []
lock = threading.Lock()
start = time.monotonic()


def record(code):
    second = int(time.monotonic() - start)
    with lock:
        stats.setdefault(second, Counter())[code] += 1


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.getheaders(), data
    except Exception:
        return 0, [], b""
    finally:
        conn.close()


def reader():
    paths = [
        "/recherche/?q=electricien&ou=Lyon",
        "/recherche/?q=plombier&ou=Paris",
        "/recherche/?q=nounou",
        f"/entreprises/{SLUG}/",
        "/",
    ]
    while time.monotonic() - start < DURATION:
        status, _h, _d = request("GET", random.choice(paths))  # noqa: S311 (load, not secrets)
        record(status)
        time.sleep(0.05)


def writer():
    n = 0
    while time.monotonic() - start < DURATION:
        n += 1
        email = f"fault{n}@example.org"
        status, headers, data = request("GET", f"/entreprises/{SLUG}/devis/")
        cookie = ""
        for name, value in headers:
            if name.lower() == "set-cookie" and value.startswith("csrftoken="):
                cookie = value.split(";")[0]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        if not token or not cookie:
            record(status or 0)
            quotes.append((int(time.monotonic() - start), email, status or 0))
            time.sleep(1)
            continue
        form = {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "need": "Mise aux normes du tableau électrique d'un appartement de 70 m² à Lyon.",
            "postal_code": "69003",
            "city": "Lyon",
            "timeframe": "month",
            "budget": "1000-5000",
            "contact_preference": "email",
            "name": "Claire Client",
            "email": email,
            "email_confirmation": email,
            "phone": "",
            "website": "",
        }
        status, _h, _d = request(
            "POST",
            f"/entreprises/{SLUG}/devis/",
            urlencode(form),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Referer": f"http://{HOST}:{PORT}/entreprises/{SLUG}/devis/",
            },
        )
        record(status)
        quotes.append((int(time.monotonic() - start), email, status))
        time.sleep(1)


threads = [threading.Thread(target=reader) for _ in range(4)] + [threading.Thread(target=writer)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(OUT, "w") as f:
    json.dump({"per_second": {k: dict(v) for k, v in sorted(stats.items())}, "quotes": quotes}, f)
total = Counter()
for v in stats.values():
    total.update(v)
print("status codes:", dict(total))
print("quote POSTs:", Counter(s for _t, _e, s in quotes))
