from tests.vault.procs import data_dirs  # noqa: F401 - the fixture, for this folder's tests
