# Copyright (c) mmgrasp contributors. All rights reserved.
"""A thread-safe mailbox of one item: a newer item replaces an unread one.

This is how a camera loop drops stale frames instead of queueing them: the camera thread
:meth:`~LatestSlot.put` s every frame and the model's thread :meth:`~LatestSlot.get` s whichever
frame is newest when it is ready for one. A frame that nobody read before the next one came is
counted in :attr:`~LatestSlot.dropped`, and the time a frame waits is at most one reader's cycle,
however slow the reader (a ``queue.Queue`` would grow and the latency with it).

A stage that must not lose items (a finished prediction) waits instead: :meth:`~LatestSlot.put`
with ``block=True`` waits for the slot to be read, and :meth:`~LatestSlot.wait_empty` lets
a producer start its next item only when the last one was taken.
"""
import threading
import time
from queue import Empty
from typing import Generic, Optional, TypeVar

T = TypeVar('T')

_NOTHING = object()
POLL_S = 0.05
"""Seconds between looks at a ``stop`` event while waiting (a ``Condition`` cannot wait on it)."""


class SlotClosed(Exception):
    """The slot was closed (end of stream) or a stop event was set."""


class LatestSlot(Generic[T]):
    """A single-slot mailbox, safe between threads.

    Args:
        name (str): Shown in messages. Defaults to ``'slot'``.

    Attributes:
        dropped (int): Items replaced before anyone read them.
        puts (int): Items put.
        gets (int): Items read.
    """

    def __init__(self, name: str = 'slot') -> None:
        self.name = name
        self._cond = threading.Condition()
        self._item = _NOTHING
        self._closed = False
        self.dropped = 0
        self.puts = 0
        self.gets = 0

    def __repr__(self) -> str:
        return (f'LatestSlot({self.name!r}, full={self.full}, closed={self._closed}, '
                f'puts={self.puts}, gets={self.gets}, dropped={self.dropped})')

    @property
    def full(self) -> bool:
        """An unread item is waiting."""
        return self._item is not _NOTHING

    @property
    def closed(self) -> bool:
        """:meth:`close` was called."""
        return self._closed

    def _wait(self, ready, timeout: Optional[float], stop: Optional[threading.Event]) -> None:
        """Wait (holding ``self._cond``) until ``ready()``; raise SlotClosed or Empty."""
        deadline = None if timeout is None else time.perf_counter() + timeout
        while not ready():
            if stop is not None and stop.is_set():
                raise SlotClosed(f'{self.name}: stopped')
            if self._closed:
                raise SlotClosed(f'{self.name}: closed')
            wait = None if deadline is None else deadline - time.perf_counter()
            if wait is not None and wait <= 0:
                raise Empty(f'{self.name}: nothing within {timeout} s')
            if stop is not None:
                wait = POLL_S if wait is None else min(wait, POLL_S)
            self._cond.wait(wait)

    def put(self, item: T, block: bool = False, timeout: Optional[float] = None,
            stop: Optional[threading.Event] = None) -> bool:
        """Put ``item``, replacing an unread one (``block=False``) or waiting until it is read.

        Args:
            item: The new item.
            block (bool): Wait for an unread item to be read instead of replacing it.
                Defaults to False.
            timeout (float, optional): Longest wait in seconds with ``block``; None waits for
                ever. Defaults to None.
            stop (threading.Event, optional): Give up waiting when it is set.

        Returns:
            bool: True when an unread item was replaced (and counted in :attr:`dropped`).

        Raises:
            SlotClosed: The slot is closed, or ``stop`` was set while waiting.
            queue.Empty: ``timeout`` ran out with the slot still full.
        """
        with self._cond:
            if self._closed:
                raise SlotClosed(f'{self.name}: closed')
            if block:
                self._wait(lambda: not self.full, timeout, stop)
            replaced = self.full
            if replaced:
                self.dropped += 1
            self._item = item
            self.puts += 1
            self._cond.notify_all()
            return replaced

    def get(self, timeout: Optional[float] = None,
            stop: Optional[threading.Event] = None) -> T:
        """Take the item, waiting for one.

        After :meth:`close` an unread item is still returned (the end of a stream is drained);
        a set ``stop`` is obeyed at once, unread item or not.

        Args:
            timeout (float, optional): Longest wait in seconds; None waits for ever.
            stop (threading.Event, optional): Give up waiting when it is set.

        Returns:
            The newest item put.

        Raises:
            SlotClosed: ``stop`` is set, or the slot is closed and empty.
            queue.Empty: ``timeout`` ran out.
        """
        with self._cond:
            if stop is not None and stop.is_set():
                raise SlotClosed(f'{self.name}: stopped')
            self._wait(lambda: self.full, timeout, stop)
            item, self._item = self._item, _NOTHING
            self.gets += 1
            self._cond.notify_all()
            return item

    def wait_empty(self, timeout: Optional[float] = None,
                   stop: Optional[threading.Event] = None) -> None:
        """Wait until the slot holds no unread item (the consumer took the last one).

        Raises:
            SlotClosed: The slot is closed, or ``stop`` is set.
            queue.Empty: ``timeout`` ran out.
        """
        with self._cond:
            self._wait(lambda: not self.full, timeout, stop)

    def close(self, drain: bool = True) -> None:
        """End the stream: no more puts; waiting threads wake up.

        Args:
            drain (bool): Leave an unread item for one last :meth:`get` (True) or discard it
                (False). Defaults to True.
        """
        with self._cond:
            self._closed = True
            if not drain:
                self._item = _NOTHING
            self._cond.notify_all()
