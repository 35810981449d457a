"""Fitting the shipped scorer models on the dev split, with a manifest beside every fitted file.

``python -m coach.training fit`` refits the stereotype model, the feedback regressions and
the feedback adapter from the dev rows of ``eval/datasets`` (seeded cross-validation picks
their settings), writes each fitted file into the packaged data folder and, beside it,
``<file>.manifest.json``: the input files and their sha256, the output's sha256, a hash of
the training code, library versions, the seed and the date. ``fit --check`` verifies the
manifests without writing; ``manifest`` records manifests for files that already exist.

scikit-learn and joblib (the ``fit`` extra) are imported only inside the functions that fit,
so the rest of the application never needs them.
"""

from __future__ import annotations

from coach.training.registry import MODELS, ModelSpec, model_spec

__all__ = ["MODELS", "ModelSpec", "model_spec"]
