"""Keep the navigation, the launch links and the Colab guard identical in every notebook.

    python scripts/nav.py            # rewrite them where they drifted
    python scripts/nav.py --check    # exit 1 and name the notebooks that drifted (the tests run this)

The chapters come in the order of TITLES: the numbered notebooks, then the appendices (A1, ...). Each
chapter's first markdown cell holds, on its third line, the navigation line (previous · index ·
next) followed by the launch links; its last markdown cell ends with the same navigation line. Its first
code cell begins with the Colab guard. Only those lines are touched; outputs stay as they are.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REPO = "gan-notebooks/gan-notebooks"
TITLES = {
    "00_index": "Index",
    "01_minimax_game": "01 The minimax game",
    "02_dense_gan_mnist": "02 A dense GAN on MNIST",
    "03_dcgan": "03 A DCGAN",
    "04_conditional_gan": "04 A conditional GAN",
    "05_wgan_gp": "05 WGAN-GP",
    "06_critics_eye": "06 The discriminator as a judge",
    "07_your_own_images": "07 Your own images",
    "08_what_a_generator_knows": "08 What a generator knows",
    "09_trained_restorer": "09 A trained restorer",
    "A1_training_in_practice": "A1 Training in practice",
    "A2_which_tricks_help": "A2 Which tricks help",
}
GUARD = [
    "import sys\n",
    "if \"google.colab\" in sys.modules:  # on Colab only: fetch the series and install its helpers package\n",
    "    import subprocess\n",
    f"    subprocess.run([\"git\", \"clone\", \"-q\", \"--depth\", \"1\", \"https://github.com/{REPO}\"], check=False)\n",
    f"    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\", \"--no-deps\", \"-e\", \"{REPO.split('/')[1]}\"], check=True)\n",
    f"    sys.path.insert(0, \"{REPO.split('/')[1]}\")\n",
    "\n",
]


def launch_links(stem: str) -> str:
    """Binder (JupyterLab) and Colab badges for one notebook."""
    binder = f"https://mybinder.org/v2/gh/{REPO}/main?urlpath=lab/tree/notebooks/{stem}.ipynb"
    colab = f"https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{stem}.ipynb"
    return (f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({binder}) "
            f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab})")


def nav_line(stem: str) -> str:
    """previous · index · next, for a chapter."""
    stems = list(TITLES)
    i = stems.index(stem)
    if i == 0:
        return f"**Index** · next: [{TITLES[stems[1]]} →]({stems[1]}.ipynb)"
    parts = []
    if i > 1:
        parts.append(f"[← {TITLES[stems[i - 1]]}]({stems[i - 1]}.ipynb)")
    parts.append("[Index](00_index.ipynb)")
    if i + 1 < len(stems):
        parts.append(f"next: [{TITLES[stems[i + 1]]} →]({stems[i + 1]}.ipynb)")
    return " · ".join(parts)


def _is_nav(line: str) -> bool:
    return line.startswith(("[← ", "[Index](00_index.ipynb)", "[![Launch", "**Index** ·"))


def fix(nb: dict, stem: str) -> dict:
    """Return the notebook with its navigation, launch links and Colab guard in the standard form."""
    cells = nb["cells"]
    md = [c for c in cells if c["cell_type"] == "markdown"]
    code = [c for c in cells if c["cell_type"] == "code"]
    top = "".join(md[0]["source"]).split("\n")
    body = [line for line in top[1:] if not _is_nav(line)]
    while body and body[0] == "":
        body.pop(0)
    md[0]["source"] = _lines("\n".join([top[0], "", nav_line(stem), "", launch_links(stem), "", *body]))
    last = "".join(md[-1]["source"]).rstrip("\n").split("\n")
    while last and (_is_nav(last[-1]) or last[-1] == ""):
        last.pop()
    md[-1]["source"] = _lines("\n".join(last + ["", nav_line(stem)]))
    first = "".join(code[0]["source"])
    if first.startswith(GUARD[0]) and "google.colab" in first:
        first = first.split("\n\n", 1)[1]
    code[0]["source"] = _lines("".join(GUARD) + first)
    return nb


def _lines(text: str) -> list[str]:
    """Split text into notebook source lines (each but the last keeps its newline)."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def chapters() -> list[Path]:
    """The numbered notebooks, then the appendices (A1_...); solutions are not chapters."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(NOTEBOOKS.glob("A[0-9]_*.ipynb"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report drift, change nothing")
    args = parser.parse_args()
    drifted = []
    for path in chapters():
        if path.stem not in TITLES:
            print(f"{path.name}: not in TITLES of scripts/nav.py; add it there", file=sys.stderr)
            drifted.append(path.name)
            continue
        text = path.read_text(encoding="utf-8")
        fixed = json.dumps(fix(json.loads(text), path.stem), indent=1, ensure_ascii=False) + "\n"
        if fixed != text:
            drifted.append(path.name)
            if not args.check:
                path.write_text(fixed, encoding="utf-8")
    if drifted:
        verb = "drifted" if args.check else "updated"
        print(f"{verb}: {', '.join(drifted)}" + (" (run: python scripts/nav.py)" if args.check else ""))
    return 1 if drifted and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
