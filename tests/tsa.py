"""A real RFC 3161 time-stamping authority on 127.0.0.1 for the tests: OpenSSL's ``openssl ts -reply``.

:func:`make_pki` generates a CA and a TSA certificate (extendedKeyUsage critical timeStamping, signed by the
CA) with the cryptography library; :class:`LocalTsa` is a small HTTP server that answers every POSTed
``application/timestamp-query`` with the reply ``openssl ts -reply`` signs with them. Nothing here is
hand-written ASN.1: the requests come from the archiver, the replies from OpenSSL.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: what the test TSA signs with: ``[tsa]`` section of an openssl.cnf, paths filled in by :func:`make_pki`
_CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


@dataclass(frozen=True)
class Pki:
    """The test TSA's files: its trust anchor (``ca.pem``), its certificate and the openssl configuration."""

    folder: Path
    ca_file: Path
    tsa_cert: Path
    config: Path
    not_after: dt.datetime  # the TSA certificate's notAfter (UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_pki(folder: Path, *, valid_for: dt.timedelta = dt.timedelta(days=2)) -> Pki:
    """Generate a CA and a TSA certificate valid from an hour ago for ``valid_for``, and the openssl config."""
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("archiver test CA"))
        .issuer_name(_name("archiver test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    not_after = start + valid_for
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("archiver test TSA"))
        .issuer_name(ca_cert.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    (folder / "tsa.pem").write_bytes(tsa_cert.public_bytes(pem))
    (folder / "tsa.key").write_bytes(
        tsa_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (folder / "serial").write_text("01\n")
    config = folder / "openssl.cnf"
    config.write_text(_CONFIG.format(dir=folder))
    return Pki(folder, folder / "ca.pem", folder / "tsa.pem", config, not_after)


def openssl_reply(pki: Pki, query: bytes) -> bytes:
    """The TimeStampResp ``openssl ts -reply`` gives for a DER TimeStampReq."""
    with tempfile.TemporaryDirectory(dir=pki.folder) as work:
        query_file = Path(work) / "query.tsq"
        reply_file = Path(work) / "reply.tsr"
        query_file.write_bytes(query)
        subprocess.run(
            ["openssl", "ts", "-reply", "-config", str(pki.config), "-queryfile", str(query_file)]
            + ["-out", str(reply_file)],
            check=True,
            capture_output=True,
        )
        return reply_file.read_bytes()


class LocalTsa:
    """An HTTP time-stamping authority on 127.0.0.1 (a thread); ``url`` is where to POST queries.

    ``queries`` counts the queries answered; set ``failing`` to answer 503 instead.
    """

    def __init__(self, pki: Pki) -> None:
        """Bind to a free loopback port; :meth:`start` serves."""
        self.pki = pki
        self.queries = 0
        self.failing = False
        self._lock = threading.Lock()
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                query = self.rfile.read(length)
                if tsa.failing or self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(503 if tsa.failing else 415)
                    return
                with tsa._lock:  # openssl's serial file is not safe to share between processes
                    reply = openssl_reply(tsa.pki, query)
                    tsa.queries += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                """Stay quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsr"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalTsa:
        """Serve in a thread."""
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()
