"""The HTTP API: ``create_app`` builds the JSON API and the dashboard."""

from ._app import create_app
from ._tokens import ROLES, check_token, create_token, hash_token

__all__ = ["ROLES", "check_token", "create_app", "create_token", "hash_token"]
