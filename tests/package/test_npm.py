"""package.tgz follows the FHIR NPM package layout and is byte-for-byte reproducible."""

from __future__ import annotations

import io
import json
import tarfile

from fhir.resources import get_fhir_model_class

from fhir_ldn.jsonwalk import walk
from fhir_ldn.package.build import PACKAGE_TGZ, build_artifacts
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_package
from fhir_ldn.validation.validator import package_validator


def _members(tgz: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def test_package_json(artifacts: dict[str, bytes], package: Package) -> None:
    manifest = json.loads(_members(artifacts[PACKAGE_TGZ])["package/package.json"])
    assert manifest["name"] == "fhir-ldn.ldn-ssri"
    assert manifest["version"] == package.meta.version
    assert manifest["fhirVersions"] == ["5.0.0"]
    assert manifest["dependencies"] == {"hl7.fhir.r5.core": "5.0.0", "hl7.terminology.r5": "7.0.1"}
    # every terminology.hl7.org code system the package uses is why it depends on HL7 Terminology
    used = {
        value
        for r in package
        for _, key, value in walk(r, r["resourceType"])
        if key == "system" and isinstance(value, str) and value.startswith("http://terminology.hl7.org/")
    }
    assert used == {
        "http://terminology.hl7.org/CodeSystem/action-type",
        "http://terminology.hl7.org/CodeSystem/library-type",
        "http://terminology.hl7.org/CodeSystem/plan-definition-type",
    }
    assert manifest["canonical"] == package.meta.canonical
    assert manifest["description"]
    assert manifest["license"] == "CC-BY-4.0"


def test_one_file_per_resource_plus_ig(artifacts: dict[str, bytes], package: Package) -> None:
    members = _members(artifacts[PACKAGE_TGZ])
    resources = {
        n: json.loads(b) for n, b in members.items() if n not in ("package/package.json", "package/.index.json")
    }
    expected = {f"package/{r['resourceType']}-{r['id']}.json" for r in package}
    expected.add("package/ImplementationGuide-fhir-ldn.ldn-ssri.json")
    assert set(resources) == expected
    for name, resource in resources.items():
        assert name == f"package/{resource['resourceType']}-{resource['id']}.json"
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_index_json_describes_every_file(artifacts: dict[str, bytes]) -> None:
    members = _members(artifacts[PACKAGE_TGZ])
    index = json.loads(members["package/.index.json"])
    assert index["index-version"] == 2
    files = {f["filename"]: f for f in index["files"]}
    assert set(files) == {n.removeprefix("package/") for n in members} - {"package.json", ".index.json"}
    for name, entry in files.items():
        resource = json.loads(members[f"package/{name}"])
        assert (entry["resourceType"], entry["id"]) == (resource["resourceType"], resource["id"])
        assert entry.get("url") == resource.get("url")
        assert entry.get("version") == resource.get("version")


def test_tar_members_have_fixed_metadata(artifacts: dict[str, bytes]) -> None:
    with tarfile.open(fileobj=io.BytesIO(artifacts[PACKAGE_TGZ]), mode="r:gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(m.name for m in members)
    assert {(m.uid, m.gid, m.mode, m.mtime) for m in members} == {(0, 0, 0o644, members[0].mtime)}


def test_two_builds_are_byte_identical(artifacts: dict[str, bytes]) -> None:
    again = build_artifacts(load_package())
    assert again.keys() == artifacts.keys()
    for name, content in artifacts.items():
        assert again[name] == content, name


def _package_members(artifacts: dict[str, bytes]) -> dict[str, dict[str, object]]:
    """The package's StructureDefinitions as shipped, by path in the tarball."""
    members = _members(artifacts[PACKAGE_TGZ])
    return {name: json.loads(content) for name, content in members.items() if "/StructureDefinition-" in name}


def test_profiles_ship_with_snapshots_that_validate(artifacts: dict[str, bytes], package: Package) -> None:
    """Tools that do not generate snapshots can use the profiles; the package validates against the shipped ones."""
    shipped = _package_members(artifacts)
    assert len(shipped) == len(package.of_type("StructureDefinition"))
    for name, sd in shipped.items():
        snapshot = sd["snapshot"]["element"]  # type: ignore[index]
        assert snapshot[0]["id"] == sd["type"], name
        assert sd["differential"] == package.require("StructureDefinition", sd["id"])["differential"]  # type: ignore[arg-type]
    others = [r for r in package if r["resourceType"] != "StructureDefinition"]
    validator = package_validator([*others, *shipped.values()])  # the value sets too, the profiles as shipped
    for sd in shipped.values():
        result = validator.validate_resource(sd)
        assert result.count("error", "fatal") == 0, (sd["id"], result.outcome())
    for resource in others:  # every resource against the profiles as shipped (their snapshots used as given)
        result = validator.validate_resource(resource)
        assert result.count("error", "fatal", "warning") == 0, (resource["id"], result.outcome())
