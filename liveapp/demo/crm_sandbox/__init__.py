"""A wire-compatible sandbox for Salesforce, Outreach and Salesloft, served over TLS.

Where things are (``<url>`` as written to ``instance/crm-sandbox.json`` by
``liveapp crm-sandbox``, or ``RunningSandbox.url``):
- Salesforce REST at ``<url>/services/data/v59.0/`` (query, query/<locator>, sobjects) and
  OAuth at ``<url>/services/oauth2/token`` (so both instance_url and login_url are <url>);
- Outreach at ``<url>/outreach`` (``/api/v2/...``, ``/oauth/token``);
- Salesloft at ``<url>/salesloft`` (``/v2/...``, ``/oauth/token``).

Control (no auth; JSON bodies):
- ``POST /_sandbox/faults {"service", "path_prefix", "kind": "401"|"429"|"500"|"slow"|
  "malformed", "count": N|null, "delay": s, "retry_after": s|null, "reset_in": s,
  "body": any}`` breaks the next N matching requests (``path_prefix`` is relative to the
  service's mount, e.g. "/api/v2/prospects", "/v2/people", "/services/data");
  ``GET`` lists them, ``DELETE /_sandbox/faults`` clears them. Salesforce answers a "429"
  the way it really does: 403 REQUEST_LIMIT_EXCEEDED.
- ``POST /_sandbox/expire {"service", "token"?}`` revokes one access token (or all).
- ``POST /_sandbox/config {"salesforce_page_size": n}``; ``GET /_sandbox/stats``;
  ``GET /_sandbox/health``.
"""

from liveapp.demo.crm_sandbox.app import SandboxApp
from liveapp.demo.crm_sandbox.server import RunningSandbox, start

__all__ = ["RunningSandbox", "SandboxApp", "start"]
