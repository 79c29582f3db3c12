"""Signed WACZ packages: the anonymous mode of the WACZ signing spec, its keys, and its offline verification.

What is signed, as the WACZ Signing and Verification spec 0.1.0 (webrecorder ``wacz-auth``) and the tools that
implement its anonymous mode define it (ArchiveWeb.page's signer, ReplayWeb.page's verifier):

- ``datapackage-digest.json`` holds ``path`` (``datapackage.json``), ``hash`` (``sha256:`` and the hex digest
  of the exact bytes of datapackage.json) and ``signedData``;
- ``signedData`` holds ``hash`` (the same string), ``created`` (the datapackage's own ``created``: py-wacz
  ``wacz validate`` refuses a signature whose ``created`` differs), ``software``, ``version`` (of the signing
  spec, as authsign writes it), ``signature`` and ``publicKey``;
- ``signature`` is ECDSA with SHA-256 over the UTF-8 bytes of the ``hash`` string, encoded as WebCrypto encodes
  it (IEEE P1363: r and s, each the curve's size, concatenated), in base64; ``publicKey`` is the key's DER
  SubjectPublicKeyInfo in base64. Nothing else is signed: the hash of datapackage.json is the one signed value,
  and datapackage.json holds the sha256 of every other file of the package.

The key is ECDSA P-256 (``archiver keys init``); P-384 is accepted too (``--curve P-384``), because
ArchiveWeb.page signs with P-384 and ReplayWeb.page imports every anonymous key as P-384. The private key
lives outside the output folder (default ``$XDG_CONFIG_HOME/blogspot-archiver/keys/``, else
``~/.config/...``), PEM, mode 0600, and is never overwritten. The public key is published with the archive
twice: in ``signedData.publicKey``, and beside the package as ``<package>.pub.pem``. An anonymous signature
proves that the package is unchanged since the holder of the key signed it; who holds the key is known only
from outside (the fingerprint ``archiver keys show`` prints, given to whoever will check the archive).

Verification (:func:`verify_wacz_signature`) follows the spec's procedure, offline: (1) every file the
datapackage lists has its hash and size and no file is unlisted; (2) the digest's hash is that of
datapackage.json; (3) the signature verifies with the public key over ``hash``; and ``created`` is a sane time
(the datapackage's own, not before the package's main page was captured, not in the future).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from archiver.errors import ArchiverError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from archiver.verify import Report

#: the signing spec's version, as authsign writes it in ``signedData.version``
SPEC_VERSION = "0.1.0"
CURVES: dict[str, type[ec.EllipticCurve]] = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1}
DEFAULT_CURVE = "P-256"
#: the key folder below the user's configuration folder
KEY_SUBDIR = Path("blogspot-archiver") / "keys"
PRIVATE_KEY_NAME = "wacz-signing-key.pem"
PUBLIC_KEY_NAME = "wacz-signing-key.pub.pem"
#: the public key beside a signed package: ``NAME.wacz.pub.pem``
PUBLIC_KEY_SUFFIX = ".pub.pem"
DIGEST_PATH = "datapackage-digest.json"
DATAPACKAGE_PATH = "datapackage.json"
#: how far in the future a signature's ``created`` may be (clocks differ)
CLOCK_SKEW = timedelta(minutes=10)

_CHUNK = 1 << 20


class SigningError(ArchiverError):
    """A signing key cannot be created, read or used."""


# -- keys --------------------------------------------------------------------------------------------------


def default_key_dir(config_home: str | None, home: Path) -> Path:
    """The key folder: ``$XDG_CONFIG_HOME/blogspot-archiver/keys``, else ``~/.config/blogspot-archiver/keys``."""
    base = Path(config_home) if config_home else home / ".config"
    return base / KEY_SUBDIR


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def init_keys(key_dir: Path, *, output_dir: Path | None = None, curve: str = DEFAULT_CURVE) -> Path:
    """Create an ECDSA key pair in ``key_dir``; return the private key's path.

    Refuses a folder inside ``output_dir`` (the archive is published, the key must not be) and a folder that
    already holds a key (a key is never overwritten: archives signed with it would lose their signer). The
    private key is written with mode 0600, its folder created with 0700.
    """
    if curve not in CURVES:
        raise SigningError(f"unknown curve {curve!r}: expected one of {', '.join(CURVES)}")
    key_dir = Path(key_dir)
    if output_dir is not None and _inside(key_dir, Path(output_dir)):
        raise SigningError(
            f"{key_dir} is inside the output folder {output_dir}: the private key must be kept apart from "
            "the archives it signs (choose another --dir)"
        )
    private, public = key_dir / PRIVATE_KEY_NAME, key_dir / PUBLIC_KEY_NAME
    if private.exists():
        raise SigningError(f"{private} already exists: a signing key is never overwritten")
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(CURVES[curve]())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise SigningError(f"{private} already exists: a signing key is never overwritten") from exc
    with os.fdopen(fd, "wb") as stream:
        stream.write(pem)
    public.write_bytes(public_key_pem(key.public_key()))
    return private


def load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """Read a PEM private key (unencrypted PKCS#8 or SEC1) on a supported curve; SigningError naming why not."""
    path = Path(path)
    try:
        data = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as exc:
        raise SigningError(f"cannot read the signing key {path}: {exc.strerror or exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningError(f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}): chmod 600 it")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningError(f"{path} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or curve_name(key.public_key()) is None:
        raise SigningError(f"{path} is not an ECDSA key on {' or '.join(CURVES)}")
    return key


def curve_name(public_key: ec.EllipticCurvePublicKey) -> str | None:
    """The key's curve as the spec's tools name it (P-256, P-384), None for another curve."""
    for name, curve in CURVES.items():
        if isinstance(public_key.curve, curve):
            return name
    return None


def public_key_der(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The DER SubjectPublicKeyInfo of a public key (what ``publicKey`` holds, base64-encoded)."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_pem(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The PEM SubjectPublicKeyInfo of a public key."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(public_key: ec.EllipticCurvePublicKey) -> str:
    """``sha256:`` and the hex sha256 of the key's DER SubjectPublicKeyInfo: what people compare."""
    return "sha256:" + hashlib.sha256(public_key_der(public_key)).hexdigest()


# -- signing -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """Signs the hash of a datapackage.json anonymously with one private key (the spec's ``signedData``)."""

    key: ec.EllipticCurvePrivateKey
    software: str

    @classmethod
    def from_file(cls, path: Path, software: str) -> Signer:
        """A signer with the private key at ``path`` (SigningError when it cannot be used)."""
        return cls(load_private_key(path), software)

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the public key."""
        return fingerprint(self.key.public_key())

    def public_key_pem(self) -> bytes:
        """The public key, PEM, as it is published beside a signed package."""
        return public_key_pem(self.key.public_key())

    def sign(self, hash_value: str, created: str) -> dict[str, Any]:
        """The ``signedData`` object for datapackage.json's ``hash`` (``sha256:HEX``) and ``created``."""
        der = self.key.sign(hash_value.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        size = (self.key.curve.key_size + 7) // 8
        raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
        return {
            "hash": hash_value,
            "created": created,
            "software": self.software,
            "version": SPEC_VERSION,
            "signature": base64.b64encode(raw).decode("ascii"),
            "publicKey": base64.b64encode(public_key_der(self.key.public_key())).decode("ascii"),
        }


def public_key_path(wacz: Path) -> Path:
    """Where a signed package's public key is published: ``NAME.wacz.pub.pem`` beside it."""
    return wacz.with_name(wacz.name + PUBLIC_KEY_SUFFIX)


# -- verification ------------------------------------------------------------------------------------------


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _signature_valid(public_key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    """ECDSA SHA-256: the P1363 (r || s) encoding the anonymous mode uses, or DER as authsign writes it."""
    size = (public_key.curve.key_size + 7) // 8
    candidates = []
    if len(signature) == 2 * size:
        r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        candidates.append(encode_dss_signature(r, s))
    candidates.append(signature)
    for der in candidates:
        try:
            public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            continue
        return True
    return False


def _sha256_member(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with archive.open(name) as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return "sha256:" + digest.hexdigest(), size


def _check_resources(archive: zipfile.ZipFile, package: Mapping[str, Any], where: str, report: Report) -> None:
    """Spec step 1: every listed file has its hash and size, and every file is listed."""
    resources = package.get("resources")
    if not isinstance(resources, list):
        report.problem("wacz.resource", where, "datapackage.json lists no resources")
        return
    members = {info.filename for info in archive.infolist() if not info.is_dir()}
    listed: set[str] = set()
    for resource in resources:
        path = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(path, str):
            report.problem("wacz.resource", where, f"datapackage.json has a resource without a path: {resource!r}")
            continue
        listed.add(path)
        if path not in members:
            report.problem("wacz.resource", f"{where}:{path}", "listed in datapackage.json but not in the package")
            continue
        try:
            found, size = _sha256_member(archive, path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            report.problem("wacz.resource", f"{where}:{path}", f"cannot be read from the package: {exc}")
            continue
        if found != resource.get("hash"):
            report.problem(
                "wacz.resource",
                f"{where}:{path}",
                f"sha256 differs: datapackage.json has {resource.get('hash')}, the file is {found}",
            )
        elif size != resource.get("bytes", size):
            report.problem(
                "wacz.resource",
                f"{where}:{path}",
                f"size differs: datapackage.json has {resource.get('bytes')}, the file is {size} bytes",
            )
        else:
            report.ok("wacz.resource")
    for name in sorted(members - listed - {DATAPACKAGE_PATH, DIGEST_PATH}):
        report.problem("wacz.resource", f"{where}:{name}", "in the package but not listed in datapackage.json")


def verify_wacz_signature(wacz: Path, report: Report, *, check_files: bool = True) -> None:
    """Verify a WACZ offline by the signing spec's procedure; every finding goes into ``report``.

    An unsigned package is a note (its datapackage hashes are still checked); a package whose files, digest,
    signature, ``created`` time or published public key (``NAME.wacz.pub.pem`` beside it) do not match is a
    problem naming which. ``check_files=False`` leaves out step 1 (the listed files' hashes), for a caller that
    checks them itself. Raises SigningError only when the file cannot be read at all.
    """
    wacz = Path(wacz)
    where = str(wacz)
    if not wacz.is_file():
        raise SigningError(f"{wacz}: no such WACZ file")
    try:
        archive = zipfile.ZipFile(wacz)
    except zipfile.BadZipFile as exc:
        report.problem("wacz.digest", where, f"not a readable ZIP file: {exc}")
        return
    except OSError as exc:
        raise SigningError(f"cannot read {wacz}: {exc.strerror or exc}") from exc
    with archive:
        names = set(archive.namelist())
        if DATAPACKAGE_PATH not in names:
            report.problem("wacz.digest", where, "no datapackage.json in the package")
            return
        data = archive.read(DATAPACKAGE_PATH)
        try:
            package = json.loads(data)
        except ValueError as exc:
            report.problem("wacz.digest", f"{where}:{DATAPACKAGE_PATH}", f"not JSON: {exc}")
            return
        if not isinstance(package, dict):
            report.problem("wacz.digest", f"{where}:{DATAPACKAGE_PATH}", "not a JSON object")
            return
        if check_files:
            _check_resources(archive, package, where, report)
        if DIGEST_PATH not in names:
            report.note(f"{where}: unsigned (no {DIGEST_PATH})")
            return
        try:
            digest = json.loads(archive.read(DIGEST_PATH))
        except ValueError as exc:
            report.problem("wacz.digest", f"{where}:{DIGEST_PATH}", f"not JSON: {exc}")
            return
    if not isinstance(digest, dict):
        report.problem("wacz.digest", f"{where}:{DIGEST_PATH}", "not a JSON object")
        return
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if digest.get("path") != DATAPACKAGE_PATH or digest.get("hash") != actual:
        report.problem(
            "wacz.digest",
            f"{where}:{DIGEST_PATH}",
            f"datapackage.json has changed: its sha256 is {actual}, the digest says {digest.get('hash')} "
            f"(for {digest.get('path')!r})",
        )
    else:
        report.ok("wacz.digest")
    signed = digest.get("signedData")
    if not signed:
        report.note(f"{where}: unsigned (the digest has no signedData)")
        return
    if not isinstance(signed, dict):
        report.problem("wacz.signature", f"{where}:{DIGEST_PATH}", "signedData is not a JSON object")
        return
    _check_signed_data(signed, package, actual, wacz, report)


def _check_signed_data(
    signed: Mapping[str, Any], package: Mapping[str, Any], actual: str, wacz: Path, report: Report
) -> None:
    where = f"{wacz}:{DIGEST_PATH}"
    if not signed.get("publicKey"):
        if signed.get("domainCert"):
            report.note(
                f"{wacz}: signed with a domain certificate ({signed.get('domain')}); archiver checks anonymous "
                "signatures only: check it with `wacz validate --verify-auth`"
            )
        else:
            report.problem("wacz.signature", where, "signedData has neither publicKey nor domainCert")
        return
    if signed.get("hash") != actual:
        report.problem(
            "wacz.signature", where, f"the signed hash {signed.get('hash')} is not datapackage.json's sha256 {actual}"
        )
        return
    try:
        key = serialization.load_der_public_key(base64.b64decode(str(signed["publicKey"]), validate=True))
    except (ValueError, binascii.Error, UnsupportedAlgorithm) as exc:
        report.problem("wacz.signature", where, f"publicKey is not a base64 DER public key: {exc}")
        return
    if not isinstance(key, ec.EllipticCurvePublicKey) or curve_name(key) is None:
        report.problem("wacz.signature", where, f"publicKey is not an ECDSA key on {' or '.join(CURVES)}")
        return
    try:
        signature = base64.b64decode(str(signed.get("signature", "")), validate=True)
    except (ValueError, binascii.Error) as exc:
        report.problem("wacz.signature", where, f"signature is not base64: {exc}")
        return
    if not signature or not _signature_valid(key, signature, actual.encode("utf-8")):
        report.problem(
            "wacz.signature", where, f"the signature does not verify with the package's public key {fingerprint(key)}"
        )
        return
    report.ok("wacz.signature")
    _check_created(signed, package, where, report)
    published = public_key_path(wacz)
    if published.is_file():
        try:
            beside = serialization.load_pem_public_key(published.read_bytes())
        except (ValueError, UnsupportedAlgorithm) as exc:
            report.problem("wacz.public_key", str(published), f"not a PEM public key: {exc}")
            return
        if not isinstance(beside, ec.EllipticCurvePublicKey) or public_key_der(beside) != public_key_der(key):
            report.problem(
                "wacz.public_key",
                str(published),
                f"the published public key is not the one that signed the package ({fingerprint(key)})",
            )
            return
        report.ok("wacz.public_key")
    report.note(f"{wacz}: signed by the key {fingerprint(key)} ({signed.get('software')}, {signed.get('created')})")


def _check_created(signed: Mapping[str, Any], package: Mapping[str, Any], where: str, report: Report) -> None:
    """``created``: a time, the datapackage's own, not before the main page's capture, not in the future."""
    created = _parse_time(signed.get("created"))
    if created is None:
        report.problem("wacz.created", where, f"created is not an ISO 8601 time: {signed.get('created')!r}")
    elif signed.get("created") != package.get("created"):
        report.problem(
            "wacz.created",
            where,
            f"signed created {signed.get('created')} differs from datapackage.json's {package.get('created')}",
        )
    elif created > datetime.now(UTC) + CLOCK_SKEW:
        report.problem("wacz.created", where, f"created {signed.get('created')} is in the future")
    elif (captured := _parse_time(package.get("mainPageDate"))) is not None and created < captured.replace(
        microsecond=0
    ):
        report.problem(
            "wacz.created",
            where,
            f"created {signed.get('created')} is before the main page was captured ({package.get('mainPageDate')})",
        )
    else:
        report.ok("wacz.created")
