"""Benchmarks print their tables and nothing else: Ape logs each node start and each deployment at
INFO/SUCCESS level, and web3 and urllib3 may add their own lines, none of which belongs in a table; and
Ape prints a call trace and an ERROR line for every reverted transaction it sends."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator

FRAMEWORK_LOGGERS = ("ape", "ape_foundry", "ape_solidity", "web3", "urllib3", "asyncio")


def silence_frameworks(level: int = logging.ERROR) -> None:
    """Show only errors from the frameworks under the benchmarks (Ape, its plugins, web3, urllib3)."""
    from ape.logging import logger

    logger.set_level(level)  # Ape's own logger and every logger it manages
    for name in FRAMEWORK_LOGGERS:
        logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def muted_output() -> Iterator[None]:
    """Both standard streams to /dev/null at the descriptor level while the block runs: Ape prints the
    call trace of each reverted transaction through a console bound to the original stdout, which
    neither logging levels nor `contextlib.redirect_stdout` reach."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)
