"""Apps depend one way (docs/architecture.md): each may import only the apps listed here."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = [
    "live",
    "sqlreads",
    "workers",
    "accounts",
    "notifications",
    "snooze",
    "search",
    "threads",
    "fanout",
    "userdata",
    "inbox",
    "offline",
    "uploads",
    "webhooks",
    "consumers",
    "outbound",
    "api",
    "project",
    "harness",
    "bench",
]
# Lower layers first; an app imports only apps to its left in this table.
ALLOWED = {
    # The live transport (the channel layer's one door: layers, send, the watch's probe):
    # the ground floor, which knows no Message and imports none of ours.
    "live": set(),
    # Plain SQL from models' metadata, reads and writes (Django's connections, none of our
    # models: callers pass theirs in).
    "sqlreads": set(),
    # How work runs away from a request: the writer's thread, the periodic commands' loop.
    "workers": set(),
    "accounts": {"sqlreads"},
    "notifications": {"accounts", "live", "sqlreads", "workers"},
    # The rooms above the messages, each one job, none imported by notifications: snooze
    # (its clock and command), search (a day's bounds in the user's zone: snooze.times),
    # threads (follow, mute, a key's followers, action clicks), large fan-outs as jobs, a
    # user's data exported or erased.
    "snooze": {"live", "notifications", "workers"},
    "search": {"notifications", "snooze"},
    "threads": {"live", "notifications"},
    "fanout": {"notifications", "workers"},
    "userdata": {"live", "notifications"},
    # The inbox the user reads in the browser (its pages, forms, the toast stack): an
    # adapter over the services and selectors of the apps below, which send; only the
    # project imports it.
    "inbox": {"accounts", "notifications", "snooze", "search", "threads", "userdata"},
    # What reaches a user with no tab open (Web Push, the email digest): reads messages and
    # preferences, listens to notifications' events and adds to a user's export (userdata);
    # notifications never imports it.
    "offline": {"accounts", "notifications", "userdata", "workers"},
    "uploads": {"notifications"},
    # sqlreads: the SNS job handler's statements (webhooks/batch.py).
    "webhooks": {"notifications", "sqlreads", "uploads"},
    "consumers": {"accounts", "live", "notifications", "sqlreads"},
    # Listens to the writers' lifecycle events (notifications/events.py); nothing imports it
    # but the project. offline: Web Push's public-addresses-only connections
    # (offline/webpush/network.py) guard its POSTs too.
    "outbound": {"notifications", "offline", "workers"},
    # The JSON API (django-ninja): an adapter over accounts' authentication and the
    # notifications services and selectors; nothing imports it but the project's URLs.
    # live: an event stream's client frame is handed to its channel (api/streams.py).
    "api": {
        "accounts",
        "live",
        "notifications",
        "snooze",
        "search",
        "threads",
        "fanout",
        "userdata",
        "consumers",
    },
    "project": {
        "live",
        "accounts",
        "notifications",
        "snooze",
        "inbox",
        "offline",
        "uploads",
        "webhooks",
        "consumers",
        "outbound",
        "api",
    },
    # Process plumbing for the load tool and the tests (server processes, ports, a Redis):
    # it starts the product from outside and imports none of it.
    "harness": set(),
    # The load tool drives the product from outside; it never imports the test suite.
    # webhooks: bench/writer.py times the SNS job handler itself (the write path alone).
    # live: bench/layers.py times the layer backends, bench/fanout.py the fan-out's sends.
    # workers: bench/hop.py times the writer thread's hop.
    "bench": {"accounts", "live", "workers", "notifications", "webhooks", "project", "harness"},
}


def imported_apps(app: str) -> dict[str, set[str]]:
    """{other app: the files of `app` that import it}, migrations aside."""
    found: dict[str, set[str]] = {}
    for path in (REPO / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top != app and (top in APPS or top == "tests"):
                    found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_below_it(app: str) -> None:
    forbidden = {
        other: sorted(files)
        for other, files in imported_apps(app).items()
        if other not in ALLOWED[app]
    }
    assert forbidden == {}


def test_the_allowed_graph_has_no_cycle() -> None:
    def reaches(start: str, target: str, seen: frozenset = frozenset()) -> bool:
        return any(
            nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt}))
            for nxt in ALLOWED[start]
        )

    assert [app for app in APPS if reaches(app, app)] == []


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports (absolute imports), as dotted names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


# Modules that authenticate, parse, call one service or selector, and map the result.
ADAPTERS = [
    "consumers",
    "api",
    "webhooks/views.py",
    "webhooks/asgi.py",
    "webhooks/outcomes.py",
    "inbox",
    "notifications/admin.py",
    "notifications/management",
    "snooze/management",
    "fanout/management",
    "userdata/admin.py",
    "offline/views.py",
    "offline/webpush/views.py",
    "offline/admin.py",
    "offline/management",
    "webhooks/admin.py",
    "webhooks/management",
]
# The writers behind notifications.services' door.
WRITERS = {"notifications.writer", "notifications.bulk"}
# The only product modules that may import them, each with why: every other module
# writes through the door.
WRITERS_BEHIND_THE_DOOR = {
    "notifications/services": "the door itself",
    "notifications/bulk.py": "the batched writes",
    "notifications/writer.py": "the batching writer",
    # Fans a thread's message out to its followers with bulk.fan_out: a writer.
    "threads/services.py": "a writer",
    # The SNS webhook's job handler for the batching writer, and the specs it resolves.
    "webhooks/batch.py": "a writer job handler",
    "webhooks/notify.py": "the SNS job handler's specs",
}


def test_only_writers_import_the_writers_behind_the_services_door() -> None:
    importers = set()
    for app in APPS:
        if app in {"bench", "harness"}:  # drive the product from outside (bench times it)
            continue
        for path in (REPO / app).rglob("*.py"):
            if "migrations" not in path.parts and WRITERS & imported_modules(path):
                importers.add(str(path.relative_to(REPO)))
    allowed = {
        path
        for path in importers
        if any(path == door or path.startswith(f"{door}/") for door in WRITERS_BEHIND_THE_DOOR)
    }
    assert "notifications/services/batched.py" in importers  # the test sees imports at all
    assert importers - allowed == set()


@pytest.mark.parametrize(
    ("files", "forbidden"),
    [
        # The SNS webhook writes through notifications' writers and services, which send
        # after commit; it never talks to the layer itself.
        ("webhooks", "live"),
        # The two SNS entry points share webhooks/outcomes.py; neither imports the other.
        ("webhooks/asgi.py", "webhooks.views"),
        # Adapters write through notifications.services, the one door (ack, notify_one,
        # submit), never through the writers behind it.
        *((adapter, writer) for adapter in ADAPTERS for writer in sorted(WRITERS)),
    ],
)
def test_a_module_keeps_out_of_a_door_not_its_own(files: str, forbidden: str) -> None:
    paths = [REPO / files] if files.endswith(".py") else sorted((REPO / files).rglob("*.py"))
    offenders = sorted(
        str(path.relative_to(REPO))
        for path in paths
        if "migrations" not in path.parts and forbidden in imported_modules(path)
    )
    assert offenders == []


# The channel layer's one door is live/: the only product code that imports Channels' layer
# module (get_channel_layer, the layer classes) or channels-redis. Each exception, and why.
# Not an import, so not checked here: the socket's consumer joins and leaves its own group
# through the `self.channel_layer` Channels gives every consumer (consumers/notifications.py).
LAYER_MODULES = ("channels.layers", "channels_redis")
LAYER_DOOR_EXCEPTIONS = {
    # The floor: a bare Channels app with none of our code, what the product is measured
    # against (bench/floor/__init__.py).
    "bench/floor/asgi.py": "the floor measures Channels alone",
    # Times live.layers' LocalChannelLayer against Channels' own InMemoryChannelLayer.
    "bench/layers.py": "the baseline it compares with",
}


def test_only_live_imports_the_channel_layer() -> None:
    importers = set()
    for app in APPS:
        if app == "live":
            continue
        for path in (REPO / app).rglob("*.py"):
            imported = imported_modules(path)
            if "migrations" not in path.parts and any(
                module == door or module.startswith(f"{door}.")
                for module in imported
                for door in LAYER_MODULES
            ):
                importers.add(str(path.relative_to(REPO)))
    live_imports = {
        module for path in (REPO / "live").rglob("*.py") for module in imported_modules(path)
    }
    assert "channels.layers.get_channel_layer" in live_imports  # the test sees imports at all
    assert importers == set(LAYER_DOOR_EXCEPTIONS)
