"""A stand-in `npm` for tests: `npm pack` "downloads" a small package from a local tarball, never the network."""

from __future__ import annotations

import io
import os
import sys
import tarfile
from pathlib import Path

import pytest


def tarball(path: Path, files: dict[str, bytes]) -> Path:
    """A gzipped tar file holding `files`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    path.write_bytes(buf.getvalue())
    return path


FAKE_NPM = """#!{python}
import os, shutil, sys, time
destination = sys.argv[sys.argv.index("--pack-destination") + 1]
release = os.environ.get("FAKE_NPM_RELEASE")
if release:  # finish only once the caller has reported that the download is still running
    deadline = time.monotonic() + 60
    while not os.path.exists(release):
        if time.monotonic() > deadline:
            sys.exit("never released")
        time.sleep(0.01)
shutil.copy(os.environ["FAKE_NPM_TARBALL"], os.path.join(destination, "package.tgz"))
"""


def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, release: Path | None = None) -> Path:
    """An `npm` first on PATH whose `npm pack` "downloads" a small package (x.y#1.0.0); returns the cache folder."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM.format(python=sys.executable), encoding="utf-8")
    npm.chmod(0o755)
    tgz = tarball(tmp_path / "x.tgz", {"package/package.json": b'{"name": "x.y", "version": "1.0.0"}'})
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_NPM_TARBALL", str(tgz))
    if release is not None:
        monkeypatch.setenv("FAKE_NPM_RELEASE", str(release))
    return tmp_path / "cache"
