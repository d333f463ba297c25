"""The version of kb: stamped into indexes and reports."""

__version__ = "0.1.0"
