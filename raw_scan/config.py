"""The user's configuration folder: user-defined technologies (saved bills of materials) and,
for the economy commands, user-defined economy groups.

``RAW_SCAN_CONFIG_DIR`` overrides the folder; the default is the platform's user config folder
(platformdirs ``user_config_dir("raw-scan")``, e.g. ``~/.config/raw-scan`` on Linux). Nothing is
created until something is saved.
"""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    env = os.environ.get("RAW_SCAN_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("raw-scan", appauthor=False))


def technologies_dir() -> Path:
    """Where ``raw-scan bom save`` keeps user-defined technologies, one JSON file each."""
    return config_dir() / "technologies"
