"""Integritas: whistle-blowing and conflict-of-interest handling."""

__version__ = "0.1.0"
