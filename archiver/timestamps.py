"""Capture-time RFC 3161 timestamps of WARC files, chained across the files and crawls of one blog.

When the crawl closes a WARC file (at rollover and at the end), :class:`Stamper` sends a time-stamping
authority (ARCHIVER_TSA_URL) the sha256 of a short, fixed message that binds the file to the blog's previous
token, so the tokens of one blog form one chain across its files and crawls:

.. code-block:: text

    blogspot-archiver-timestamp/1
    file: <the WARC file's name, e.g. host-20261123165853000-00000-machine.warc.gz>
    sha256: <the file's sha256, 64 lower-case hex digits>
    previous: <sha256 of the blog's previous token file (.tsr), hex, or "none" for the first>

(UTF-8, each line ended by one LF, nothing else). What is stored, and where:

- ``<file>.tsr`` beside the WARC file: the TSA's whole TimeStampResp (DER, as ``openssl ts -reply`` writes
  it; ``openssl ts -verify -in FILE.tsr -digest SHA256(message) -CAfile CA`` checks it too);
- ``<file>.tsr.json`` beside it: what recomputes the message (file name, file sha256, previous token
  sha256), the token's sha256 and its genTime;
- ``OUTPUT/<host>/timestamps.jsonl``: the chain, append-only, one line per token in the order they were
  issued (``file`` relative to the blog folder, ``sha256``, ``previous``, ``token``, ``token_sha256``,
  ``gen_time``);
- ``OUTPUT/<host>/tsa-trust.pem``: a copy of ARCHIVER_TSA_CA_FILE (the trust anchors the tokens were checked
  against when they were issued), so that the archive can be verified offline; a verifier compares its
  fingerprints (printed by ``archiver verify``) with the ones the TSA publishes.

Every token is checked when it arrives (status granted, our nonce, our imprint, a signature chaining to
ARCHIVER_TSA_CA_FILE) before anything is written. A TSA that fails or answers wrongly is a give-up
(``archiver/gave_up/timestamp_failed``, exit status 3); the WARC file is left as it is, unstamped, and the
chain goes on from the last token: ``archiver timestamp OUTPUT/<host>`` stamps such files later.

Verification (:func:`verify_timestamps` for a crawl folder, :func:`verify_chain` for a blog's output) happens
at each token's own genTime (rfc3161-client verifies the signature and certificate chain at genTime), so a TSA
certificate that has expired since never fails an old token; a genTime later than ``now`` is a problem. The
ASN.1 and the CMS signature are rfc3161-client's (Trail of Bits), never hand-written DER. The HTTP request is
made in the crawl's thread, at most once per WARC file (ARCHIVER_TSA_TIMEOUT bounds it), so the chain's order
is the order the files were closed in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from archiver.errors import ArchiverError
from archiver.fixity import file_digest
from archiver.layout import WARC_FOLDER
from archiver.warc.writer import WARC_SUFFIX

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from rfc3161_client import TimeStampResponse

    from archiver.verify import Report

logger = logging.getLogger(__name__)

IMPRINT_VERSION = "blogspot-archiver-timestamp/1"
TOKEN_SUFFIX = ".tsr"
SIDECAR_SUFFIX = ".tsr.json"
CHAIN_FILE = "timestamps.jsonl"
TRUST_FILE = "tsa-trust.pem"
DEFAULT_TIMEOUT = 30.0
#: how far a token's genTime may be ahead of the verifier's clock before it is a problem
CLOCK_SKEW = timedelta(minutes=5)


class TimestampError(ArchiverError):
    """A timestamp could not be obtained or stored (the TSA failed, or its answer does not check out)."""


def imprint_message(name: str, sha256: str, previous: str | None) -> bytes:
    """The message whose sha256 the TSA stamps (the encoding in the module docstring)."""
    if "\n" in name or "\r" in name:
        raise ValueError(f"file name {name!r} spans lines")
    return f"{IMPRINT_VERSION}\nfile: {name}\nsha256: {sha256}\nprevious: {previous or 'none'}\n".encode()


@dataclass(frozen=True)
class ChainEntry:
    """One token of a blog's chain: a line of ``timestamps.jsonl`` (and, with ``file`` a bare name, a sidecar)."""

    file: str  # the WARC file, relative to the blog folder (posix); in a sidecar its name only
    sha256: str  # the file's sha256 when stamped
    previous: str | None  # the sha256 of the previous token file, None for the first of the chain
    token: str  # the token file, relative to the blog folder (in a sidecar its name)
    token_sha256: str
    gen_time: str  # the token's genTime, ISO 8601 UTC

    def to_json(self) -> str:
        """One JSON line."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> ChainEntry:
        """Parse a line; raises ValueError when it is not a chain entry."""
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        try:
            return cls(
                file=str(data["file"]),
                sha256=str(data["sha256"]),
                previous=None if data["previous"] is None else str(data["previous"]),
                token=str(data["token"]),
                token_sha256=str(data["token_sha256"]),
                gen_time=str(data["gen_time"]),
            )
        except KeyError as exc:
            raise ValueError(f"missing {exc.args[0]!r}") from None


def load_trust(path: Path) -> list[x509.Certificate]:
    """The PEM certificates of a trust anchor file; raises TimestampError when there are none."""
    try:
        certificates = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise TimestampError(f"cannot read the TSA trust anchors {path}: {exc}") from exc
    if not certificates:
        raise TimestampError(f"{path} holds no PEM certificate")
    return certificates


def fingerprints(certificates: list[x509.Certificate]) -> list[str]:
    """``subject sha256:HEX`` of each certificate, for a person to compare with the TSA's published ones."""
    return [
        f"{certificate.subject.rfc4514_string()} sha256:{certificate.fingerprint(hashes.SHA256()).hex()}"
        for certificate in certificates
    ]


def check_token(token: bytes, message: bytes, roots: list[x509.Certificate]) -> tuple[datetime | None, str | None]:
    """Verify a stored TimeStampResp over ``message`` at its own genTime: (genTime, problem or None)."""
    try:
        response = decode_timestamp_response(token)
    except ValueError as exc:
        return None, f"not an RFC 3161 timestamp response: {exc}"
    if PKIStatus(response.status) not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        return None, f"the TSA did not grant it (status {response.status})"
    gen_time = response.tst_info.gen_time
    try:
        _verifier(roots).verify(response, hashlib.sha256(message).digest())
    except VerificationError as exc:
        return gen_time, str(exc)
    return gen_time, None


def _verifier(roots: list[x509.Certificate]) -> Any:
    """An rfc3161-client verifier trusting ``roots`` (it checks the chain at the token's genTime)."""
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    return builder.build()


def request_token(url: str, message: bytes, roots: list[x509.Certificate], *, timeout: float) -> bytes:
    """Ask the TSA at ``url`` to stamp sha256(``message``); return its checked TimeStampResp (DER).

    Raises TimestampError naming what went wrong: no answer, an HTTP error, a refusal, or an answer that is
    not for our request (nonce, imprint) or not signed by a TSA chaining to ``roots``.
    """
    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    http_request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
        url, data=request.as_bytes(), headers={"Content-Type": "application/timestamp-query"}, method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as answer:  # noqa: S310
            body: bytes = answer.read()
    except urllib.error.HTTPError as exc:
        raise TimestampError(f"the TSA {url} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise TimestampError(f"cannot reach the TSA {url}: {reason}") from None
    try:
        response: TimeStampResponse = decode_timestamp_response(body)
    except ValueError as exc:
        raise TimestampError(f"the TSA {url} did not answer with an RFC 3161 response: {exc}") from None
    if PKIStatus(response.status) not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"the TSA {url} refused: status {response.status} {response.status_string}")
    builder = VerifierBuilder.from_request(request)
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify(response, hashlib.sha256(message).digest())
    except VerificationError as exc:
        raise TimestampError(f"the TSA {url} answered with a token that does not check out: {exc}") from None
    return body


def _relative(blog_dir: Path, path: Path) -> str:
    """``path`` relative to the blog folder, posix; its name when it lies elsewhere."""
    try:
        return path.resolve().relative_to(blog_dir.resolve()).as_posix()
    except ValueError:
        return path.name


def read_chain(blog_dir: Path) -> list[ChainEntry]:
    """The blog's chain, in order; raises TimestampError for a line that is not a chain entry."""
    path = blog_dir / CHAIN_FILE
    if not path.is_file():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entries.append(ChainEntry.from_json(line))
        except ValueError as exc:
            raise TimestampError(f"{path} line {number} is not a chain entry: {exc}") from None
    return entries


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so that a half file never exists."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def blog_warcs(blog_dir: Path) -> Iterator[Path]:
    """Every closed WARC file of the blog's crawl folders, crawl by crawl (by name), file by file."""
    for crawl_dir in sorted(path for path in blog_dir.iterdir() if path.is_dir()):
        warc_dir = crawl_dir / WARC_FOLDER
        if warc_dir.is_dir():
            yield from sorted(warc_dir.glob(f"*{WARC_SUFFIX}"))


class Stamper:
    """Stamp WARC files of one blog, one after another, each token chained to the blog's previous one."""

    def __init__(self, blog_dir: Path, url: str, ca_file: Path, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Read the trust anchors (raises TimestampError when they cannot be read); no request yet."""
        self.blog_dir = blog_dir
        self.url = url
        self.ca_file = ca_file
        self.timeout = timeout
        self.roots = load_trust(ca_file)

    def _keep_trust(self) -> None:
        """Copy the trust anchors into the blog folder, adding any that are not there yet."""
        path = self.blog_dir / TRUST_FILE
        have = load_trust(path) if path.is_file() else []
        new = [certificate for certificate in self.roots if certificate not in have]
        if new:
            from cryptography.hazmat.primitives.serialization import Encoding

            pem = b"".join(certificate.public_bytes(Encoding.PEM) for certificate in [*have, *new])
            _write_atomic(path, pem)

    def stamp(self, warc: Path, sha256: str | None = None) -> ChainEntry:
        """Obtain, check and store the token of one closed WARC file; raises TimestampError on failure.

        ``sha256``: the file's digest when the writer hashed it as it wrote it (else the file is read).
        """
        chain = read_chain(self.blog_dir)
        previous = chain[-1].token_sha256 if chain else None
        sha256 = sha256 or file_digest(warc)
        token = request_token(self.url, imprint_message(warc.name, sha256, previous), self.roots, timeout=self.timeout)
        gen_time = decode_timestamp_response(token).tst_info.gen_time.astimezone(UTC)
        token_path = warc.with_name(warc.name + TOKEN_SUFFIX)
        entry = ChainEntry(
            file=_relative(self.blog_dir, warc),
            sha256=sha256,
            previous=previous,
            token=_relative(self.blog_dir, token_path),
            token_sha256=hashlib.sha256(token).hexdigest(),
            gen_time=gen_time.isoformat().replace("+00:00", "Z"),
        )
        sidecar = ChainEntry(warc.name, sha256, previous, token_path.name, entry.token_sha256, entry.gen_time)
        try:
            self.blog_dir.mkdir(parents=True, exist_ok=True)
            self._keep_trust()
            _write_atomic(token_path, token)
            _write_atomic(warc.with_name(warc.name + SIDECAR_SUFFIX), (sidecar.to_json() + "\n").encode())
            with (self.blog_dir / CHAIN_FILE).open("a", encoding="utf-8") as handle:
                handle.write(entry.to_json() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise TimestampError(f"cannot store the timestamp of {warc}: {exc}") from exc
        logger.info("Timestamped %s at %s by %s", warc.name, entry.gen_time, self.url)
        return entry

    def unstamped(self) -> list[Path]:
        """The blog's closed WARC files that have no token yet, in crawl and file order."""
        return [warc for warc in blog_warcs(self.blog_dir) if not warc.with_name(warc.name + TOKEN_SUFFIX).exists()]


# -- verification -----------------------------------------------------------------------------------------


def _trust_for(folders: list[Path], report: Report) -> list[x509.Certificate] | None:
    """The trust anchors stored with the archive (the first ``tsa-trust.pem`` of ``folders``), noted once."""
    for folder in folders:
        path = folder / TRUST_FILE
        if path.is_file():
            try:
                roots = load_trust(path)
            except TimestampError as exc:
                report.problem("timestamp", str(path), str(exc))
                return None
            report.note(f"timestamp tokens checked against {path}: " + "; ".join(fingerprints(roots)))
            return roots
    return None


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _check_file(
    warc: Path,
    roots: list[x509.Certificate] | None,
    report: Report,
    now: datetime,
    display: str,
) -> ChainEntry | None:
    """Check one WARC file's token and sidecar; return the sidecar when it could be read."""
    token_path = warc.with_name(warc.name + TOKEN_SUFFIX)
    sidecar_path = warc.with_name(warc.name + SIDECAR_SUFFIX)
    try:
        sidecar = ChainEntry.from_json(sidecar_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        report.problem("timestamp", display, f"{sidecar_path.name} is missing: the token's message cannot be rebuilt")
        return None
    except ValueError as exc:
        report.problem("timestamp", display, f"{sidecar_path.name} is not a timestamp record: {exc}")
        return None
    token = token_path.read_bytes()
    sha256 = file_digest(warc)
    token_sha256 = hashlib.sha256(token).hexdigest()
    if roots is None:
        report.problem(
            "timestamp", display, f"no trust anchor ({TRUST_FILE}) stored with the archive: the signer is unchecked"
        )
        return sidecar
    gen_time, problem = check_token(token, imprint_message(warc.name, sha256, sidecar.previous), roots)
    if problem is None:
        if gen_time is not None and gen_time > now + CLOCK_SKEW:
            report.problem("timestamp", display, f"the token's genTime {gen_time.isoformat()} is in the future")
        else:
            report.ok("timestamp")
        return sidecar
    if "Mismatch between messages" in problem:
        if token_sha256 != sidecar.token_sha256:
            problem = (
                f"{token_path.name} is not the token stamped for this file (its sha256 {token_sha256} is not the "
                f"recorded {sidecar.token_sha256}): swapped or replaced"
            )
        elif sha256 != sidecar.sha256:
            problem = f"the file changed since it was stamped: sha256 now {sha256}, stamped {sidecar.sha256}"
        elif sidecar.file != warc.name:
            problem = f"the token was stamped for {sidecar.file}, not for this file"
        else:
            problem = f"the token's imprint does not match this file and its predecessor: {problem}"
    else:
        problem = f"the token does not verify: {problem}"
    report.problem("timestamp", display, problem)
    return sidecar


def verify_timestamps(crawl_dir: Path, report: Report, *, now: datetime | None = None) -> None:
    """Check the token of every WARC file of a crawl folder against the file, at the token's genTime.

    A crawl none of whose files has a token is noted as not timestamped (not a problem); a crawl where some
    files have one and others none has a problem for each file without. The trust anchors are the
    ``tsa-trust.pem`` of the blog folder (the crawl's parent), else of the crawl folder.
    """
    _verify_crawl(crawl_dir, report, now or datetime.now(UTC), None)


def _verify_crawl(
    crawl_dir: Path, report: Report, now: datetime, roots: list[x509.Certificate] | None
) -> dict[str, ChainEntry]:
    """:func:`verify_timestamps`, returning the sidecars read, by the WARC file's path relative to the blog."""
    warc_dir = crawl_dir / WARC_FOLDER
    if not warc_dir.is_dir():
        if not crawl_dir.is_dir():
            raise TimestampError(f"{crawl_dir}: no such folder")
        return {}
    warcs = sorted(warc_dir.glob(f"*{WARC_SUFFIX}"))
    stamped = [warc for warc in warcs if warc.with_name(warc.name + TOKEN_SUFFIX).is_file()]
    if not stamped:
        if warcs:
            report.note(f"{crawl_dir.name}: not timestamped ({len(warcs)} WARC files without a token)")
        return {}
    if roots is None:
        roots = _trust_for([crawl_dir.parent, crawl_dir], report)
    sidecars = {}
    for warc in warcs:
        display = f"{crawl_dir.name}/{WARC_FOLDER}/{warc.name}"
        if warc not in stamped:
            report.problem(
                "timestamp", display, "no timestamp token (the TSA failed?): `archiver timestamp BLOG` stamps it"
            )
            continue
        sidecar = _check_file(warc, roots, report, now, display)
        if sidecar is not None:
            sidecars[display] = sidecar
    return sidecars


def verify_chain(blog_dir: Path, report: Report, *, now: datetime | None = None) -> None:
    """Check a blog's whole chain: every crawl's tokens (:func:`verify_timestamps`) and every link.

    Each line of ``timestamps.jsonl`` must name a token file whose sha256 it records, whose sidecar agrees
    with it, and whose ``previous`` is the sha256 of the line before's token (none for the first); genTimes
    never go backwards; every token of the blog's crawl folders is in the chain. A walker over a blog's output
    calls this alone (it includes the per-crawl checks).
    """
    if not blog_dir.is_dir():
        raise TimestampError(f"{blog_dir}: no such folder")
    when = now or datetime.now(UTC)
    chain_path = blog_dir / CHAIN_FILE
    try:
        chain = read_chain(blog_dir)
    except TimestampError as exc:
        report.problem("timestamp.chain", CHAIN_FILE, str(exc))
        return
    roots = _trust_for([blog_dir], report) if chain else None
    sidecars: dict[str, ChainEntry] = {}
    for crawl_dir in sorted(path for path in blog_dir.iterdir() if (path / WARC_FOLDER).is_dir()):
        sidecars.update(_verify_crawl(crawl_dir, report, when, roots))
    if not chain:
        if sidecars:
            report.problem("timestamp.chain", CHAIN_FILE, f"missing, yet {len(sidecars)} WARC files have tokens")
        return
    previous: ChainEntry | None = None
    listed = set()
    for number, entry in enumerate(chain, 1):
        where = f"{CHAIN_FILE} line {number} ({entry.file})"
        listed.add(entry.file)
        expected = previous.token_sha256 if previous is not None else None
        problems = []
        if entry.previous != expected:
            problems.append(
                f"a missing link: it follows token {entry.previous or 'none'}, but the line before holds "
                f"{expected or 'none (this is the first line)'}"
            )
        token_path = blog_dir / entry.token
        if not token_path.is_file():
            problems.append(f"its token {entry.token} is missing")
        elif hashlib.sha256(token_path.read_bytes()).hexdigest() != entry.token_sha256:
            problems.append(f"its token {entry.token} is not the one chained here (sha256 differs)")
        sidecar = sidecars.get(entry.file)
        if sidecar is not None and (sidecar.previous, sidecar.sha256) != (entry.previous, entry.sha256):
            problems.append(f"its sidecar {entry.file}{SIDECAR_SUFFIX} disagrees with the chain")
        this_time = _parse_time(entry.gen_time)
        last_text = previous.gen_time if previous is not None else ""
        last_time = _parse_time(last_text) if last_text else None
        if this_time is None:
            problems.append(f"genTime {entry.gen_time!r} is not a time")
        elif last_time is not None and this_time < last_time:
            problems.append(f"genTime {entry.gen_time} is before the previous token's {last_text}")
        for problem in problems:
            report.problem("timestamp.chain", where, problem)
        if not problems:
            report.ok("timestamp.chain")
        previous = entry
    for display in sorted(set(sidecars) - listed):
        report.problem("timestamp.chain", display, f"its token is not in {chain_path.name}")
