"""Certificate-trust warnings printed (and recorded in the evidence) on every run."""

from __future__ import annotations

from harness.inventory.models import Host
from harness.remote.tls import env_ca_bundle, trust_warnings

BASE = dict(address="hv", auth="ntlm", lab_only=True, scratch_root="E:\\RestoreTests",
            credentials={"username": "LAB\\op", "password_env": "RH_X"})


def host(name: str, **kw: object) -> Host:
    return Host(name=name, **{**BASE, **kw})  # type: ignore[arg-type]


def test_cert_validation_off_warns_every_time() -> None:
    hosts = [host("HV1", cert_validation=False), host("HV2")]
    for _ in range(2):  # not "once per process" like pywinrm's own warning
        warnings = trust_warnings(hosts, environ={})
        assert len(warnings) == 1
        assert warnings[0].startswith("host HV1: TLS certificate validation is OFF (`cert_validation: false`)")
        assert "ca_bundle:" in warnings[0]


def test_ca_bundle_from_the_environment_warns_unless_the_inventory_names_one() -> None:
    env = {"CURL_CA_BUNDLE": "/etc/ssl/curl.pem", "REQUESTS_CA_BUNDLE": "/etc/ssl/lab-ca.pem"}
    assert env_ca_bundle(env) == ("REQUESTS_CA_BUNDLE", "/etc/ssl/lab-ca.pem")
    assert env_ca_bundle({"CURL_CA_BUNDLE": "/c.pem"}) == ("CURL_CA_BUNDLE", "/c.pem")
    warnings = trust_warnings([host("HV1"), host("HV2", ca_bundle="/lab/ca.pem")], environ=env)
    assert warnings == ["host HV1: the certificate is checked against the CA bundle from environment variable "
                        "REQUESTS_CA_BUNDLE (/etc/ssl/lab-ca.pem), not one named in the inventory; set "
                        "`ca_bundle: /etc/ssl/lab-ca.pem` on the host to make the trust explicit"]


def test_http_hosts_and_explicit_trust_give_no_warning() -> None:
    hosts = [host("HV1", scheme="http", cert_validation=False), host("HV2", ca_bundle="/ca.pem")]
    assert trust_warnings(hosts, environ={"REQUESTS_CA_BUNDLE": "/x.pem"}) == []
