"""The JSON API's CPU per request: today's django-ninja app against the hand-written views
it replaced, in one run, on the list and notify endpoints.

    python -m bench.api_cost [--baseline 3594f9b] [--requests 300] [--rounds 5]

With the server's environment (DATABASE_URL: SQLite by default, PostgreSQL when set).
The baseline is the old `notifications/api.py`, read from git at `--baseline` and routed
at /api/ in a URLconf of its own; both go through Django's full middleware stack with
the test client, interleaved round by round, so the machine's load hits both alike. One
user (`apicost`) with 25 messages is listed (`GET /api/notifications/`, 25 rows); notify
(`POST /api/notify/`, the service token) adds one message per request through the
batching writer. Prints one JSON line per endpoint and implementation: CPU µs per
request (process time, the writer's thread included), median over rounds, and requests/s.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

SERVICE = "api-cost-service-token"


def _baseline_urlconf(rev: str) -> str:
    """A URLconf module serving the old views at /api/, from git revision `rev`."""
    from django.urls import include, path

    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(
        ["git", "show", f"{rev}:notifications/api.py"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    old = types.ModuleType("bench_api_baseline")
    exec(compile(source, f"{rev}:notifications/api.py", "exec"), old.__dict__)
    patterns = [
        path("notifications/", old.message_list, name="list"),
        path("notify/", old.notify, name="notify"),
        path("notify/jobs/<int:job_id>/", old.notify_job, name="notify_job"),
    ]
    conf = types.ModuleType("bench_api_baseline_urls")
    conf.urlpatterns = [path("api/", include((patterns, "api")))]
    sys.modules[conf.__name__] = conf
    return conf.__name__


def _setup():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from accounts.services import create_token
    from notifications.models import Message

    user, _ = get_user_model().objects.get_or_create(
        username="apicost", defaults={"password": make_password(None)}
    )
    Message.objects.filter(recipient=user).delete()
    Message.objects.bulk_create(Message(recipient=user, text=f"bench {i}") for i in range(25))
    return user, create_token(user=user, name="api-cost")[1]


def _measure(client, request, count: int) -> tuple[float, float]:
    """(CPU µs per request, requests per second) for `count` calls of `request`."""
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(count):
        response = request(client, i)
        if response.status_code >= 300:
            raise SystemExit(f"{response.status_code}: {response.content[:200]!r}")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / count * 1e6, count / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="3594f9b", help="git revision of the old views")
    parser.add_argument("--requests", type=int, default=300, help="per round and endpoint")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault("SECRET_KEY", "bench-api-cost-" + "x" * 40)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)
    _user, token = _setup()
    confs = {"views (old)": _baseline_urlconf(args.baseline), "ninja (new)": "project.urls"}
    user_auth = {"Authorization": f"Bearer {token}"}
    service_auth = {"Authorization": f"Bearer {SERVICE}"}
    endpoints = {
        "list": lambda c, i: c.get("/api/notifications/", headers=user_auth),
        "notify": lambda c, i: c.post(
            "/api/notify/",
            json.dumps({"user": "apicost", "text": f"bench {i}"}),
            content_type="application/json",
            headers=service_auth,
        ),
    }
    client = Client(HTTP_HOST="localhost")
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with override_settings(NOTIFY_SERVICE_TOKEN=SERVICE, ALLOWED_HOSTS=["localhost"]):
        for round_ in range(args.rounds + 1):  # round 0 warms both up
            for name, request in endpoints.items():
                for impl, conf in confs.items():
                    with override_settings(ROOT_URLCONF=conf):
                        got = _measure(client, request, args.requests if round_ else 20)
                    if round_:
                        results.setdefault((name, impl), []).append(got)
    for (name, impl), runs in results.items():
        print(
            json.dumps(
                {
                    "endpoint": name,
                    "impl": impl,
                    "cpu_us_per_request": round(statistics.median(r[0] for r in runs)),
                    "requests_per_s": round(statistics.median(r[1] for r in runs)),
                    "rounds": len(runs),
                    "requests_per_round": args.requests,
                }
            )
        )


if __name__ == "__main__":
    main()
