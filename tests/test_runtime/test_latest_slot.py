# Copyright (c) mmgrasp contributors. All rights reserved.
"""LatestSlot: a newer item replaces an unread one (counted), waits end on timeout, stop or
close."""
import threading
import time
from queue import Empty

import pytest

from mmgrasp.runtime.latest_slot import LatestSlot, SlotClosed


def _later(seconds, fn, *args):
    timer = threading.Timer(seconds, fn, args)
    timer.start()
    return timer


def test_put_replaces_the_unread_item_and_counts_it():
    slot = LatestSlot('frames')
    assert slot.put(1) is False
    assert slot.put(2) is True and slot.put(3) is True
    assert (slot.puts, slot.dropped, slot.full) == (3, 2, True)
    assert slot.get() == 3
    assert (slot.gets, slot.full) == (1, False)
    assert slot.put(4) is False  # read in between: nothing dropped
    assert slot.dropped == 2


def test_get_times_out():
    slot = LatestSlot()
    start = time.perf_counter()
    with pytest.raises(Empty):
        slot.get(timeout=0.1)
    assert 0.09 <= time.perf_counter() - start < 1.5


def test_a_stop_event_ends_a_waiting_get_and_wins_over_an_item():
    slot, stop = LatestSlot(), threading.Event()
    _later(0.1, stop.set)
    start = time.perf_counter()
    with pytest.raises(SlotClosed, match='stopped'):
        slot.get(stop=stop)
    assert time.perf_counter() - start < 0.5
    slot.put('late')
    with pytest.raises(SlotClosed):  # stop is obeyed even with an unread item
        slot.get(stop=stop)


def test_close_wakes_a_waiting_get_and_drains_the_last_item():
    slot = LatestSlot()
    _later(0.1, slot.close)
    with pytest.raises(SlotClosed, match='closed'):
        slot.get()
    drained = LatestSlot()
    drained.put('last')
    drained.close()
    assert drained.get() == 'last'
    with pytest.raises(SlotClosed):
        drained.get()
    with pytest.raises(SlotClosed):
        drained.put('after the end')
    discarded = LatestSlot()
    discarded.put('unread')
    discarded.close(drain=False)
    with pytest.raises(SlotClosed):
        discarded.get()


def test_a_blocking_put_waits_for_the_reader_and_drops_nothing():
    slot = LatestSlot()
    slot.put('first')
    _later(0.15, slot.get)
    start = time.perf_counter()
    assert slot.put('second', block=True) is False
    assert time.perf_counter() - start >= 0.1
    assert slot.dropped == 0 and slot.get() == 'second'
    slot.put('third')
    with pytest.raises(Empty):
        slot.put('fourth', block=True, timeout=0.05)
    _later(0.05, slot.get)
    slot.wait_empty(timeout=1.0)
    assert not slot.full


def test_a_slow_reader_sees_the_newest_items_in_order_and_everything_is_counted():
    """1000 puts against a reader 100x slower: every item is either read or dropped, the
    reader never sees an item older than the last one it saw, and it sees the final item."""
    slot = LatestSlot()
    seen = []

    def read():
        while True:
            try:
                seen.append(slot.get())
            except SlotClosed:
                return
            time.sleep(0.002)

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(1000):
        slot.put(i)
        if i % 50 == 0:
            time.sleep(0.001)
    slot.close()
    reader.join(5)
    assert not reader.is_alive()
    assert len(seen) + slot.dropped == 1000 == slot.puts
    assert seen == sorted(set(seen)) and seen[-1] == 999
    assert slot.dropped > 500
