"""A wire-compatible sandbox for Salesforce, Outreach and Salesloft (see app.py, server.py)."""

from liveapp.integrations.sandbox.app import SandboxApp
from liveapp.integrations.sandbox.server import RunningSandbox, start

__all__ = ["RunningSandbox", "SandboxApp", "start"]
