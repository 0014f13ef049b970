"""IPSRT rhythm tracker: domain core (models, store, time, metrics, SRM, CLI)."""

__version__ = "0.1.0"

#: Environment variable holding the database URL (read by ``ipsrt.store.engine``
#: and named in the command line's help; defined here so the CLI can name it
#: without importing the store).
DATABASE_URL_ENV_VAR = "IPSRT_DATABASE_URL"
