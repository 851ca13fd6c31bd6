"""Record-type definitions (TOML) of the built-in plugins, shipped as package data."""

from pathlib import Path

FOLDER = Path(__file__).parent


def schema_file(name: str) -> Path:
    """The path of ``schemas/NAME.toml``, for a plugin's ``crm_register_record_types``."""
    return FOLDER / f"{name}.toml"
