"""`lookout serve`: its options, the start-up line, and the transport (TLS, a trusted proxy)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.cli.web import _where
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.server import create_app
from support.live_server import serve
from support.web_scenario import PASSWORD


def test_serve_is_a_command_with_host_port_and_now() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--now"):
        assert option in result.output


def test_start_up_line_hides_the_password() -> None:
    assert _where("postgresql://ledger:s3cret@db.example:5432/ledger") == "postgresql://…@db.example:5432/ledger"
    assert _where("sqlite:///lookout-ledger.db") == "sqlite:///lookout-ledger.db"


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    """An invented certificate for 127.0.0.1, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _signin(client: httpx.Client) -> httpx.Response:
    return client.post("/api/session", json={"username": "auditor", "password": PASSWORD})


def test_behind_a_trusted_tls_proxy_cookies_are_secure_and_hsts_is_sent(lite_ledger: Ledger) -> None:
    """#16 item 6: behind a TLS proxy the session cookie was never Secure and there was no HSTS."""
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    app_ = create_app(lite_ledger)
    with serve(app_, proxy_headers=True, forwarded_allow_ips="127.0.0.1") as url, httpx.Client(base_url=url) as c:
        r = c.post("/api/session", json={"username": "auditor", "password": PASSWORD}, headers=https)
        assert r.status_code == 200
        assert "secure" in r.headers["set-cookie"].lower()
        assert r.headers["strict-transport-security"].startswith("max-age=")
        plain = _signin(c)  # the same proxy forwarding plain HTTP: no HSTS, no Secure
        assert "strict-transport-security" not in plain.headers
        assert "secure" not in plain.headers["set-cookie"].lower()
    # Forwarded headers from an address not trusted are ignored: a client cannot claim HTTPS.
    app_ = create_app(lite_ledger)
    with serve(app_, proxy_headers=True, forwarded_allow_ips="192.0.2.1") as url, httpx.Client(base_url=url) as c:
        r = c.post("/api/session", json={"username": "auditor", "password": PASSWORD}, headers=https)
        assert "strict-transport-security" not in r.headers


def test_tls_serves_https_with_secure_cookies(lite_ledger: Ledger, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    with serve(create_app(lite_ledger), tls_cert=cert, tls_key=key) as url:
        assert url.startswith("https://")
        with httpx.Client(base_url=url, verify=str(cert)) as c:
            r = _signin(c)
            assert r.status_code == 200 and "secure" in r.headers["set-cookie"].lower()
            assert "strict-transport-security" in r.headers


def test_tls_needs_both_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOOKOUT_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["serve", "--tls-cert", str(tmp_path / "cert.pem")])
    assert result.exit_code != 0
    assert "--tls-cert and --tls-key: give both" in str(result.exception) + result.output
    assert list(tmp_path.iterdir()) == []  # refused before a database or a key was created
