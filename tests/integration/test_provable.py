"""What we guarantee, end to end: a signed, timestamped crawl, its bag, and `archiver verify` catching tampering.

One blog crawled twice by `archiver crawl`, as a preservationist would set it up: a signing key made with
`archiver keys init`, a real local RFC 3161 TSA (OpenSSL's `openssl ts -reply`, tests/tsa.py) and the blog's
output folder. Then only the command line: `archiver verify` of the blog folder passes; `archiver package
--bagit` makes a bag the bagit library validates; and on copies, each kind of tampering the README promises
to catch makes `archiver verify` exit 1 with a line naming the file (and where in it).
"""

from __future__ import annotations

import base64
import json
import shutil
import zipfile
from typing import TYPE_CHECKING

import bagit
import pytest

from archiver.signing import PRIVATE_KEY_NAME
from archiver.timestamps import TOKEN_SUFFIX
from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver
from tests.tsa import LocalTsa, make_pki

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica

CRAWLS = ("20240101T000000Z", "20240201T000000Z")


@pytest.fixture(scope="module")
def blog(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("provable")
    keys = run_archiver("keys", "init", "--dir", str(base / "keys"), "--output", str(base / "out"))
    assert keys.returncode == 0, keys.stderr
    pki = make_pki(base / "pki")
    replica = replica_factory("--posts", "6")
    env = {**replica.proxy_env(), "ARCHIVER_SIGNING_KEY": str(base / "keys" / PRIVATE_KEY_NAME)}
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1"  # the TSA is on loopback, the blog behind the proxy
    with LocalTsa(pki) as tsa:
        for crawl_id in CRAWLS:
            args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(base / "out")]
            args += [
                "-s",
                f"ARCHIVER_CRAWL_ID={crawl_id}",
                "-s",
                f"ARCHIVER_TSA_URL={tsa.url}",
                "-s",
                f"ARCHIVER_TSA_CA_FILE={pki.ca_file}",
            ]
            result = run_archiver(*args, env=env, timeout=240)
            assert result.returncode == 0, result.stderr[-4000:]
    return base / "out" / BLOG_HOST


def verify(path: Path) -> tuple[int, str]:
    result = run_archiver("verify", str(path), timeout=300)
    return result.returncode, result.stdout + result.stderr


def copy(blog: Path, tmp_path: Path) -> Path:
    target = tmp_path / BLOG_HOST
    shutil.copytree(blog, target)
    return target


def test_a_clean_blog_verifies_with_every_kind_of_evidence(blog: Path) -> None:
    code, out = verify(blog)
    assert code == 0, out
    result = run_archiver("verify", str(blog), "--json")
    report = json.loads(result.stdout)
    assert report["passed"]
    checked = report["checked"]
    for kind in ("cdxj", "manifest", "timestamp", "wacz.signature"):
        assert any(name.startswith(kind) for name in checked), (kind, sorted(checked))
    for crawl_id in CRAWLS:
        crawl = blog / crawl_id
        assert list((crawl / "warc").glob(f"*.warc.gz{TOKEN_SUFFIX}"))  # every WARC stamped when closed
        assert (crawl / "manifest-sha256.txt").is_file()


def test_the_blog_bag_validates_and_verifies(blog: Path, tmp_path: Path) -> None:
    bag_dir = tmp_path / "bag"
    result = run_archiver("package", "--bagit", str(blog), "-o", str(bag_dir))
    assert result.returncode == 0, result.stderr
    bagit.Bag(str(bag_dir)).validate()
    code, out = verify(bag_dir)
    assert code == 0, out
    warc = next((bag_dir / "data").rglob("*.warc.gz"))
    data = bytearray(warc.read_bytes())
    data[len(data) // 3] ^= 0x01
    warc.write_bytes(bytes(data))
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(bag_dir)).validate()
    code, out = verify(bag_dir)
    assert code == 1
    assert warc.name in out


def test_a_swapped_timestamp_token_is_named(blog: Path, tmp_path: Path) -> None:
    target = copy(blog, tmp_path)
    first, second = (next((target / c / "warc").glob(f"*.warc.gz{TOKEN_SUFFIX}")) for c in CRAWLS)
    one, two = first.read_bytes(), second.read_bytes()
    first.write_bytes(two)
    second.write_bytes(one)
    code, out = verify(target)
    assert code == 1
    assert first.name.removesuffix(TOKEN_SUFFIX) in out
    assert second.name.removesuffix(TOKEN_SUFFIX) in out


def test_a_tampered_signed_wacz_is_named(blog: Path, tmp_path: Path) -> None:
    target = copy(blog, tmp_path)
    wacz = next((target / CRAWLS[0]).glob("*.wacz"))
    forged = wacz.with_name("forged.wacz")
    with zipfile.ZipFile(wacz) as old, zipfile.ZipFile(forged, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "datapackage-digest.json":
                digest = json.loads(data)
                signature = bytearray(base64.b64decode(digest["signedData"]["signature"]))
                signature[7] ^= 0x01
                digest["signedData"]["signature"] = base64.b64encode(bytes(signature)).decode()
                data = json.dumps(digest).encode()
            new.writestr(info, data)
    forged.replace(wacz)
    code, out = verify(wacz)
    assert code == 1
    assert "wacz.signature" in out
    assert wacz.name in out
    code, out = verify(target / CRAWLS[0])  # the crawl's manifest sees the changed file as well
    assert code == 1
    assert "manifest" in out
