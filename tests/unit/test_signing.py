"""Signed WACZ packages (WACZ signing spec, anonymous mode): keys, signing, and offline verification.

Each tampering test changes one thing of a signed package and checks that verification names it; the spec's
verification procedure is also run here directly with ``cryptography``, independently of archiver.signing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import zipfile
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from scrapy.spiders import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from archiver.cli import main
from archiver.errors import ConfigError
from archiver.extensions.wacz import WaczPackageExtension
from archiver.signing import (
    PRIVATE_KEY_NAME,
    PUBLIC_KEY_NAME,
    Signer,
    SigningError,
    default_key_dir,
    fingerprint,
    init_keys,
    load_private_key,
    public_key_path,
    verify_wacz_signature,
)
from archiver.verify import Report
from archiver.warc import index_warc, write_cdxj
from archiver.warc.wacz import package_blog, package_crawl
from tests.unit.test_middleware_warc import project_settings
from tests.unit.test_warc_wacz import write_warcs

if TYPE_CHECKING:
    from pathlib import Path

CREATED = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
HOST = "foo.blogspot.com"
CRAWL_ID = "20240102T030405Z"


@pytest.fixture
def crawl_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "output" / HOST / CRAWL_ID
    warcs = write_warcs(folder / "warc", max_size=3000)
    write_cdxj([line for path in warcs for line in index_warc(path)], folder / "index.cdxj")
    (folder / "crawl.log").write_text("a line\n", encoding="utf-8")
    return folder


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return init_keys(tmp_path / "keys", output_dir=tmp_path / "output")


@pytest.fixture
def signed(crawl_dir: Path, key: Path) -> Path:
    return package_crawl(crawl_dir, created=CREATED, signer=Signer.from_file(key, "test-software")).path


def verify(path: Path) -> Report:
    report = Report()
    verify_wacz_signature(path, report)
    return report


def rewrite(source: Path, target: Path, change: dict[str, Any]) -> Path:
    """Copy a ZIP, replacing the members named in ``change`` (bytes, or a function of the old bytes)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename in change:
                replacement = change[info.filename]
                data = replacement(data) if callable(replacement) else replacement
            new.writestr(info, data)
    return target


def members(path: Path) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    with zipfile.ZipFile(path) as archive:
        raw = archive.read("datapackage.json")
        return json.loads(raw), json.loads(archive.read("datapackage-digest.json")), raw


def problems(report: Report) -> list[str]:
    return [problem.line() for problem in report.problems]


# -- keys ----------------------------------------------------------------------------------------------------


def test_init_keys_writes_a_private_key_only_its_owner_can_read_and_never_overwrites_it(tmp_path: Path) -> None:
    key_dir = tmp_path / "config" / "keys"
    private = init_keys(key_dir, output_dir=tmp_path / "output")
    assert private == key_dir / PRIVATE_KEY_NAME
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    key = load_private_key(private)
    assert isinstance(key.curve, ec.SECP256R1)
    public = serialization.load_pem_public_key((key_dir / PUBLIC_KEY_NAME).read_bytes())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert fingerprint(public) == fingerprint(key.public_key())
    before = private.read_bytes()
    with pytest.raises(SigningError, match="never overwritten"):
        init_keys(key_dir)
    assert private.read_bytes() == before


def test_init_keys_refuses_the_output_folder(tmp_path: Path) -> None:
    output = tmp_path / "output"
    for inside in (output, output / "keys", output / "foo.blogspot.com" / ".." / "k"):
        with pytest.raises(SigningError, match="inside the output folder"):
            init_keys(inside, output_dir=output)
    assert not output.exists()


def test_default_key_dir_follows_xdg(tmp_path: Path) -> None:
    assert default_key_dir(str(tmp_path / "xdg"), tmp_path) == tmp_path / "xdg" / "blogspot-archiver" / "keys"
    assert default_key_dir(None, tmp_path) == tmp_path / ".config" / "blogspot-archiver" / "keys"
    assert default_key_dir("", tmp_path) == tmp_path / ".config" / "blogspot-archiver" / "keys"


def test_unusable_keys_are_refused_with_the_reason(tmp_path: Path, key: Path) -> None:
    with pytest.raises(SigningError, match="cannot read"):
        load_private_key(tmp_path / "missing.pem")
    key.chmod(0o640)
    with pytest.raises(SigningError, match="readable by other users"):
        load_private_key(key)
    rsa_key = tmp_path / "rsa.pem"
    rsa_key.write_bytes(
        rsa.generate_private_key(65537, 2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    rsa_key.chmod(0o600)
    with pytest.raises(SigningError, match="not an ECDSA key"):
        load_private_key(rsa_key)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    garbage.chmod(0o600)
    with pytest.raises(SigningError, match="not an unencrypted PEM private key"):
        load_private_key(garbage)


def test_keys_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert main(["keys", "init"]) == 0
    created = capsys.readouterr().out
    private = tmp_path / "xdg" / "blogspot-archiver" / "keys" / PRIVATE_KEY_NAME
    assert f"key: {private}" in created
    assert "curve: P-256" in created
    assert main(["keys", "show"]) == 0
    shown = capsys.readouterr().out
    public = load_private_key(private).public_key()
    assert f"fingerprint: {fingerprint(public)}" in shown
    assert shown.endswith(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    )
    assert main(["keys", "init"]) == 1
    assert "never overwritten" in capsys.readouterr().err
    assert main(["keys", "init", "--dir", "output/keys"]) == 1  # ARCHIVER_OUTPUT_DIR's default, output/
    assert "inside the output folder" in capsys.readouterr().err
    assert main(["keys", "init", "--dir", str(tmp_path / "p384"), "--curve", "P-384"]) == 0
    assert "curve: P-384" in capsys.readouterr().out


# -- signing and verifying -------------------------------------------------------------------------------------


def test_signed_package_follows_the_spec(signed: Path, key: Path) -> None:
    package, digest, raw = members(signed)
    data = digest["signedData"]
    sha = "sha256:" + hashlib.sha256(raw).hexdigest()
    assert digest["path"] == "datapackage.json"
    assert digest["hash"] == data["hash"] == sha
    assert data["created"] == package["created"] == "2024-02-03T04:05:06Z"
    assert data["software"] == "test-software"
    assert data["version"] == "0.1.0"
    # the spec's anonymous verification, done here with cryptography alone: SPKI public key, ECDSA SHA-256
    # over the hash string, r || s as WebCrypto writes it
    public = serialization.load_der_public_key(base64.b64decode(data["publicKey"]))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    signature = base64.b64decode(data["signature"])
    assert len(signature) == 64
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    public.verify(der, sha.encode(), ec.ECDSA(hashes.SHA256()))
    assert fingerprint(public) == fingerprint(load_private_key(key).public_key())
    # the public key is published beside the package
    assert public_key_path(signed).read_bytes() == (key.parent / PUBLIC_KEY_NAME).read_bytes()
    report = verify(signed)
    assert report.passed, problems(report)
    assert report.checked["wacz.signature"] == 1
    assert report.checked["wacz.digest"] == 1
    assert report.checked["wacz.created"] == 1
    assert report.checked["wacz.public_key"] == 1
    assert report.checked["wacz.resource"] == len(package["resources"])
    assert any(fingerprint(public) in note for note in report.notes)


def test_a_p384_key_signs_as_archiveweb_page_does(crawl_dir: Path, tmp_path: Path) -> None:
    key = init_keys(tmp_path / "k384", curve="P-384")
    path = package_crawl(crawl_dir, created=CREATED, signer=Signer.from_file(key, "x")).path
    assert len(base64.b64decode(members(path)[1]["signedData"]["signature"])) == 96
    assert verify(path).passed


def test_an_unsigned_package_is_a_note_and_its_files_are_still_checked(crawl_dir: Path, tmp_path: Path) -> None:
    path = package_crawl(crawl_dir, created=CREATED).path
    assert "signedData" not in members(path)[1]
    assert not public_key_path(path).exists()
    report = verify(path)
    assert report.passed
    assert any("unsigned" in note for note in report.notes)
    assert report.checked["wacz.resource"] > 0
    tampered = rewrite(path, tmp_path / "t.wacz", {"logs/crawl.log": b"another line\n"})
    left_to_the_caller = Report()
    verify_wacz_signature(tampered, left_to_the_caller, check_files=False)
    assert left_to_the_caller.passed
    assert "wacz.resource" not in left_to_the_caller.checked
    assert problems(verify(tampered)) == [
        f"wacz.resource: {tampered}:logs/crawl.log: sha256 differs: datapackage.json has "
        f"sha256:{hashlib.sha256(b'a line' + bytes([10])).hexdigest()}, the file is "
        f"sha256:{hashlib.sha256(b'another line' + bytes([10])).hexdigest()}"
    ]


def test_a_changed_datapackage_is_caught(signed: Path, tmp_path: Path) -> None:
    tampered = rewrite(signed, tmp_path / "a.wacz", {"datapackage.json": lambda d: d.replace(b"Foo Blog", b"Bar Blog")})
    found = problems(verify(tampered))
    assert len(found) == 2
    assert found[0].startswith(f"wacz.digest: {tampered}:datapackage-digest.json: datapackage.json has changed")
    assert found[1].startswith(f"wacz.signature: {tampered}:datapackage-digest.json: the signed hash")


def test_a_changed_datapackage_with_a_new_digest_fails_the_signature(signed: Path, tmp_path: Path) -> None:
    _, digest, raw = members(signed)
    raw = raw.replace(b"Foo Blog", b"Bar Blog")
    digest["hash"] = "sha256:" + hashlib.sha256(raw).hexdigest()
    change = {"datapackage.json": raw, "datapackage-digest.json": json.dumps(digest).encode()}
    found = problems(verify(rewrite(signed, tmp_path / "b.wacz", change)))
    assert len(found) == 1
    assert "wacz.signature" in found[0]
    assert "is not datapackage.json's sha256" in found[0]
    # ... and with the signed hash changed as well, the signature no longer verifies
    digest["signedData"]["hash"] = digest["hash"]
    change["datapackage-digest.json"] = json.dumps(digest).encode()
    found = problems(verify(rewrite(signed, tmp_path / "c.wacz", change)))
    assert len(found) == 1
    assert "the signature does not verify with the package's public key sha256:" in found[0]


def test_a_changed_warc_in_the_package_is_caught(signed: Path, tmp_path: Path) -> None:
    package, _, _ = members(signed)
    warc = next(r["path"] for r in package["resources"] if r["path"].startswith("archive/"))

    def flip(data: bytes) -> bytes:
        return data[:100] + bytes([data[100] ^ 1]) + data[101:]

    tampered = rewrite(signed, tmp_path / "d.wacz", {warc: flip})
    found = problems(verify(tampered))
    assert len(found) == 1
    assert found[0].startswith(f"wacz.resource: {tampered}:{warc}: sha256 differs")


def test_a_changed_signature_is_caught(signed: Path, tmp_path: Path) -> None:
    _, digest, _ = members(signed)
    signature = bytearray(base64.b64decode(digest["signedData"]["signature"]))
    signature[10] ^= 0xFF
    digest["signedData"]["signature"] = base64.b64encode(bytes(signature)).decode()
    found = problems(verify(rewrite(signed, tmp_path / "e.wacz", {"datapackage-digest.json": json.dumps(digest)})))
    assert len(found) == 1
    assert "wacz.signature" in found[0]
    assert "does not verify" in found[0]


def test_a_package_signed_again_with_another_key_fails_against_the_published_key(signed: Path, tmp_path: Path) -> None:
    """Whoever changes a package can sign it again with a key of their own: the published key tells."""
    package, digest, raw = members(signed)
    raw = raw.replace(b"Foo Blog", b"Bar Blog")
    other = Signer.from_file(init_keys(tmp_path / "other"), "forger")
    digest["hash"] = "sha256:" + hashlib.sha256(raw).hexdigest()
    digest["signedData"] = other.sign(digest["hash"], package["created"])
    tampered = tmp_path / "forged.wacz"
    rewrite(signed, tampered, {"datapackage.json": raw, "datapackage-digest.json": json.dumps(digest)})
    public_key_path(tampered).write_bytes(public_key_path(signed).read_bytes())
    found = problems(verify(tampered))
    assert found == [
        f"wacz.public_key: {public_key_path(tampered)}: the published public key is not the one that signed the "
        f"package ({other.fingerprint})"
    ]


def test_created_must_be_the_datapackage_s_and_sane(crawl_dir: Path, key: Path, tmp_path: Path) -> None:
    signer = Signer.from_file(key, "x")
    signed = package_crawl(crawl_dir, created=CREATED, signer=signer).path
    package, digest, _ = members(signed)
    digest["signedData"] = signer.sign(digest["hash"], "2024-02-03T04:05:07Z")
    found = problems(verify(rewrite(signed, tmp_path / "f.wacz", {"datapackage-digest.json": json.dumps(digest)})))
    assert len(found) == 1
    assert "signed created 2024-02-03T04:05:07Z differs from datapackage.json's 2024-02-03T04:05:06Z" in found[0]
    future = datetime.now(UTC) + timedelta(days=1)
    ahead = package_crawl(crawl_dir, tmp_path / "ahead.wacz", created=future, signer=signer).path
    assert any("is in the future" in line for line in problems(verify(ahead)))
    before = package_crawl(crawl_dir, tmp_path / "before.wacz", created=datetime(2020, 1, 1, tzinfo=UTC), signer=signer)
    assert any("before the main page was captured" in line for line in problems(verify(before.path)))


def test_unreadable_input(tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="no such WACZ file"):
        verify(tmp_path / "missing.wacz")
    (tmp_path / "cut.wacz").write_bytes(b"PK\x03\x04 truncated")
    found = problems(verify(tmp_path / "cut.wacz"))
    assert len(found) == 1
    assert "not a readable ZIP file" in found[0]


def test_package_command_signs_with_the_key_it_is_given(
    crawl_dir: Path, key: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVER_SIGNING_KEY", raising=False)
    assert main(["package", str(crawl_dir), "-o", str(crawl_dir / "unsigned.wacz")]) == 0
    assert "unsigned" in capsys.readouterr().err
    assert "signedData" not in members(crawl_dir / "unsigned.wacz")[1]
    monkeypatch.setenv("ARCHIVER_SIGNING_KEY", str(key))
    assert main(["package", str(crawl_dir)]) == 0
    path = crawl_dir / f"{HOST}-{CRAWL_ID}.wacz"
    assert f"signed by the key {fingerprint(load_private_key(key).public_key())}" in capsys.readouterr().out
    assert verify(path).passed
    assert "signedData" in members(path)[1]
    blog = package_blog(crawl_dir.parent, signer=Signer.from_file(key, "x")).path
    assert verify(blog).passed
    assert public_key_path(blog).is_file()


# -- the crawl's extension -------------------------------------------------------------------------------------


def _extension(crawl_dir: Path, **settings: Any) -> tuple[WaczPackageExtension, Any]:
    crawler = get_crawler(
        Spider, project_settings(ARCHIVER_CRAWL_DIR=str(crawl_dir), ARCHIVER_CRAWL_ID=CRAWL_ID, **settings)
    )
    crawler.stats.open_spider()
    return build_from_crawler(WaczPackageExtension, crawler), crawler.stats


def _run(extension: WaczPackageExtension) -> None:
    spider = Spider("blogspot")
    spider.blog_host = HOST  # type: ignore[attr-defined]
    extension.spider_closed(spider, "finished")
    extension.engine_stopped()


def test_the_crawl_signs_its_package_when_a_key_is_set(crawl_dir: Path, key: Path, caplog: Any) -> None:
    extension, stats = _extension(crawl_dir, ARCHIVER_SIGNING_KEY=str(key))
    with caplog.at_level("INFO"):
        _run(extension)
    path = crawl_dir / f"{HOST}-{CRAWL_ID}.wacz"
    expected = fingerprint(load_private_key(key).public_key())
    assert stats.get_value("archiver/wacz/signed_by") == expected
    assert f"with the key {expected}" in caplog.text
    assert verify(path).passed


def test_the_crawl_says_its_package_is_unsigned(crawl_dir: Path, caplog: Any) -> None:
    extension, stats = _extension(crawl_dir)
    with caplog.at_level("INFO"):
        _run(extension)
    assert stats.get_value("archiver/wacz/signed_by") == "unsigned"
    assert "The WACZ is unsigned" in caplog.text
    assert "signedData" not in members(crawl_dir / f"{HOST}-{CRAWL_ID}.wacz")[1]


def test_a_key_that_cannot_be_used_stops_the_crawl_before_it_starts(crawl_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ARCHIVER_SIGNING_KEY: cannot read the signing key"):
        _extension(crawl_dir, ARCHIVER_SIGNING_KEY=str(tmp_path / "missing.pem"))


def test_a_domain_certificate_signature_is_named_not_claimed_as_checked(signed: Path, tmp_path: Path) -> None:
    _, digest, _ = members(signed)
    data = digest["signedData"]
    del data["publicKey"]
    data.update(domain="signer.example", domainCert="-----BEGIN CERTIFICATE-----", timeSignature="x")
    report = verify(rewrite(signed, tmp_path / "g.wacz", {"datapackage-digest.json": json.dumps(digest)}))
    assert report.passed
    assert "wacz.signature" not in report.checked
    assert any("signer.example" in note and "--verify-auth" in note for note in report.notes)
