"""Errors that the command line turns into one clear line and an exit code.

Every error raised on purpose by raw-scan is a :class:`RawScanError`. Its message is a single
line that says what went wrong and how to fix it; ``exit_code`` is what the process returns.
"""


class RawScanError(Exception):
    """Base class: a one-line, user-facing message and an exit code."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class UsageError(RawScanError):
    """Bad input from the user: unknown technology or material, bad option, bad file."""

    exit_code = 2


class FetchError(RawScanError):
    """A download from a public source failed (HTTP error, timeout, refused, truncated)."""


class DataValidationError(RawScanError):
    """A source file was read but does not have the expected content."""


class LockedError(RawScanError):
    """Another refresh holds the data directory lock."""
