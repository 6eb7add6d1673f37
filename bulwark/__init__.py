"""Bulwark: the Python side of the suite (toolchain, signing, deployment, simulation, monitoring)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["PROJECT_ROOT"]
