"""A signed WACZ of a real crawl of the replica, checked by the real ``wacz validate`` and the spec's procedure.

Why not ``wacz validate --verify-auth``: py-wacz hands ``signedData`` to authsign's ``Verifier``, which checks only
the spec's other mode (a domain certificate chain and an RFC 3161 ``timeSignature`` against its trusted roots) and
rejects an anonymous ``signedData``, which has neither (authsign's ``SignedHash`` model requires ``domainCert``
and ``timeSignature``). So the test runs the real ``wacz validate`` without it, which checks every datapackage
hash, the digest's hash of datapackage.json and that ``signedData.created`` is the package's ``created`` (and says
it found a signature), and then runs the spec's own anonymous verification (steps 1-3 of "Verification") here,
with ``cryptography`` alone: the signature of the ``hash`` string with the ``publicKey``, as ReplayWeb.page does it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from archiver.signing import PRIVATE_KEY_NAME, verify_wacz_signature
from archiver.verify import Report
from tests.conftest import crawl_command, run_archiver
from tests.integration.conftest import BIN

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica
    from tests.integration.conftest import ArchivedCrawl

CRAWL_ID = "20240305T060708Z"


@dataclass
class SignedCrawl:
    dir: Path
    key: Path
    fingerprint: str
    stderr: str

    @property
    def wacz(self) -> Path:
        return self.dir / f"gongminziyoulianmeng.blogspot.com-{CRAWL_ID}.wacz"


@pytest.fixture(scope="module")
def signed_crawl(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> SignedCrawl:
    """``archiver keys init``, then a crawl of a 6-post replica with ARCHIVER_SIGNING_KEY naming the key."""
    base = tmp_path_factory.mktemp("signed")
    keys = run_archiver("keys", "init", "--dir", str(base / "keys"), "--output", str(base / "out"))
    assert keys.returncode == 0, keys.stderr
    fingerprint = next(line.split(": ", 1)[1] for line in keys.stdout.splitlines() if line.startswith("fingerprint:"))
    key = base / "keys" / PRIVATE_KEY_NAME
    replica = replica_factory("--posts", "6")
    crawl_dir = base / "out" / "crawl"
    env = {**replica.proxy_env(), "ARCHIVER_SIGNING_KEY": str(key)}
    cmd = crawl_command(base / "out", crawl_dir, "-s", f"ARCHIVER_CRAWL_ID={CRAWL_ID}", "-s", "LOG_LEVEL=INFO")
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    return SignedCrawl(crawl_dir, key, fingerprint, result.stderr)


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "wacz"), "validate", "--file", str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def spec_verification(path: Path) -> list[str]:
    """The spec's anonymous verification, written from the spec alone: what fails, empty when it passes."""
    failures = []
    with zipfile.ZipFile(path) as archive:
        raw = archive.read("datapackage.json")
        package = json.loads(raw)
        for resource in package["resources"]:  # 1) the data package's hashes match its contents
            if "sha256:" + hashlib.sha256(archive.read(resource["path"])).hexdigest() != resource["hash"]:
                failures.append(f"1: {resource['path']}")
        digest = json.loads(archive.read("datapackage-digest.json"))
    sha = "sha256:" + hashlib.sha256(raw).hexdigest()
    if digest["hash"] != sha:  # 2) the digest's hash is datapackage.json's
        failures.append("2: datapackage.json")
    signed = digest["signedData"]
    public = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    raw_signature = base64.b64decode(signed["signature"])  # r || s, as WebCrypto signs and verifies
    half = len(raw_signature) // 2
    der = encode_dss_signature(int.from_bytes(raw_signature[:half], "big"), int.from_bytes(raw_signature[half:], "big"))
    try:  # 3) the signature of `hash` verifies with publicKey
        public.verify(der, signed["hash"].encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        failures.append("3: signature")
    if signed["hash"] != sha:
        failures.append("3: signed hash")
    return failures


def archiver_verify(path: Path) -> Report:
    report = Report()
    verify_wacz_signature(path, report)
    return report


def rewrite(source: Path, target: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, change(data) if info.filename == name else data)
    return target


def test_the_crawl_signs_its_wacz_and_says_so(signed_crawl: SignedCrawl) -> None:
    stats = json.loads((signed_crawl.dir / "stats.json").read_text(encoding="utf-8"))["stats"]
    assert stats["archiver/wacz/signed_by"] == signed_crawl.fingerprint
    assert f"Signed {signed_crawl.wacz.name} with the key {signed_crawl.fingerprint}" in signed_crawl.stderr
    shown = run_archiver("keys", "show", "--key", str(signed_crawl.key))
    assert f"fingerprint: {signed_crawl.fingerprint}" in shown.stdout
    published = (signed_crawl.dir / f"{signed_crawl.wacz.name}.pub.pem").read_text(encoding="ascii")
    assert shown.stdout.endswith(published)


def test_an_unsigned_crawl_says_so(archived_crawl: ArchivedCrawl) -> None:
    stats = json.loads((archived_crawl.dir / "stats.json").read_text(encoding="utf-8"))["stats"]
    assert stats["archiver/wacz/signed_by"] == "unsigned"


def test_the_real_validator_and_the_spec_procedure_accept_it(signed_crawl: SignedCrawl) -> None:
    result = wacz_validate(signed_crawl.wacz)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Has signature" in result.stdout  # it read signedData and checked its created time
    assert "Validation succeeded" in result.stdout
    assert spec_verification(signed_crawl.wacz) == []
    report = archiver_verify(signed_crawl.wacz)
    assert report.passed, [problem.line() for problem in report.problems]
    assert report.checked["wacz.signature"] == report.checked["wacz.public_key"] == 1
    assert any(signed_crawl.fingerprint in note for note in report.notes)


def test_tampering_is_caught_and_named(signed_crawl: SignedCrawl, tmp_path: Path) -> None:
    with zipfile.ZipFile(signed_crawl.wacz) as archive:
        warc = next(name for name in archive.namelist() if name.startswith("archive/"))

    def retitle(data: bytes) -> bytes:
        return data.replace(b"Coalition", b"Koalition", 1)

    def flip(data: bytes) -> bytes:
        return data[:500] + bytes([data[500] ^ 1]) + data[501:]

    def forge(data: bytes) -> bytes:
        digest = json.loads(data)
        signature = bytearray(base64.b64decode(digest["signedData"]["signature"]))
        signature[5] ^= 1
        digest["signedData"]["signature"] = base64.b64encode(bytes(signature)).decode()
        return json.dumps(digest).encode()

    cases = [
        ("datapackage.json", retitle, "wacz.digest", "2: datapackage.json", True),
        (warc, flip, "wacz.resource", f"1: {warc}", True),
        ("datapackage-digest.json", forge, "wacz.signature", "3: signature", False),
    ]
    for member, change, check, spec_failure, validator_sees_it in cases:
        tampered = rewrite(signed_crawl.wacz, tmp_path / f"{check}.wacz", member, change)
        problems = archiver_verify(tampered).problems
        assert problems, member
        assert problems[0].check == check
        assert member in problems[0].line()
        assert spec_failure in spec_verification(tampered)
        # without --verify-auth the real validator checks hashes, not the signature itself
        assert (wacz_validate(tampered).returncode != 0) is validator_sees_it, member
