"""The reader fuzzer (``benchmarks/fuzz_readers.py``) for the tests, its choices drawn by hypothesis."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if "fuzz_readers" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("fuzz_readers", ROOT / "benchmarks" / "fuzz_readers.py")
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["fuzz_readers"] = _module
    _spec.loader.exec_module(_module)
fuzz = sys.modules["fuzz_readers"]


class HypothesisChooser:
    """The fuzz engine's choices, drawn by hypothesis (so failures shrink)."""

    def __init__(self, data) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def choice(self, seq):
        return self.data.draw(st.sampled_from(list(seq)))

    def boolean(self, p: float = 0.5) -> bool:
        return self.data.draw(st.booleans())
