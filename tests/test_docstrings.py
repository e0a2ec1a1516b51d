"""Every public helper says where the series introduces it, so that a reader can find the chapter that explains it."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = ["config", "data", "layers", "train", "checkpoints", "metrics", "plots", "toy", "widgets", "diagrams",
           "playground", "images"]


def public_helpers(module) -> dict[str, object]:
    """The public functions and classes defined in ``module`` itself (not imported into it)."""
    return {name: obj for name, obj in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == module.__name__}


@pytest.mark.parametrize("name", MODULES)
def test_every_public_helper_names_the_notebook_that_introduces_it(name):
    module = importlib.import_module(f"helpers.{name}")
    helpers = public_helpers(module)
    assert helpers, f"helpers.{name} defines no public function or class: is the module list out of date?"
    missing = [f"helpers.{name}.{attr}" for attr, obj in helpers.items()
               if not any(word in (obj.__doc__ or "").lower() for word in ("notebook", "appendix"))]
    assert not missing, ("these helpers' docstrings do not name the notebook that introduces them; add "
                         "'(notebook NN)' or '(appendix A1)':\n  " + "\n  ".join(missing))
