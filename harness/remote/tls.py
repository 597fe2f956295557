"""Certificate trust of the WinRM connections: what each run must warn about.

pywinrm validates the host certificate unless ``server_cert_validation='ignore'`` (inventory
``cert_validation: false``). Without an explicit ``ca_trust_path`` (inventory ``ca_bundle``) it takes
the CA bundle from the environment (``REQUESTS_CA_BUNDLE``, then ``CURL_CA_BUNDLE``; see
``winrm/transport.py`` ``build_session``, which only warns once per process). Both weaken or hide
what the run trusts, so :func:`trust_warnings` returns one line per affected host on every run; the
engine prints them and records them in the evidence.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

ENV_CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def env_ca_bundle(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(variable, path) of the CA bundle requests would take from the environment, or None."""
    env = os.environ if environ is None else environ
    for name in ENV_CA_VARIABLES:
        if env.get(name):
            return name, env[name]
    return None


def trust_warnings(hosts: Iterable[Any], environ: Mapping[str, str] | None = None) -> list[str]:
    """One warning per HTTPS host whose certificate is not validated or is validated against a CA
    bundle from an environment variable instead of the inventory (``ca_bundle``)."""
    out: list[str] = []
    from_env = env_ca_bundle(environ)
    for host in hosts:
        if getattr(host, "scheme", "https") != "https":
            continue
        name = host.name
        if not host.cert_validation:
            out.append(f"host {name}: TLS certificate validation is OFF (`cert_validation: false`): the traffic is "
                       f"encrypted but anyone on the path can pose as the host and receive the credentials. "
                       f"Trust the lab CA instead: `ca_bundle: <CA file (PEM)>`")
        elif not getattr(host, "ca_bundle", None) and from_env is not None:
            var, path = from_env
            out.append(f"host {name}: the certificate is checked against the CA bundle from environment variable "
                       f"{var} ({path}), not one named in the inventory; set `ca_bundle: {path}` on the host to "
                       f"make the trust explicit")
    return out
