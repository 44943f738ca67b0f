"""Bessemer: AI for heavy industry and the city around it."""

__version__ = "0.1.0"
__all__ = ["__version__"]
