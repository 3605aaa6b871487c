"""Serving a trained policy to a robot: ``sim2act serve`` (``PolicyServer``) and its wire format.

The robot side is ``sim2act.client.PolicyClient``.
"""

from sim2act.serving.policy_host import PolicyHost, RequestError
from sim2act.serving.server import PolicyServer, ServeConfig

__all__ = ["PolicyHost", "PolicyServer", "RequestError", "ServeConfig"]
