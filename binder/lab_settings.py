"""Install binder/overrides.json where JupyterLab reads it, so that it opens without asking about Jupyter news.

    python binder/lab_settings.py              # into this environment: {sys.prefix}/share/jupyter/lab/settings/
    python binder/lab_settings.py DIR          # into DIR (the tests start JupyterLab with it as app_settings_dir)

JupyterLab reads ``overrides.json`` in its application settings folder as the defaults of every user's settings;
keys already in an existing file there are kept unless this file sets them too. Binder's postBuild runs this.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OVERRIDES = Path(__file__).with_name("overrides.json")


def app_settings_dir() -> Path:
    """The folder JupyterLab reads overrides.json from: its application directory's ``settings``."""
    try:
        from jupyterlab.commands import get_app_dir  # {sys.prefix}/share/jupyter/lab unless $JUPYTERLAB_DIR is set
    except ImportError:
        sys.exit("JupyterLab is not installed in this environment: run `pip install -r requirements.txt` first.")
    return Path(get_app_dir()) / "settings"


def install(folder: Path) -> Path:
    """Merge the shipped overrides into ``folder/overrides.json`` (created if needed); return its path."""
    target = folder / "overrides.json"
    try:
        merged = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    except json.JSONDecodeError as e:
        sys.exit(f"{target} is not valid JSON ({e}): fix or delete it, then run this again.")
    for plugin, settings in json.loads(OVERRIDES.read_text(encoding="utf-8")).items():
        merged.setdefault(plugin, {}).update(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    """Install into the folder given, or into this environment's JupyterLab; say where."""
    target = install(Path(argv[0]) if argv else app_settings_dir())
    print(f"JupyterLab settings overrides written to {target} (no news pop-up)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
