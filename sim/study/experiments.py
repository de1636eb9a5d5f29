"""Finding, loading and listing experiment files (runs/*.toml)."""

from __future__ import annotations

from pathlib import Path

from sim.core.config import Config, read_toml
from sim.core.errors import ConfigError
from sim.core.schema import did_you_mean
from sim.engine.config import from_dict

REPO_RUNS = Path(__file__).resolve().parents[2] / "runs"


def search_dirs() -> list[Path]:
    """Where experiment names are looked up: ./runs, then the runs/ folder shipped with perpsim."""
    dirs = [Path.cwd() / "runs", REPO_RUNS]
    return [d for i, d in enumerate(dirs) if d.is_dir() and d.resolve() not in {x.resolve() for x in dirs[:i]}]


def resolve(name_or_path: str) -> Path:
    """The experiment file for a name ("rocket") or a path ("my/exp.toml")."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.is_file():
        if not path.is_file():
            raise ConfigError("", f"{name_or_path}: no such experiment file")
        return path
    for d in search_dirs():
        candidate = d / f"{name_or_path}.toml"
        if candidate.is_file():
            return candidate
    known = sorted({p.stem for d in search_dirs() for p in d.glob("*.toml")})
    hint = did_you_mean(name_or_path, known).strip(" ()")
    listing = f"known: {', '.join(known) or 'none'}"
    raise ConfigError("", f"unknown experiment '{name_or_path}' ({hint + '; ' if hint else ''}{listing})")


def raw_experiment(name_or_path: str) -> dict:
    """The experiment file's TOML, unvalidated."""
    return read_toml(resolve(name_or_path))


def seed_override(seed: int | None) -> list[str]:
    """The override that replaces experiment.seed, if a seed is given."""
    return [] if seed is None else [f"experiment.seed={seed}"]


def load_experiment(name_or_path: str, seed: int | None = None, overrides: list[str] = ()) -> Config:
    """Load, override and validate an experiment; ``seed`` replaces experiment.seed."""
    return from_dict(raw_experiment(name_or_path), [*overrides, *seed_override(seed)])


def catalogue() -> list[tuple[str, str]]:
    """(name, one-line description) of every experiment file found."""
    seen: dict[str, str] = {}
    for d in search_dirs():
        for path in sorted(d.glob("*.toml")):
            if path.stem in seen:
                continue
            try:
                seen[path.stem] = read_toml(path).get("experiment", {}).get("description", "")
            except ConfigError as exc:
                seen[path.stem] = f"(unreadable: {exc})"
    return sorted(seen.items())
