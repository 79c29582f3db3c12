"""Self-signed certificates so the replica can answer https requests tunnelled through CONNECT.

A throw-away CA signs one leaf certificate whose names cover every host the replica serves; clients
either skip verification (as Scrapy does by default, ``curl -k``) or trust the CA file the replica writes.
"""

from __future__ import annotations

import ipaddress
import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# Wildcards cover any blog name (*.blogspot.com) and the numbered image hosts (*.bp.blogspot.com).
DEFAULT_NAMES = (
    "*.blogspot.com",
    "*.bp.blogspot.com",
    "www.blogger.com",
    "resources.blogblog.com",
    "www.blogblog.com",
    "img1.blogblog.com",
    "blogger.googleusercontent.com",
    "localhost",
)


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "blogspot-archiver offline replica"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make_certificates(extra_names: tuple[str, ...] = ()) -> tuple[bytes, bytes, bytes]:
    """Return (CA certificate PEM, leaf certificate chain PEM, leaf key PEM)."""
    now = datetime.now(UTC) - timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("blogspot-archiver replica CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in (*DEFAULT_NAMES, *extra_names)]
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("blogspot replica"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca.public_bytes(pem)
    chain = leaf.public_bytes(pem) + ca_pem
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca_pem, chain, key_pem


def server_context(extra_names: tuple[str, ...] = (), ca_out: Path | None = None) -> ssl.SSLContext:
    """A TLS server context for the tunnelled hosts; writes the CA certificate to ``ca_out`` if given."""
    ca_pem, chain, key_pem = make_certificates(extra_names)
    if ca_out is not None:
        ca_out.write_bytes(ca_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_alpn_protocols(["http/1.1"])
    with tempfile.TemporaryDirectory() as tmp:  # load_cert_chain reads files only
        cert_file, key_file = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert_file.write_bytes(chain)
        key_file.write_bytes(key_pem)
        context.load_cert_chain(cert_file, key_file)
    return context
