"""Every path and setting of the project, in one place.

Nothing else builds a path from `__file__`. Each setting has an embedded default (everything under the
repository's `data/` folder, the pseudonym key in the user's config folder) and can be overridden by an
environment variable or, in the CLI, by a flag that calls `Settings.with_overrides`.

| setting         | env variable            | default                                   |
|-----------------|-------------------------|-------------------------------------------|
| data_dir        | THADS_DATA_DIR          | <repo>/data                               |
| inbox           | THADS_INBOX             | <data_dir>/inbox                          |
| warehouse       | THADS_WAREHOUSE         | <data_dir>/warehouse/thads.duckdb         |
| exports         | THADS_EXPORTS           | <data_dir>/exports                        |
| state_dir       | THADS_STATE_DIR         | <data_dir>/state  (parse cache, locks)    |
| audit_dir       | THADS_AUDIT_DIR         | <data_dir>/audit  (append-only, never rebuilt) |
| key_file        | THADS_PSEUDONYM_KEY_FILE| $XDG_CONFIG_HOME/thads-analytics/pseudonym.key |
| reference_dir   | THADS_REFERENCE_DIR     | <repo>/data/reference (versioned)         |
| retention_nights| THADS_RETENTION_NIGHTS  | 90                                        |
| safe_extra_columns | THADS_SAFE_EXTRA_COLUMNS | "" (comma-separated folded header names kept as extras) |
| models_dir      | THADS_MODELS_DIR        | <repo>/transforms/models (SQL models and checks) |
| dask_address    | THADS_DASK_ADDRESS      | "" (parse on a Dask cluster when set, e.g. tcp://10.0.0.5:8786) |
| failure_block   | THADS_FAILURE_NOTIFICATION_BLOCK | "" (a saved Prefect notification block, e.g. custom-webhook/ops) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "transforms" / "models"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _default_key_file() -> Path:
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config_home / "thads-analytics" / "pseudonym.key"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    inbox: Path
    warehouse: Path
    exports: Path
    state_dir: Path
    audit_dir: Path
    key_file: Path
    reference_dir: Path
    retention_nights: int = 90
    safe_extra_columns: tuple[str, ...] = field(default_factory=tuple)
    models_dir: Path = MODELS_DIR
    dask_address: str = ""
    failure_block: str = ""

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = _env_path("THADS_DATA_DIR", REPO_ROOT / "data")
        extras = os.environ.get("THADS_SAFE_EXTRA_COLUMNS", "")
        return cls(
            data_dir=data_dir,
            inbox=_env_path("THADS_INBOX", data_dir / "inbox"),
            warehouse=_env_path("THADS_WAREHOUSE", data_dir / "warehouse" / "thads.duckdb"),
            exports=_env_path("THADS_EXPORTS", data_dir / "exports"),
            state_dir=_env_path("THADS_STATE_DIR", data_dir / "state"),
            audit_dir=_env_path("THADS_AUDIT_DIR", data_dir / "audit"),
            key_file=_env_path("THADS_PSEUDONYM_KEY_FILE", _default_key_file()),
            reference_dir=_env_path("THADS_REFERENCE_DIR", REPO_ROOT / "data" / "reference"),
            retention_nights=int(os.environ.get("THADS_RETENTION_NIGHTS", "90")),
            safe_extra_columns=tuple(x.strip() for x in extras.split(",") if x.strip()),
            models_dir=_env_path("THADS_MODELS_DIR", MODELS_DIR),
            dask_address=os.environ.get("THADS_DASK_ADDRESS", ""),
            failure_block=os.environ.get("THADS_FAILURE_NOTIFICATION_BLOCK", ""),
        )

    def path_env(self) -> dict[str, str]:
        """The run's folders as the environment variables `from_env` reads: how a process hands its
        settings to a flow, a subprocess or a worker."""
        return {"THADS_DATA_DIR": str(self.data_dir), "THADS_INBOX": str(self.inbox),
                "THADS_WAREHOUSE": str(self.warehouse), "THADS_EXPORTS": str(self.exports),
                "THADS_STATE_DIR": str(self.state_dir), "THADS_AUDIT_DIR": str(self.audit_dir)}

    def with_overrides(self, **values) -> "Settings":
        """Apply CLI flags; `None` means 'not given'."""
        given = {k: (Path(v).expanduser().resolve() if isinstance(v, (str, Path)) else v)
                 for k, v in values.items() if v is not None}
        return replace(self, **given)


def get_settings() -> Settings:
    return Settings.from_env()
