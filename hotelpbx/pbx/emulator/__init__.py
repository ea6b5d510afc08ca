"""Yeastar S-Series PBX emulator (placeholder docstring, completed below)."""

from .config import EmulatorConfig
from .emulator import Emulator

__all__ = ["Emulator", "EmulatorConfig"]
