"""IPSRT rhythm tracker: domain core (models, store, time, metrics, SRM, CLI)."""

__version__ = "0.1.0"
