"""The manifest beside every fitted file: where it came from, and whether that still holds.

``<file>.manifest.json`` records the input files (path, role, sha256), the output's sha256,
a hash of the training code (each module's source), the library versions, the seed, the
date, and the digest of the hand features on the probe set (``coach.training.probe``).
``verify`` compares a manifest with the files on disk and with today's rules.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata, util
from pathlib import Path
from typing import Any

from coach.training.common import display_path

MANIFEST_SUFFIX = ".manifest.json"
FORMAT_VERSION = 1
FEATURES_NOTE = "sha256 of the rule-made features of coach.training.probe.PROBE_TEXTS, computed without the embedder"


@dataclass(frozen=True)
class InputFile:
    """One file a fit read: ``role`` is ``dataset`` (dev rows) or ``reference`` (packaged data)."""

    role: str
    name: str
    path: str
    sha256: str


@dataclass
class CheckResult:
    """What ``verify`` found for one model: problems fail the check, notes do not."""

    model: str
    file: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing in the manifest disagrees with the files."""
        return not self.problems


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(output: Path) -> Path:
    """Where the manifest of ``output`` lives: beside it, named ``<file>.manifest.json``."""
    return output.with_name(output.name + MANIFEST_SUFFIX)


def input_file(role: str, path: Path) -> InputFile:
    """An input entry for ``path``, hashed now."""
    return InputFile(role=role, name=path.name, path=display_path(path), sha256=sha256_file(path))


def code_hash(modules: tuple[str, ...]) -> dict[str, Any]:
    """A sha256 over the sources of ``modules`` (by name, sorted), and each module's own sha256."""
    per_module: dict[str, str] = {}
    for name in sorted(modules):
        spec = util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ValueError(f"cannot find the source of {name}")
        per_module[name] = sha256_file(Path(spec.origin))
    combined = hashlib.sha256("".join(f"{n}:{h}\n" for n, h in per_module.items()).encode()).hexdigest()
    return {"sha256": combined, "modules": per_module}


def library_versions(packages: tuple[str, ...]) -> dict[str, str | None]:
    """The installed version of each distribution (None when absent), and Python's."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def build_manifest(
    model: str,
    output: Path,
    inputs: list[InputFile],
    code: dict[str, Any],
    versions: dict[str, str | None],
    seed: int,
    origin: dict[str, Any],
    features: str,
) -> dict[str, Any]:
    """The manifest mapping of ``output`` (``origin`` says whether it was fitted now or recorded later)."""
    return {
        "format": FORMAT_VERSION,
        "model": model,
        "file": output.name,
        "sha256": sha256_file(output),
        "inputs": [asdict(item) for item in inputs],
        "code": code,
        "versions": versions,
        "seed": seed,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "origin": origin,
        "features": {"probe_sha256": features, "note": FEATURES_NOTE},
    }


def write_manifest(output: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest`` beside ``output`` and return its path."""
    path = manifest_path(output)
    path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return path


def read_manifest(output: Path) -> dict[str, Any] | None:
    """The manifest of ``output``, or None when there is none."""
    path = manifest_path(output)
    if not path.exists():
        return None
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _input_problems(recorded: list[dict[str, Any]], current: dict[str, Path]) -> list[str]:
    """Inputs that changed, vanished or appeared since the manifest was written (``current``: name -> path)."""
    problems: list[str] = []
    recorded_names = set()
    for item in recorded:
        key = f"{item['role']}:{item['name']}"
        recorded_names.add(key)
        path = current.get(key)
        if path is None or not path.exists():
            problems.append(f"input {item['path']} is missing")
        elif (digest := sha256_file(path)) != item["sha256"]:
            problems.append(f"input {display_path(path)} changed: sha256 {digest[:12]}, manifest {item['sha256'][:12]}")
    for key, path in sorted(current.items()):
        if key not in recorded_names and path.exists():
            problems.append(f"input {display_path(path)} is not in the manifest (a new input file)")
    return problems


def _feature_problems(manifest: dict[str, Any], features: str) -> list[str]:
    """A problem when the rules now make other features on the probe set than the fit saw."""
    recorded = manifest.get("features", {}).get("probe_sha256")
    if recorded is None:
        return ["the manifest has no feature digest; record it with `python -m coach.training manifest`"]
    if recorded != features:
        return [
            f"the hand features on the probe set changed since the fit (sha256 {features[:12]}, manifest "
            f"{recorded[:12]}): a rule change needs a refit (`make fit ONLY={manifest['model']}`)"
        ]
    return []


def verify(
    model: str, output: Path, current_inputs: dict[str, Path], code: dict[str, Any], features: str
) -> CheckResult:
    """Compare the manifest of ``output`` with the files (its own sha256 and every input's) and
    with the hand features today's rules make on the probe set (``features``).

    A different training-code hash is only a note: the fitted file still matches its data,
    but a refit might not reproduce it.
    """
    result = CheckResult(model, output)
    manifest = read_manifest(output)
    if manifest is None:
        result.problems.append(f"no manifest at {manifest_path(output)}")
        return result
    if not output.exists():
        result.problems.append(f"{output} is missing")
    elif (digest := sha256_file(output)) != manifest["sha256"]:
        result.problems.append(f"{output.name} changed: sha256 {digest[:12]}, manifest {manifest['sha256'][:12]}")
    result.problems += _input_problems(manifest["inputs"], current_inputs)
    result.problems += _feature_problems(manifest, features)
    if manifest["code"]["sha256"] != code["sha256"]:
        changed = sorted(n for n, h in code["modules"].items() if manifest["code"]["modules"].get(n) != h)
        result.notes.append(f"training code changed since the manifest ({', '.join(changed) or 'module list'})")
    return result
