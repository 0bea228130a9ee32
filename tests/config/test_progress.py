"""The one progress reporter of the bulk commands, and the collector pause they run under."""

import gc
from io import StringIO

import pytest

from config.gcpause import cyclic_gc_paused
from config.progress import Progress


def test_plain_lines_every_so_many_items_without_a_terminal():
    stream = StringIO()
    with Progress(unit="article", every=2, stream=stream) as progress:
        for _ in range(5):
            progress.step()
    assert stream.getvalue().splitlines() == ["processed 2 article(s)", "processed 4 article(s)"]


def test_a_step_of_many_items_crossing_a_mark_prints_once():
    stream = StringIO()
    progress = Progress(unit="task", every=1000, stream=stream)
    progress.step(999)
    progress.step(1500)
    assert stream.getvalue().splitlines() == ["processed 2,499 task(s)"]


def test_the_collector_is_paused_inside_and_restored_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
