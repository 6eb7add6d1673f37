"""Benchmarks print their tables and nothing else: Ape logs each node start and each deployment at
INFO/SUCCESS level, and web3 and urllib3 may add their own lines, none of which belongs in a table."""

from __future__ import annotations

import logging

FRAMEWORK_LOGGERS = ("ape", "ape_foundry", "ape_solidity", "web3", "urllib3", "asyncio")


def silence_frameworks(level: int = logging.ERROR) -> None:
    """Show only errors from the frameworks under the benchmarks (Ape, its plugins, web3, urllib3)."""
    from ape.logging import logger

    logger.set_level(level)  # Ape's own logger and every logger it manages
    for name in FRAMEWORK_LOGGERS:
        logging.getLogger(name).setLevel(level)
