"""Transaction and collection Bundles of the whole package (pure functions, deterministic)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from fhir_ldn.package.index import Package, Resource

# Load order: terminology first, then definitions that use it, then the artifacts that tie them together.
TYPE_ORDER = (
    "CodeSystem",
    "ValueSet",
    "ConceptMap",
    "StructureDefinition",
    "Citation",
    "MedicinalProductDefinition",
    "MedicinalProduct",  # R4
    "ClinicalUseDefinition",
    "MedicinalProductContraindication",
    "MedicinalProductIndication",
    "MedicinalProductInteraction",
    "MedicinalProductUndesirableEffect",
    "Basic",
    "ActivityDefinition",
    "PlanDefinition",
)


def ordered(package: Package) -> list[Resource]:
    """The package's resources in load order (unknown types last), then by id."""
    rank = {t: i for i, t in enumerate(TYPE_ORDER)}
    return sorted(package, key=lambda r: (rank.get(r["resourceType"], len(rank)), r["resourceType"], r["id"]))


def full_url(package: Package, resource: Resource) -> str:
    """A stable urn:uuid for a resource of this package version."""
    key = f"{package.meta.canonical}/{resource['resourceType']}/{resource['id']}|{package.meta.version}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"


def if_none_exist(resource: Resource) -> str:
    """The conditional-create query of a canonical resource: url+version (url alone for unversioned fragments)."""
    query = f"url={resource['url']}"
    if "version" in resource:  # external code system fragments are unversioned
        query += f"&version={resource['version']}"
    return query


def identifier_query(resource: Resource) -> str:
    """`identifier=system|value`: how a resource without a canonical url is found again on a server."""
    identifier = resource.get("identifier", [{}])[0]
    if not identifier.get("system") or not identifier.get("value"):
        raise ValueError(f"{resource['resourceType']}/{resource['id']} has neither url nor identifier")
    return f"identifier={identifier['system']}|{identifier['value']}"


def transaction_entry(resource: Resource, body: Resource, url: str) -> dict[str, Any]:
    """The entry that loads one resource so that loading again, or a newer version, never duplicates it.

    Canonical resources: conditional create on url+version, so several package versions coexist (url alone for
    the RxNorm/ATC fragments, which must never replace a server's own code system). Resources without a url
    (ClinicalUseDefinition, MedicinalProductDefinition): conditional update on their identifier, so a newer
    package version replaces their content instead of leaving the old one in place; the body carries no id
    (a server gave the resource its own id when it was first created).
    """
    if "url" in resource:
        request = {"method": "POST", "url": resource["resourceType"], "ifNoneExist": if_none_exist(resource)}
    elif not resource.get("identifier"):  # R4's MedicinalProduct* resources have no identifier: update by id
        request = {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
    else:
        request = {"method": "PUT", "url": f"{resource['resourceType']}?{identifier_query(resource)}"}
        body = {k: v for k, v in body.items() if k != "id"}
    return {"fullUrl": url, "resource": body, "request": request}


def _rewrite_references(node: Any, targets: dict[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("reference")
        if isinstance(ref, str) and ref in targets:
            node["reference"] = targets[ref]
        for value in node.values():
            _rewrite_references(value, targets)
    elif isinstance(node, list):
        for value in node:
            _rewrite_references(value, targets)


def _bundle(package: Package, kind: str) -> dict[str, Any]:
    meta = package.meta
    return {
        "resourceType": "Bundle",
        "id": f"{meta.id}-{meta.version}-{kind}",
        "identifier": {"system": f"{meta.canonical}/identifier", "value": f"{meta.id}|{meta.version}|{kind}"},
        "type": kind,
        "timestamp": f"{meta.date}T00:00:00Z",
        "entry": [],
    }


def transaction_bundle(package: Package) -> dict[str, Any]:
    """A transaction Bundle that loads every resource without duplicates (see `transaction_entry`)."""
    resources = ordered(package)
    targets = {f"{r['resourceType']}/{r['id']}": full_url(package, r) for r in resources}
    bundle = _bundle(package, "transaction")
    for resource in resources:
        body = copy.deepcopy(resource)
        _rewrite_references(body, targets)
        bundle["entry"].append(transaction_entry(resource, body, full_url(package, resource)))
    return bundle


def collection_bundle(package: Package) -> dict[str, Any]:
    """A collection Bundle of every resource, each under its absolute URL."""
    bundle = _bundle(package, "collection")
    for resource in ordered(package):
        url = f"{package.meta.canonical}/{resource['resourceType']}/{resource['id']}"
        bundle["entry"].append({"fullUrl": url, "resource": copy.deepcopy(resource)})
    return bundle
