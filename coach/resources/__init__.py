"""Files shipped inside the package: the guidance corpus, its structured data and the prompts.

They are found through ``importlib.resources``, so a wheel install works the same as a
checkout. Settings (``knowledge_dir``, ``knowledge_data_dir``, ``prompts_dir``) may point
elsewhere; these are only the defaults.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_dir(name: str) -> Path:
    """The shipped folder ``name`` (``knowledge``, ``knowledge/data`` or ``prompts``) on disk."""
    return Path(str(files(__name__).joinpath(*name.split("/"))))


def knowledge_dir() -> Path:
    """The shipped guidance corpus (guides and data)."""
    return resource_dir("knowledge")


def knowledge_data_dir() -> Path:
    """The shipped structured data the flows use (rubric, taxonomy, personas, ...)."""
    return resource_dir("knowledge/data")


def prompts_dir() -> Path:
    """The shipped prompt files."""
    return resource_dir("prompts")
