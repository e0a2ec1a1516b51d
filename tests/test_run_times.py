"""One table of run times, computed from the stored notebooks and docs/run_times.json, quoted everywhere."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import run_times  # noqa: E402

import notebook_text  # noqa: E402


def test_readme_index_and_guide_quote_the_computed_times():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "run_times.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("seconds, shown", [(8.4, "10 s"), (72.8, "75 s"), (89, "90 s"), (109, "2 min"),
                                            (728, "12 min"), (658, "11 min"), (None, "not measured")])
def test_a_time_is_shown_in_seconds_up_to_90_then_in_half_minutes(seconds, shown):
    assert run_times.duration(seconds) == shown


@pytest.mark.parametrize("path", run_times.chapters()[1:], ids=lambda p: p.stem)
def test_a_chapters_own_time_agrees_with_its_stored_run(path):
    text = notebook_text.cells(path, "markdown")[0]
    said = re.search(r"Full mode: (about|under) (a|\d+) minutes?", text)
    seconds = run_times.full_mode_seconds(path)
    if said is None or seconds is None:
        pytest.skip("the chapter states no full-mode time in its opening")
    minutes = 1 if said.group(2) == "a" else int(said.group(2))
    if said.group(1) == "under":
        assert seconds < 60 * minutes
    else:
        assert abs(seconds - 60 * minutes) <= 0.25 * 60 * minutes, f"{seconds:.0f} s in the stored run"
