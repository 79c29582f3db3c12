"""TLS evidence of a real crawl through the replica's CONNECT proxy, checked against Python's ``ssl``.

The crawl goes through the replica's CONNECT proxy, as a user's would through any proxy: the TLS session is
with the origin inside the tunnel, so the chain recorded must be the one the replica's throw-away CA signed
for the blog's host, and the version and cipher those a separate TLS client negotiates with the same server.
Small WARC files (ARCHIVER_WARC_MAX_SIZE) make the crawl roll over, so the chain must be stored again in
every file.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from warcio.archiveiterator import ArchiveIterator

from archiver.tlsinfo import CHAIN_URN_PREFIX, chain_urn, fingerprint, parse_chain_fields, warc_tls_protocol
from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica


@dataclass
class WarcFile:
    """What one WARC file holds: chain records by URN, https responses, and metadata fields by target URI."""

    path: Path
    chains: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # URN -> (record id, PEM block)
    chain_records: int = 0
    responses: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # URI -> WARC headers
    metadata: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # URI -> warc-fields lines


def read_warc(path: Path) -> WarcFile:
    warc = WarcFile(path)
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            headers: dict[str, list[str]] = {}
            for name, value in record.rec_headers.headers:
                headers.setdefault(name, []).append(value)
            uri = headers["WARC-Target-URI"][0] if "WARC-Target-URI" in headers else ""
            block = record.content_stream().read()
            if record.rec_type == "metadata" and uri.startswith(CHAIN_URN_PREFIX):
                warc.chains[uri] = (headers["WARC-Record-ID"][0], block)
                warc.chain_records += 1
            elif record.rec_type == "response":
                warc.responses[uri] = headers
            elif record.rec_type == "metadata" and headers.get("Content-Type") == ["application/warc-fields"]:
                lines = [line.split(": ", 1) for line in block.decode("utf-8").splitlines() if ": " in line]
                warc.metadata[uri] = [(name, value) for name, value in lines]
    return warc


@dataclass
class Seen:
    """What Python's ssl module negotiated with the replica for the blog's host, through its proxy."""

    version: str
    cipher: str
    leaf: bytes


def tls_through_proxy(replica: Replica, host: str) -> Seen:
    """CONNECT through the replica's proxy and complete a TLS handshake with the origin, verifying its chain."""
    assert replica.ca_cert is not None
    context = ssl.create_default_context(cafile=str(replica.ca_cert))  # checks the chain and the host name
    with socket.create_connection(("127.0.0.1", replica.port), timeout=10) as raw:
        raw.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode("ascii"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = raw.recv(4096)
            assert chunk, head
            head += chunk
        assert head.split(b"\r\n", 1)[0].split()[1] == b"200", head
        with context.wrap_socket(raw, server_hostname=host) as tls:
            cipher = tls.cipher()
            leaf = tls.getpeercert(binary_form=True)
            assert cipher is not None
            assert leaf is not None
            return Seen(str(tls.version()), cipher[0], leaf)


@pytest.fixture(scope="module")
def crawl(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> tuple[Replica, Path]:
    replica = replica_factory("--posts", "12")
    out = tmp_path_factory.mktemp("tls")
    args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", "ARCHIVER_CRAWL_ID=20240102T030405Z",
            "-s", "ARCHIVER_WARC_MAX_SIZE=150000"]  # fmt: skip
    result = run_archiver(*args, env=replica.proxy_env(), timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    return replica, out / BLOG_HOST / "20240102T030405Z"


def test_every_https_capture_names_a_chain_stored_in_its_own_warc_file(crawl):
    _, crawl_dir = crawl
    paths = sorted((crawl_dir / "warc").glob("*.warc.gz"))
    assert len(paths) >= 2, "the crawl should have rolled over"
    https = 0
    for path in paths:
        warc = read_warc(path)
        assert warc.chain_records == len(warc.chains), f"{path.name}: a chain stored twice"
        for uri, (_, block) in warc.chains.items():
            assert uri == chain_urn(parse_chain_fields(block))  # the URN is the hash of the DER chain
        for uri, headers in warc.responses.items():
            if not uri.startswith("https://"):
                continue
            https += 1
            fields = warc.metadata[uri]
            (urn,) = [value for name, value in fields if name == "tlsChain"]
            (record_id,) = [value for name, value in fields if name == "tlsChainRecord"]
            assert urn in warc.chains, f"{uri}: its chain is not in {path.name}"
            assert warc.chains[urn][0] == record_id
            stored = parse_chain_fields(warc.chains[urn][1])
            assert [value for name, value in fields if name == "tlsCertificate"] == [fingerprint(d) for d in stored]
            assert headers["WARC-Protocol"][0] == "http/1.1"
            assert len(headers["WARC-Protocol"]) == 2
            assert len(headers["WARC-Cipher-Suite"]) == 1
    assert https > 20


def test_the_chain_is_the_origins_through_the_tunnel_and_matches_what_python_ssl_sees(crawl):
    replica, crawl_dir = crawl
    seen = tls_through_proxy(replica, BLOG_HOST)  # raises unless the replica's CA signed a cert for the host
    assert replica.ca_cert is not None
    ca = x509.load_pem_x509_certificate(replica.ca_cert.read_bytes())
    home = BLOG_URL
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        warc = read_warc(path)
        if home in warc.responses:
            break
    else:
        pytest.fail(f"{home} was not archived")
    headers = warc.responses[home]
    assert headers["WARC-Protocol"] == ["http/1.1", warc_tls_protocol(seen.version)]
    assert headers["WARC-Cipher-Suite"] == [seen.cipher]
    fields = dict(warc.metadata[home])
    chain = parse_chain_fields(warc.chains[fields["tlsChain"]][1])
    assert chain[0] == seen.leaf  # the very certificate the origin presents, not a proxy's
    leaf = x509.load_der_x509_certificate(chain[0])
    leaf.verify_directly_issued_by(ca)  # signed by the replica's throw-away CA
    assert chain[1:] == [ca.public_bytes(Encoding.DER)]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert any(
        name == BLOG_HOST or (name.startswith("*.") and BLOG_HOST.split(".", 1)[1] == name[2:]) for name in names
    )


def test_warcio_check_passes_on_the_files_with_chain_records(crawl):
    _, crawl_dir = crawl
    paths = sorted((crawl_dir / "warc").glob("*.warc.gz"))
    result = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, paths)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
