"""project/gc_tuning.py: every full collection's pause is measured, freezer or not."""

import gc

from prometheus_client import REGISTRY

from project import gc_tuning


def full_collections() -> float:
    return REGISTRY.get_sample_value("server_gc_full_collection_seconds_count") or 0.0


def test_full_collections_are_timed_and_young_ones_are_not():
    gc_tuning.start()  # the tests run with the freezer off (tests/settings.py)
    assert gc_tuning.start() is False  # once per process
    assert gc.callbacks.count(gc_tuning._time_full) == 1
    before = full_collections()
    gc.collect(0)
    gc.collect(1)
    assert full_collections() == before
    gc.collect()
    assert full_collections() == before + 1
