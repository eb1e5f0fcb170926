"""Where the app finds its database and scales, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    database_url: str
    scales_dir: Path
    accessibility_contact: str = ""  # where users report an accessibility problem (the accessibility statement)

    @classmethod
    def from_env(cls) -> Settings:
        default_db = PROJECT_ROOT / "data" / "fidelity.db"
        return cls(
            database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{default_db}",
            scales_dir=Path(os.environ.get("FIDELITY_SCALES_DIR") or PROJECT_ROOT / "scales"),
            accessibility_contact=os.environ.get("FIDELITY_ACCESSIBILITY_CONTACT", "").strip(),
        )
