"""raw-scan: supply risk of critical raw materials for key technologies."""

__version__ = "0.1.0"
