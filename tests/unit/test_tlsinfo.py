"""TLS evidence: the session read from a real pyOpenSSL handshake, the chain record once per WARC file, headers."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from blogger_replica.tls import make_certificates
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL
from warcio.archiveiterator import ArchiveIterator

from archiver.tlsinfo import (
    CHAIN_CONTENT_TYPE,
    CHAIN_URN_PREFIX,
    TlsSession,
    chain_digest,
    chain_fields,
    fingerprint,
    iana_cipher_name,
    metadata_annotations,
    parse_chain_fields,
    parse_pem_chain,
    pem_chain,
    session_from_connection,
    warc_tls_protocol,
)
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter

if TYPE_CHECKING:
    from pathlib import Path

WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def certificates() -> tuple[bytes, bytes, bytes]:
    """The replica's throw-away CA, its leaf chain (leaf then CA) and the leaf's key, all PEM."""
    return make_certificates()


def ders(pem: bytes) -> list[bytes]:
    """The DER of every certificate of a PEM bundle, read by cryptography (not by the code under test)."""
    return [cert.public_bytes(Encoding.DER) for cert in x509.load_pem_x509_certificates(pem)]


def handshake(
    tmp_path: Path, certs: tuple[bytes, bytes, bytes], *, tls12_cipher: bytes | None = None
) -> SSL.Connection:
    """Run a client/server handshake in memory; return the client's connection (what Scrapy's transport holds)."""
    _ca, chain, key = certs
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    server_ctx = SSL.Context(SSL.TLS_METHOD)
    server_ctx.use_certificate_chain_file(str(tmp_path / "chain.pem"))
    server_ctx.use_privatekey_file(str(tmp_path / "key.pem"))
    if tls12_cipher is not None:
        server_ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
        server_ctx.set_cipher_list(tls12_cipher)
    server = SSL.Connection(server_ctx, None)
    server.set_accept_state()
    client = SSL.Connection(SSL.Context(SSL.TLS_METHOD), None)
    client.set_connect_state()
    for _ in range(20):
        for this, other in ((client, server), (server, client)):
            try:
                this.do_handshake()
            except SSL.WantReadError:
                pass
            try:
                other.bio_write(this.bio_read(1 << 16))
            except SSL.WantReadError:
                pass
    client.do_handshake()  # raises unless it is complete
    return client


def test_session_of_a_tls13_handshake_has_version_cipher_and_the_chain_as_sent(tmp_path, certificates):
    session = session_from_connection(handshake(tmp_path, certificates))
    assert session is not None
    assert session.version == "TLSv1.3"
    assert session.protocol == "tls/1.3"
    assert session.cipher.startswith("TLS_")
    assert session.cipher_suite == session.cipher  # TLS 1.3 suites: OpenSSL uses the IANA names
    assert list(session.chain) == ders(certificates[1])  # leaf first, then the CA, as the server sent them
    leaf = x509.load_der_x509_certificate(session.chain[0])
    assert "*.blogspot.com" in leaf.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.DNSName)


def test_session_of_a_tls12_handshake_names_the_suite_as_iana_does(tmp_path, certificates):
    session = session_from_connection(handshake(tmp_path, certificates, tls12_cipher=b"ECDHE-ECDSA-AES128-GCM-SHA256"))
    assert session is not None
    assert (session.version, session.protocol) == ("TLSv1.2", "tls/1.2")
    assert session.cipher == "ECDHE-ECDSA-AES128-GCM-SHA256"
    assert session.cipher_suite == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"


def test_no_session_before_the_handshake():
    client = SSL.Connection(SSL.Context(SSL.TLS_METHOD), None)
    client.set_connect_state()
    assert session_from_connection(client) is None


@pytest.mark.parametrize(
    ("version", "expected"),
    [("TLSv1", "tls/1.0"), ("TLSv1.1", "tls/1.1"), ("TLSv1.2", "tls/1.2"), ("TLSv1.3", "tls/1.3"), ("SSLv3", "ssl/3"),
     ("DTLSv1.2", None)],
)  # fmt: skip
def test_warc_protocol_ids_are_the_extensions(version, expected):
    assert warc_tls_protocol(version) == expected


def test_iana_names_of_openssl_suites():
    assert iana_cipher_name("ECDHE-RSA-AES256-GCM-SHA384") == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    assert iana_cipher_name("ECDHE-RSA-CHACHA20-POLY1305") == "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
    assert iana_cipher_name("AES128-SHA") == "TLS_RSA_WITH_AES_128_CBC_SHA"
    assert iana_cipher_name("TLS_AES_128_GCM_SHA256") == "TLS_AES_128_GCM_SHA256"
    assert iana_cipher_name("NOT-A-SUITE") is None


def test_pem_chain_round_trips_and_is_what_cryptography_reads(certificates):
    chain = ders(certificates[1])
    block = pem_chain(chain)
    assert ders(block) == chain
    assert parse_pem_chain(block) == chain
    assert parse_pem_chain(certificates[1]) == chain  # any PEM bundle, e.g. the server's own file
    assert parse_chain_fields(chain_fields(chain)) == chain
    assert chain_digest(chain) == hashlib.sha256(chain[0] + chain[1]).hexdigest()
    assert fingerprint(chain[0]) == "sha256:" + hashlib.sha256(chain[0]).hexdigest()


def test_annotations_name_the_chain_its_record_and_every_fingerprint(certificates):
    chain = tuple(ders(certificates[1]))
    session = TlsSession("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", chain)
    lines = metadata_annotations(session, "<urn:uuid:1>")
    assert lines == (
        ("tlsProtocol", "tls/1.2"),
        ("tlsCipher", "ECDHE-RSA-AES128-GCM-SHA256"),
        ("tlsCipherSuite", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        ("tlsChain", "urn:x-tls-chain:sha256:" + chain_digest(chain)),
        ("tlsChainRecord", "<urn:uuid:1>"),
        ("tlsCertificate", fingerprint(chain[0])),
        ("tlsCertificate", fingerprint(chain[1])),
    )
    unknown = metadata_annotations(TlsSession("TLSv1.2", "ODD-SUITE"), None)
    assert unknown == (("tlsProtocol", "tls/1.2"), ("tlsCipher", "ODD-SUITE"))  # no name the extension forbids


# -- in the WARC file -------------------------------------------------------------------------------------


def https_capture(writer: WarcFileWriter, session: TlsSession | None, url: str, body: bytes = b"x" * 200) -> None:
    """Write one capture as the middleware does: chain record first (once per file), then the capture."""
    annotations: tuple[tuple[str, str], ...] = ()
    if session is not None and session.chain_urn is not None:
        record_id = writer.metadata_once_per_file(
            session.chain_urn, chain_fields(session.chain), content_type=CHAIN_CONTENT_TYPE, when=WHEN
        )
        annotations = metadata_annotations(session, record_id)
    response = CapturedResponse(
        200,
        "OK",
        "HTTP/1.1",
        [(b"Content-Type", b"text/html")],
        body,
        tls_protocol=session.protocol if session else None,
        tls_cipher=session.cipher_suite if session else None,
    )
    writer.write_capture(Capture(CapturedRequest("GET", url), response, WHEN, annotations=annotations))


def read_records(path: Path) -> list[tuple[str, dict[str, list[str]], bytes]]:
    """(type, every WARC header with its repeated values, block) of each record of a file."""
    out = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            headers: dict[str, list[str]] = {}
            for name, value in record.rec_headers.headers:
                headers.setdefault(name, []).append(value)
            out.append((record.rec_type, headers, record.content_stream().read()))
    return out


def is_chain(rec_type: str, headers: dict[str, list[str]]) -> bool:
    """A chain record: metadata, the PEM chain's media type."""
    return rec_type == "metadata" and headers["WARC-Target-URI"][0].startswith(CHAIN_URN_PREFIX)


def test_each_chain_once_per_file_named_by_every_capture_and_stored_again_after_rollover(tmp_path, certificates):
    chain = tuple(ders(certificates[1]))
    other = (chain[1],)  # a second, different chain (the CA alone)
    session = TlsSession("TLSv1.3", "TLS_AES_256_GCM_SHA384", chain)
    writer = WarcFileWriter(tmp_path, "T", "host", max_size=6000)
    https_capture(writer, session, "https://a.blogspot.com/1")
    https_capture(writer, session, "https://a.blogspot.com/2")
    https_capture(writer, TlsSession("TLSv1.3", "TLS_AES_256_GCM_SHA384", other), "https://b.blogspot.com/")
    https_capture(writer, None, "http://a.blogspot.com/plain")
    for n in range(3, 12):  # enough to roll over to more files
        https_capture(writer, session, f"https://a.blogspot.com/{n}", body=b"y" * 900)
    writer.close()
    assert len(writer.files_written) >= 2
    warcio = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, writer.files_written)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert warcio.returncode == 0, warcio.stdout + warcio.stderr

    for path in writer.files_written:
        records = read_records(path)
        chain_records = [(h, block) for t, h, block in records if is_chain(t, h)]
        chains = {h["WARC-Target-URI"][0]: (h["WARC-Record-ID"][0], block) for h, block in chain_records}
        assert len(chain_records) == len(chains)  # each distinct chain once in this file
        assert all(h["Content-Type"] == [CHAIN_CONTENT_TYPE] for h, _ in chain_records)
        for uri, (_, block) in chains.items():
            assert uri == "urn:x-tls-chain:sha256:" + chain_digest(parse_chain_fields(block))
        for rec_type, headers, block in records:
            if rec_type == "response" and headers["WARC-Target-URI"][0].startswith("https:"):
                assert headers["WARC-Protocol"] == ["http/1.1", "tls/1.3"]
                assert headers["WARC-Cipher-Suite"] == ["TLS_AES_256_GCM_SHA384"]
            if rec_type == "response" and headers["WARC-Target-URI"][0].startswith("http:"):
                assert "WARC-Protocol" not in headers
                assert "WARC-Cipher-Suite" not in headers
            if rec_type != "metadata" or is_chain(rec_type, headers):
                continue
            assert headers["Content-Type"] == ["application/warc-fields"]
            fields = [line.split(": ", 1) for line in block.decode().splitlines()]
            named = [value for name, value in fields if name == "tlsChain"]
            if headers["WARC-Target-URI"][0].startswith("http:"):
                assert named == []
                continue
            (urn,) = named
            (record_id,) = [value for name, value in fields if name == "tlsChainRecord"]
            assert chains[urn][0] == record_id  # the record it names is in the same file
            stored = parse_chain_fields(chains[urn][1])
            assert [value for name, value in fields if name == "tlsCertificate"] == [fingerprint(d) for d in stored]
    first = read_records(writer.files_written[0])
    assert sum(is_chain(t, h) for t, h, _ in first) == 2  # two distinct chains, though three https captures
    assert all(t != "resource" for t, _, _ in first)  # metadata records: nothing a replay index lists
