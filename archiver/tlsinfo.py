"""TLS evidence of an https capture: the server's certificate chain, the negotiated TLS version and cipher suite.

What is recorded, and where (issue 10; the extensions of ``iipc/warc-specifications`` followed where they exist):

- ``WARC-Protocol`` on the response record, repeated for the layers, the higher one first (WARC-Protocol
  extension): ``http/1.1`` then ``tls/1.3``. The TLS layer is written only when a TLS session was seen.
- ``WARC-Cipher-Suite`` on the response record: the suite's name in the IANA TLS Cipher Suites registry
  (WARC-Cipher-Suite extension), e.g. ``TLS_AES_256_GCM_SHA384`` or
  ``TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384``. OpenSSL names TLS 1.2 suites its own way
  (``ECDHE-RSA-AES256-GCM-SHA384``); :data:`IANA_CIPHER_NAMES` maps them (the table is ``openssl ciphers
  -stdname 'ALL:!PSK:!SRP:!aNULL:!eNULL'`` of OpenSSL 3.0). A suite not in it gets no ``WARC-Cipher-Suite``
  rather than a name the extension does not allow; the metadata record keeps OpenSSL's name either way.
- The certificate chain. No specification says how to store it (WARC 1.1 leaves https evidence out of
  scope, sections 6.3.2 and 6.5.2; warcprox #13 and webrecorder/specs #147 are open questions), so this is
  our convention, warcprox #13's proposal made precise. Each distinct chain is a ``metadata`` record once
  per WARC file (it describes how captures were fetched; a ``resource`` record would be listed by replay
  indexes such as pywb's as if it were a page), written before the first capture that used it, with
  ``Content-Type: application/warc-fields`` (pywb indexes a metadata record of any other type) and one
  ``certificate: <base64 of the DER>`` line per certificate (:func:`chain_fields`), the server's own first,
  then each that signs the one before, as the server sent them (the order of RFC 8446 section 4.4.2 and of
  RFC 8555's PEM chains, which :func:`pem_chain` writes for ``openssl``), and
  ``WARC-Target-URI: urn:x-tls-chain:sha256:<hex>``, the hex the SHA-256 of the DER certificates
  concatenated in that order (:func:`chain_digest`). A new WARC file (a rollover) stores it again, so every
  file is evidence on its own.
- The capture's ``metadata`` record names it (:func:`metadata_annotations`): ``tlsProtocol``, ``tlsCipher``
  (OpenSSL's name), ``tlsCipherSuite`` (IANA's, when known), ``tlsChain`` (the URN), ``tlsChainRecord``
  (the chain record's WARC-Record-ID in the same file) and one ``tlsCertificate: sha256:<hex>`` per
  certificate, the DER's SHA-256, in chain order, the server's certificate first.

The session is read from the connection's pyOpenSSL ``Connection`` while the response head is received
(:mod:`archiver.downloader`). Behind an HTTP proxy with CONNECT the TLS session runs through the tunnel with
the origin, so the chain is the origin's, never the proxy's. The certificates are recorded, not verified
(Scrapy does not verify them): what was presented is the evidence, whether or not anyone trusted it.

Nothing here imports Scrapy.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.serialization import Encoding

if TYPE_CHECKING:
    from collections.abc import Sequence

    from OpenSSL.SSL import Connection

CHAIN_CONTENT_TYPE = "application/warc-fields"
CHAIN_URN_PREFIX = "urn:x-tls-chain:sha256:"

#: OpenSSL's names of the TLS 1.2 (and older) suites -> their IANA names; TLS 1.3 suites have the IANA name
IANA_CIPHER_NAMES: dict[str, str] = {
    "ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "DHE-DSS-AES256-GCM-SHA384": "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
    "DHE-RSA-AES256-GCM-SHA384": "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-RSA-CHACHA20-POLY1305": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "DHE-RSA-CHACHA20-POLY1305": "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-AES256-CCM8": "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
    "ECDHE-ECDSA-AES256-CCM": "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
    "DHE-RSA-AES256-CCM8": "TLS_DHE_RSA_WITH_AES_256_CCM_8",
    "DHE-RSA-AES256-CCM": "TLS_DHE_RSA_WITH_AES_256_CCM",
    "ECDHE-ECDSA-ARIA256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
    "ECDHE-ARIA256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
    "DHE-DSS-ARIA256-GCM-SHA384": "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384",
    "DHE-RSA-ARIA256-GCM-SHA384": "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
    "ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "DHE-DSS-AES128-GCM-SHA256": "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
    "DHE-RSA-AES128-GCM-SHA256": "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-ECDSA-AES128-CCM8": "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
    "ECDHE-ECDSA-AES128-CCM": "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
    "DHE-RSA-AES128-CCM8": "TLS_DHE_RSA_WITH_AES_128_CCM_8",
    "DHE-RSA-AES128-CCM": "TLS_DHE_RSA_WITH_AES_128_CCM",
    "ECDHE-ECDSA-ARIA128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
    "ECDHE-ARIA128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
    "DHE-DSS-ARIA128-GCM-SHA256": "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256",
    "DHE-RSA-ARIA128-GCM-SHA256": "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
    "ECDHE-ECDSA-AES256-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "ECDHE-RSA-AES256-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "DHE-RSA-AES256-SHA256": "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    "DHE-DSS-AES256-SHA256": "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
    "ECDHE-ECDSA-CAMELLIA256-SHA384": "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
    "ECDHE-RSA-CAMELLIA256-SHA384": "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
    "DHE-RSA-CAMELLIA256-SHA256": "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    "DHE-DSS-CAMELLIA256-SHA256": "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
    "ECDHE-ECDSA-AES128-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "ECDHE-RSA-AES128-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "DHE-RSA-AES128-SHA256": "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    "DHE-DSS-AES128-SHA256": "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
    "ECDHE-ECDSA-CAMELLIA128-SHA256": "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
    "ECDHE-RSA-CAMELLIA128-SHA256": "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    "DHE-RSA-CAMELLIA128-SHA256": "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    "DHE-DSS-CAMELLIA128-SHA256": "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
    "ECDHE-ECDSA-AES256-SHA": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "ECDHE-RSA-AES256-SHA": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "DHE-RSA-AES256-SHA": "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "DHE-DSS-AES256-SHA": "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
    "DHE-RSA-CAMELLIA256-SHA": "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
    "DHE-DSS-CAMELLIA256-SHA": "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
    "ECDHE-ECDSA-AES128-SHA": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "ECDHE-RSA-AES128-SHA": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "DHE-RSA-AES128-SHA": "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    "DHE-DSS-AES128-SHA": "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
    "DHE-RSA-CAMELLIA128-SHA": "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
    "DHE-DSS-CAMELLIA128-SHA": "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
    "AES256-GCM-SHA384": "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "AES256-CCM8": "TLS_RSA_WITH_AES_256_CCM_8",
    "AES256-CCM": "TLS_RSA_WITH_AES_256_CCM",
    "ARIA256-GCM-SHA384": "TLS_RSA_WITH_ARIA_256_GCM_SHA384",
    "AES128-GCM-SHA256": "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "AES128-CCM8": "TLS_RSA_WITH_AES_128_CCM_8",
    "AES128-CCM": "TLS_RSA_WITH_AES_128_CCM",
    "ARIA128-GCM-SHA256": "TLS_RSA_WITH_ARIA_128_GCM_SHA256",
    "AES256-SHA256": "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "CAMELLIA256-SHA256": "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    "AES128-SHA256": "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "CAMELLIA128-SHA256": "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    "AES256-SHA": "TLS_RSA_WITH_AES_256_CBC_SHA",
    "CAMELLIA256-SHA": "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
    "AES128-SHA": "TLS_RSA_WITH_AES_128_CBC_SHA",
    "CAMELLIA128-SHA": "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
}

_VERSIONS = {
    "SSLv2": "ssl/2",
    "SSLv3": "ssl/3",
    "TLSv1": "tls/1.0",
    "TLSv1.1": "tls/1.1",
    "TLSv1.2": "tls/1.2",
    "TLSv1.3": "tls/1.3",
}
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----", re.DOTALL)


def warc_tls_protocol(version: str) -> str | None:
    """The WARC-Protocol id of a TLS version as OpenSSL or Python's ``ssl`` name it (``TLSv1.3`` -> ``tls/1.3``)."""
    return _VERSIONS.get(version.strip())


def iana_cipher_name(openssl_name: str) -> str | None:
    """The IANA registry name of a cipher suite OpenSSL names ``openssl_name``; None when it is not known."""
    name = openssl_name.strip()
    if name.startswith("TLS_"):  # TLS 1.3 suites (and IANA names given as such)
        return name
    return IANA_CIPHER_NAMES.get(name)


def fingerprint(der: bytes) -> str:
    """A certificate's SHA-256 fingerprint over its DER: ``sha256:`` and lower-case hex."""
    return "sha256:" + hashlib.sha256(der).hexdigest()


def chain_digest(chain: Sequence[bytes]) -> str:
    """The SHA-256 (hex) of the DER certificates of a chain concatenated in order: what names the chain."""
    digest = hashlib.sha256()
    for der in chain:
        digest.update(der)
    return digest.hexdigest()


def chain_urn(chain: Sequence[bytes]) -> str:
    """The WARC-Target-URI of a chain's record: ``urn:x-tls-chain:sha256:<hex>``."""
    return CHAIN_URN_PREFIX + chain_digest(chain)


def pem_chain(chain: Sequence[bytes]) -> bytes:
    """The chain as PEM blocks (RFC 7468, 64-character lines), in order: the block of its chain record."""
    blocks = []
    for der in chain:
        text = base64.b64encode(der)
        lines = b"\n".join(text[i : i + 64] for i in range(0, len(text), 64))
        blocks.append(b"-----BEGIN CERTIFICATE-----\n" + lines + b"\n-----END CERTIFICATE-----\n")
    return b"".join(blocks)


def chain_fields(chain: Sequence[bytes]) -> bytes:
    """The block of a chain record: one ``certificate: <base64 DER>`` warc-fields line per certificate."""
    return b"".join(b"certificate: " + base64.b64encode(der) + b"\r\n" for der in chain)


def parse_chain_fields(block: bytes) -> list[bytes]:
    """The DER certificates of a chain record's block, in order (what :func:`chain_fields` wrote)."""
    out = []
    for line in block.splitlines():
        name, sep, value = line.partition(b":")
        if sep and name.strip() == b"certificate":
            out.append(base64.b64decode(value.strip()))
    return out


def parse_pem_chain(block: bytes) -> list[bytes]:
    """The DER certificates of a PEM chain, in order (what :func:`pem_chain` wrote, or any PEM bundle)."""
    return [base64.b64decode(b"".join(body.split())) for body in _PEM_BLOCK.findall(block)]


@dataclass(frozen=True)
class TlsSession:
    """What a TLS client saw: the version and cipher as OpenSSL names them, and the peer's chain (DER)."""

    version: str  # e.g. "TLSv1.3"
    cipher: str  # OpenSSL's name, e.g. "TLS_AES_256_GCM_SHA384" or "ECDHE-RSA-AES128-GCM-SHA256"
    chain: tuple[bytes, ...] = ()  # the server's certificate first, as it sent them

    @property
    def protocol(self) -> str | None:
        """The WARC-Protocol id of the TLS layer (``tls/1.3``), None for a version the extension has no id for."""
        return warc_tls_protocol(self.version)

    @property
    def cipher_suite(self) -> str | None:
        """The WARC-Cipher-Suite value: the IANA name of the suite, None when it is not known."""
        return iana_cipher_name(self.cipher)

    @property
    def chain_urn(self) -> str | None:
        """The chain record's URN, None when the server sent no certificate."""
        return chain_urn(self.chain) if self.chain else None


def session_from_connection(connection: Connection) -> TlsSession | None:
    """The TLS session of a pyOpenSSL client connection after its handshake; None before one completed."""
    version = connection.get_protocol_version_name()
    cipher = connection.get_cipher_name()
    if not cipher or not version or version == "Unknown":
        return None
    certificates = connection.get_peer_cert_chain(as_cryptography=True) or []
    if not certificates:
        leaf = connection.get_peer_certificate(as_cryptography=True)
        certificates = [leaf] if leaf is not None else []
    chain = tuple(cert.public_bytes(Encoding.DER) for cert in certificates)
    return TlsSession(version=version, cipher=cipher, chain=chain)


def metadata_annotations(session: TlsSession, chain_record_id: str | None) -> tuple[tuple[str, str], ...]:
    """The ``name: value`` lines of a capture's metadata record that describe its TLS session."""
    lines: list[tuple[str, str]] = []
    if session.protocol:
        lines.append(("tlsProtocol", session.protocol))
    lines.append(("tlsCipher", session.cipher))
    if session.cipher_suite:
        lines.append(("tlsCipherSuite", session.cipher_suite))
    if session.chain_urn:
        lines.append(("tlsChain", session.chain_urn))
        if chain_record_id:
            lines.append(("tlsChainRecord", chain_record_id))
        lines.extend(("tlsCertificate", fingerprint(der)) for der in session.chain)
    return tuple(lines)
