"""Navigation, launch links and the Colab guard are identical in every chapter (kept by scripts/nav.py)."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import nav  # noqa: E402
import notebook_text  # noqa: E402


def test_every_chapter_is_up_to_date_with_the_navigation_script():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "nav.py"), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_chapter_is_listed_in_order():
    assert [p.stem for p in nav.chapters()] == list(nav.TITLES)


def test_appendices_follow_the_numbered_chapters_and_the_last_has_no_next():
    stems = list(nav.TITLES)
    numbered = [s for s in stems if s[:2].isdigit()]
    assert numbered and stems[:len(numbered)] == numbered
    assert all(s[0] == "A" and s[1].isdigit() for s in stems[len(numbered):])
    assert nav.nav_line("A1_training_in_practice").startswith("[← 09 A trained restorer](09_trained_restorer.ipynb)")
    assert "next:" not in nav.nav_line(stems[-1])
    assert "next: [A1 Training in practice →](A1_training_in_practice.ipynb)" in nav.nav_line("09_trained_restorer")


@pytest.mark.parametrize("path", nav.chapters(), ids=lambda p: p.stem)
def test_navigation_is_idempotent_and_repairs_drift(path):
    nb = notebook_text.load(path)
    once = nav.fix(copy.deepcopy(nb), path.stem)
    assert nav.fix(copy.deepcopy(once), path.stem) == once
    drifted = copy.deepcopy(once)
    first_md = next(c for c in drifted["cells"] if c["cell_type"] == "markdown")
    first_md["source"] = [line.replace(" →](", "](") for line in first_md["source"]]  # an edited link
    first_code = next(c for c in drifted["cells"] if c["cell_type"] == "code")
    first_code["source"] = first_code["source"][len(nav.GUARD):]
    assert drifted != once and nav.fix(drifted, path.stem) == once


def test_the_colab_guard_does_nothing_outside_colab():
    namespace: dict = {}
    exec("".join(nav.GUARD), namespace)  # noqa: S102  (the guard's own code, as every notebook runs it)
    assert "subprocess" not in namespace
