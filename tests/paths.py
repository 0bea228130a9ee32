"""Paths of files the tests read, anchored at the repository root (not at a test's own folder)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PEERS = ROOT / "tests" / "fixtures" / "peers"
