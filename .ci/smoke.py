"""Production smoke test, run by .ci/run against gunicorn with DJANGO_DEBUG=0: the home page lists
the demo programmes, its static files resolve through the collectstatic manifest, security
headers are there and the admin login answers. Usage: python .ci/smoke.py http://127.0.0.1:8199/"""

import re
import sys
import time
import urllib.error
import urllib.request

BASE = sys.argv[1].rstrip("/")
assert BASE.startswith("http://127.0.0.1:"), "the smoke test only talks to a local server"
# Behind the production proxy every request arrives as HTTPS (SECURE_PROXY_SSL_HEADER).
HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "fr"}


def get(path):
    request = urllib.request.Request(BASE + path, headers=HEADERS)  # noqa: S310 — local http only, checked above
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, dict(response.headers), response.read().decode("utf-8", "replace")


def wait_until_up(deadline=90):
    stop = time.monotonic() + deadline
    while True:
        try:
            return get("/")
        # TimeoutError: a first answer slower than the read timeout (a cold worker on a busy
        # machine) is tried again until the deadline, like a server not yet listening.
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > stop:
                raise
            time.sleep(0.3)


status, headers, html = wait_until_up()
assert status == 200, status
for text in ("Paris Code", "Écoles du Web dans les quartiers", "POP School"):
    assert text in html, f"{text!r} missing from the home page"
assert "content-security-policy" in {k.lower() for k in headers}, "no CSP header"
assert "strict-transport-security" in {k.lower() for k in headers}, "no HSTS header"

assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
assert assets, "no static asset on the home page"
for asset in assets:
    assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", asset), f"{asset} is not a manifest (hashed) name"
    asset_status, asset_headers, _ = get(asset)
    assert asset_status == 200, (asset, asset_status)

status, _, html = get("/admin/login/")
assert status == 200 and "password" in html, "admin login page"
print(f"smoke test passed: home page, {len(assets)} static assets, admin login")
