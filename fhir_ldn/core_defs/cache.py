"""Install pinned FHIR packages into the standard FHIR package cache (~/.fhir/packages/<name>#<version>/).

Missing packages are fetched with `npm pack` from the npm registry, their sha512 is checked against the
value pinned here, and they are extracted with `tarfile` (data filter: no links, no absolute paths).
A core package the registry does not carry (R4) is assembled from the specification's bundles (`spec_bundles`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from fhir_ldn.errors import FhirLdnError

# (name, version) -> npm `dist.integrity`, checked after every download.
PINNED_PACKAGES: dict[tuple[str, str], str] = {
    ("hl7.fhir.r5.core", "5.0.0"): (
        "sha512-0TvJB1KKtokn/P2mRwcqEY8v8RN8IE/pQjvtlsPaJdYaDfYx4UBhuY4afAGeQjW01p9SNYPphxAFFkEsS6P05A=="
    ),
    ("hl7.fhir.r5.examples", "5.0.0"): (
        "sha512-+fOu1d5DqAQMorvTVx0bYrnTPl+Z2YovBkLMcJf6E+jMh61+SbeAEWqzxyO/wE7LBots7hBXwy8tN7n6iBRjOw=="
    ),
    ("hl7.fhir.r4.examples", "4.0.1"): (
        "sha512-DXBdIZOeQaSKIgCU7w6HOC7sw/6BzylmipLkBW4f//pT+Bc94x+8LImwTdvaNThPJoOzpBzvxAzNqjeu3X/zLw=="
    ),
    ("hl7.fhir.r4b.core", "4.3.0"): (
        "sha512-2Xa3QB5PQxNchsA8chSq3OLMHJf55iEc44bZCFaRarX6Leo8qjeTXSq4RNSMpvKtfG4u7CkWpEmlQtb0rwLWFw=="
    ),
    # the standard extensions (the only R5 and R4 versions on npm); the validator loads their definitions
    ("hl7.fhir.uv.extensions.r5", "5.3.0-ballot-tc1"): (
        "sha512-LjFkDQ542nlYNKV5dWz06XAhsZPapfJ5/XqqOPsGgLEGP4xBznATtFLdApL0O0dlNlvD5diiX7s2o50xKXvPfg=="
    ),
    ("hl7.fhir.uv.extensions.r4", "5.3.0-ballot-tc1"): (
        "sha512-mhPmWj0dZvIC7JQLkqxT42/UpoIyYwFtSiIZbhX/ArfX96hR5oTqNvAUvMD+dMH45m4mGMQ19WyCZFpP1OLEbQ=="
    ),
}

# (name, version) -> bytes `npm pack` downloads (the tarball's size on the registry), for progress messages.
DOWNLOAD_BYTES: dict[tuple[str, str], int] = {
    ("hl7.fhir.r5.core", "5.0.0"): 16_324_751,
    ("hl7.fhir.r5.examples", "5.0.0"): 16_625_263,
    ("hl7.fhir.r4.examples", "4.0.1"): 18_849_311,
    ("hl7.fhir.uv.extensions.r5", "5.3.0-ballot-tc1"): 1_141_537,
}
NPM_TIMEOUT = 300.0  # seconds for one `npm pack`
HEARTBEAT_SECONDS = 10.0  # how often a download still running is reported

Report = Callable[[str], None]

# The packages the service and the validator read (the examples package is for the tests only).
EXTENSIONS_PACKAGE = ("hl7.fhir.uv.extensions.r5", "5.3.0-ballot-tc1")
DEFINITION_PACKAGES = (("hl7.fhir.r5.core", "5.0.0"), EXTENSIONS_PACKAGE)


class PackageInstallError(FhirLdnError):
    """A FHIR package could not be fetched, verified or extracted (a server answers 503: it cannot do this yet)."""

    issue_code = "transient"
    http_status = 503


def package_cache_dir() -> Path:
    """The FHIR package cache: $FHIR_PACKAGE_CACHE, else ~/.fhir/packages."""
    return Path(os.environ.get("FHIR_PACKAGE_CACHE", Path.home() / ".fhir" / "packages"))


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _ignore(message: str) -> None:
    """The default report: say nothing."""


def _npm_pack(name: str, version: str, into: Path, report: Report = _ignore, every: float = HEARTBEAT_SECONDS) -> Path:
    """`npm pack name@version` into the folder; `report` hears "still downloading" every `every` seconds."""
    npm = shutil.which("npm")
    if npm is None:
        raise PackageInstallError(f"{name}#{version} is not in the FHIR package cache and npm is not installed")
    started = time.monotonic()
    try:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [npm, "pack", f"{name}@{version}", "--pack-destination", str(into), "--silent"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as exc:
        raise PackageInstallError(f"npm pack {name}@{version} failed: {exc}") from exc
    with process:
        while True:
            elapsed = time.monotonic() - started
            try:
                _, stderr = process.communicate(timeout=min(every, max(NPM_TIMEOUT - elapsed, 0.0)))
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() - started >= NPM_TIMEOUT:
                    process.kill()
                    raise PackageInstallError(f"npm pack {name}@{version} took over {NPM_TIMEOUT:.0f} s") from None
                report(f"{name}#{version}: still downloading ({time.monotonic() - started:.0f} s)")
    if process.returncode != 0:
        raise PackageInstallError(f"npm pack {name}@{version} failed: {(stderr or '').strip()[:500]}")
    tarballs = list(into.glob("*.tgz"))
    if len(tarballs) != 1:
        raise PackageInstallError(f"npm pack {name}@{version} produced no tarball")
    return tarballs[0]


def install_tarball(tgz: Path, name: str, version: str, cache: Path) -> Path:
    """Verify and extract a package tarball into the cache; returns <cache>/<name>#<version>."""
    expected = PINNED_PACKAGES.get((name, version))
    actual = sri_sha512(tgz.read_bytes())
    if expected is not None and actual != expected:
        raise PackageInstallError(f"{name}#{version}: sha512 mismatch (got {actual}, pinned {expected})")
    target = cache / f"{name}#{version}"
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}#{version}.", dir=cache))
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            tar.extractall(staging, filter="data")
        if not (staging / "package" / "package.json").is_file():
            raise PackageInstallError(f"{name}#{version}: tarball has no package/package.json")
        if target.exists():  # another process won the race
            return target
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _size_on_disk(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def ensure_package(
    name: str, version: str, cache: Path | None = None, report: Report = _ignore, every: float = HEARTBEAT_SECONDS
) -> Path:
    """The package folder `<cache>/<name>#<version>/package`, fetching and installing it if missing.

    `report` hears, in words a user understands, whether the cache already had it or what is downloaded (package,
    size), that the download is still running (every `every` seconds), and when it is done."""
    cache = cache or package_cache_dir()
    folder = cache / f"{name}#{version}" / "package"
    if (folder / "package.json").is_file():
        report(f"{name}#{version}: already in the FHIR package cache ({folder.parent}), nothing to download")
        return folder
    from fhir_ldn.core_defs.spec_bundles import SPEC_BUNDLES, install_from_bundles

    size = DOWNLOAD_BYTES.get((name, version))
    report(
        f"{name}#{version}: not in the FHIR package cache ({cache}); downloading "
        f"{megabytes(size) + ' ' if size else ''}from the npm registry with npm pack..."
    )
    started = time.monotonic()
    if (name, version) in SPEC_BUNDLES:  # not on the registry: assembled from the specification's bundles
        target = install_from_bundles(name, version, cache, partial(_npm_pack, report=report, every=every))
        report(f"{name}#{version}: done, assembled in {target} ({time.monotonic() - started:.0f} s)")
        return target / "package"
    with tempfile.TemporaryDirectory() as tmp:
        tgz = _npm_pack(name, version, Path(tmp), report, every)
        report(f"{name}#{version}: downloaded {megabytes(tgz.stat().st_size)}; checking its sha512 and extracting...")
        target = install_tarball(tgz, name, version, cache)
    report(
        f"{name}#{version}: done, {megabytes(_size_on_disk(target))} in {target} ({time.monotonic() - started:.0f} s)"
    )
    return target / "package"
