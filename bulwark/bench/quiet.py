"""Benchmarks print their tables and nothing else: Ape logs each node start and each deployment at
INFO/SUCCESS level, and web3 and urllib3 may add their own lines, none of which belongs in a table; and
Ape prints a call trace and an ERROR line for every reverted transaction it sends."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from unittest import mock

FRAMEWORK_LOGGERS = ("ape", "ape_foundry", "ape_solidity", "web3", "urllib3", "asyncio")


def silence_frameworks(level: int = logging.ERROR) -> None:
    """Show only errors from the frameworks under the benchmarks (Ape, its plugins, web3, urllib3)."""
    from ape.logging import logger

    logger.set_level(level)  # Ape's own logger and every logger it manages
    for name in FRAMEWORK_LOGGERS:
        logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def no_revert_traces() -> Iterator[None]:
    """While the block runs, Ape neither prints the call trace of a reverted transaction nor logs it:
    the trace goes through a console bound to the stdout Ape was imported with, which no logging level
    reaches, so its `show` is switched off (and Ape's logger with it) and restored afterwards."""
    from ape.logging import logger
    from ape_ethereum.trace import Trace

    level = logger.level  # restored by hand: Ape's own `logger.disabled()` does not survive an exception
    with mock.patch.object(Trace, "show", _no_show):
        logger.set_level(logger.DISABLE_LEVEL)
        try:
            yield
        finally:
            logger.set_level(level)


def _no_show(self, *args, **kwargs) -> None:
    return None
