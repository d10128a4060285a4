"""The cross-version extensions a converted package uses are defined in it, and the packages validate.

`fhir-ldn validate --fhir-version` (the project's validator, with the R4B / R4 core package) checks every
resource of each converted package.tgz, its extension definitions loaded from the package: 0 errors.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from fhir_ldn.package.index import Package
from fhir_ldn.xver.convert import XVER_EXTENSION
from fhir_ldn.xver.extensions import definition_id
from fhir_ldn.xver.package import convert_resources
from fhir_ldn.xver.targets import R4, R4B, FhirTarget
from tests.conftest import REPO


def extensions_in(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [e for item in node for e in extensions_in(item)]
    if not isinstance(node, dict):
        return []
    own = [e for e in node.get("extension", []) if str(e.get("url", "")).startswith(XVER_EXTENSION)]
    return own + [e for value in node.values() for e in extensions_in(value)]


@pytest.mark.parametrize("target", [R4B, R4], ids=["R4B", "R4"])
def test_every_cross_version_extension_used_is_defined(package: Package, target: FhirTarget) -> None:
    resources, _ = convert_resources(package, target)
    definitions = {r["url"]: r for r in resources if r["resourceType"] == "StructureDefinition"}
    used = extensions_in([r for r in resources if r["resourceType"] != "StructureDefinition"])
    assert used
    for extension in used:
        definition = definitions[extension["url"]]
        assert definition["fhirVersion"] == target.version
        assert definition["id"] == definition_id(extension["url"])
        elements = {e["id"]: e for e in definition["differential"]["element"]}
        value = next((k for k in extension if k.startswith("value")), None)
        if value is not None:
            allowed = {t["code"].lower() for t in elements["Extension.value[x]"]["type"]}
            assert value[len("value") :].lower() in allowed, extension["url"]
        else:
            for sub in extension["extension"]:
                assert f"Extension.extension:{sub['url']}" in elements, (extension["url"], sub["url"])


def test_definition_ids_fit_the_id_rule() -> None:
    url = XVER_EXTENSION + "Citation.citedArtifact.contributorship.entry.forenameInitials"
    assert definition_id(url) == "ext-R5-Citation.ci.co.en.forenameInitials"
    assert len(definition_id(XVER_EXTENSION + "A." + "x" * 80)) == 64


@pytest.mark.parametrize("target", [R4B, R4], ids=["R4B", "R4"])
def test_the_converted_package_validates_with_its_core_package(tmp_path: Path, target: FhirTarget) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "fhir_ldn", *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False, timeout=600)

    built = run("build", "--out", str(tmp_path), "--fhir-version", target.version)
    assert built.returncode == 0, built.stderr
    tgz = tmp_path / target.subdir / "package.tgz"
    with tarfile.open(tgz) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    files = sorted(str(p) for p in (tmp_path / "unpacked" / "package").glob("*-*.json"))  # resources only
    assert len(files) > 40
    args = ["--fhir-version", target.version, "--no-package", "--ig", str(tgz), "--output", "text"]
    result = run("validate", *files, *args)
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"{len(files)} validated, {len(files)} valid, 0 invalid" in result.stdout
    assert "INVALID" not in result.stdout
