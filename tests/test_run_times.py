"""One table of run times, computed from the stored notebooks and docs/run_times.json, quoted everywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import run_times  # noqa: E402



def test_readme_index_and_guide_quote_the_computed_times():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "run_times.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("seconds, shown", [(8.4, "10 s"), (72.8, "75 s"), (89, "90 s"), (109, "2 min"),
                                            (728, "12 min"), (658, "11 min"), (None, "not measured")])
def test_a_time_is_shown_in_seconds_up_to_90_then_in_half_minutes(seconds, shown):
    assert run_times.duration(seconds) == shown


@pytest.mark.parametrize("seconds, said", [(24.6, "about 25 seconds"), (60, "about a minute"),
                                           (658, "about 11 minutes"), (450, "about 7.5 minutes"), (None, None)])
def test_a_chapters_opening_says_the_tables_time_in_words(seconds, said):
    assert run_times.spoken(seconds) == said
