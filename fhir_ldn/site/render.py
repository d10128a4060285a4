"""Render the knowledge package as HTML pages (pure: Package + traceability table in, {path: text} out)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape

from fhir_ldn.package.index import Package, Resource
from fhir_ldn.site import cards, titration
from fhir_ldn.site.expansion import enumerate_value_set, terminology_service
from fhir_ldn.site.markup import markdown_html, narrative_html
from fhir_ldn.site.trace import Traceability, build_traceability
from fhir_ldn.site.views import (
    Linker,
    codings,
    concept_text,
    doi_of,
    doi_url,
    page_name,
    sorted_by_kind,
    title_of,
)

CSS = "site.css"
PAGE_TEMPLATES = {
    "ActivityDefinition",
    "Citation",
    "ClinicalUseDefinition",
    "CodeSystem",
    "ConceptMap",
    "MedicinalProductDefinition",
    "PlanDefinition",
    "StructureDefinition",
    "ValueSet",
}
EVIDENCE_EXTENSION = "/StructureDefinition/clinical-use-evidence"
HOOK_WORDS = {
    "order-select": "a clinician selects an order",
    "order-sign": "a clinician is about to sign orders",
    "patient-view": "a patient's chart is opened",
}
EXPANSION_NOTE = (
    "Expanded by the project's terminology engine from the value set's definition, as ValueSet/$expand does."
)


@dataclass(frozen=True)
class Links:
    """Where the pages link for a resource's JSON and XML and for package.tgz (static files or server routes)."""

    json_pattern: str = "{type}-{id}.json"
    xml_pattern: str = "{type}-{id}.xml"
    package_tgz: str = "package.tgz"

    def json(self, resource: Resource) -> str:
        return self.json_pattern.format(type=resource["resourceType"], id=resource["id"])

    def xml(self, resource: Resource) -> str:
        return self.xml_pattern.format(type=resource["resourceType"], id=resource["id"])


STATIC_LINKS = Links()


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("fhir_ldn.site", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=ChainableUndefined,  # FHIR elements are mostly optional: a missing one renders empty
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        concept_text=concept_text,
        codings=codings,
        title_of=title_of,
        page_name=page_name,
        doi_of=doi_of,
        doi_url=doi_url,
        markdown=markdown_html,
        narrative=narrative_html,
        dose_range_text=titration.dose_range_text,
        max_text=titration.max_text,
        extension_artifacts=extension_artifacts,
        hook_words=HOOK_WORDS,
    )
    return env


def _stylesheet() -> str:
    env = _environment()
    if env.loader is None:  # pragma: no cover - the environment is built with a loader
        raise RuntimeError("no template loader")
    return env.loader.get_source(env, CSS)[0]


def _article_title(citation: Resource | None) -> str:
    titles = (citation or {}).get("citedArtifact", {}).get("title", [])
    return str(titles[0].get("text", "")) if titles else title_of(citation) if citation else ""


def _first_text(resource: Resource | None, key: str) -> str:
    items = (resource or {}).get(key) or []
    return str(items[0].get("text", "")) if items else ""


def extension_artifacts(resource: Resource) -> list[dict[str, Any]]:
    """The RelatedArtifacts of a resource's clinical-use-evidence extensions."""
    return [
        e["valueRelatedArtifact"]
        for e in resource.get("extension", [])
        if str(e.get("url", "")).endswith(EVIDENCE_EXTENSION) and "valueRelatedArtifact" in e
    ]


def _plan_type(resource: Resource) -> str:
    return next((c.get("code", "") for c in resource.get("type", {}).get("coding", [])), "")


def _leaf_actions(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for a in actions:
        out += _leaf_actions(a["action"]) if a.get("action") else [a]
    return out


class _Site:
    """What every page needs: the package, its links, the traceability table and the derived views."""

    def __init__(self, package: Package, trace: Traceability, links: Links):
        self.package, self.trace, self.links = package, trace, links
        self.linker = Linker(package)
        self.terminology = terminology_service(package)
        plans = package.of_type("PlanDefinition")
        self.rule = next((p for p in plans if _plan_type(p) == "eca-rule"), None)
        self.protocol = next((p for p in plans if _plan_type(p) == "clinical-protocol"), None)
        self.rule_groups = cards.explain_rule(self.rule, package, self.linker) if self.rule else []
        self.titration_source = self._titration_source()
        self.schedule = titration.steps(self.titration_source) if self.titration_source else []
        self.nav = [
            (label, page_name(p)) for label, p in (("Decision support", self.rule), ("Protocol", self.protocol)) if p
        ]

    def _titration_source(self) -> Resource | None:
        if self.protocol is None:
            return None
        for action in _leaf_actions(self.protocol.get("action", [])):
            target = self.linker.resolve(action.get("definitionCanonical"))
            if target is not None and target.get("dosage"):
                return target
        return None

    def render(self, template: str, current: str, page_title: str, **context: Any) -> str:
        return (
            _environment()
            .get_template(template)
            .render(
                meta=self.package.meta,
                links=self.links,
                linker=self.linker,
                trace=self.trace,
                nav=self.nav,
                current=current,
                page_title=page_title,
                **context,
            )
        )

    def titration_context(self, resource: Resource | None = None) -> dict[str, Any]:
        schedule = titration.steps(resource) if resource is not None else self.schedule
        return {
            "titration_schedule": schedule,
            "titration_chart": titration.chart(schedule),
            "titration_source": resource or self.titration_source,
        }

    def overview(self) -> str:
        first_group = self.rule_groups[0] if self.rule_groups else None
        answer = first_group.cards[0] if first_group and first_group.cards else None
        article_entry = next((e for e in self.trace.references if e.doi_url is None), None)  # the article itself
        article = (
            self.package.get(*article_entry.mappings[0].resource_key)
            if article_entry and article_entry.mappings
            else None
        )
        cuds = self.package.of_type("ClinicalUseDefinition")
        protocol_actions = _leaf_actions(self.protocol.get("action", [])) if self.protocol else []
        return self.render(
            "index.html",
            "index.html",
            self.package.meta.title,
            article=article,
            article_title=_article_title(article),
            article_summary=_first_text(article, "summary"),
            answer=answer,
            answer_condition=answer.conditions[0].description if answer and answer.conditions else "",
            warnings=[c for c in cuds if c.get("type") == "warning" and c.get("warning", {}).get("description")],
            protocol=self.protocol,
            rule_groups=self.rule_groups,
            rule_page=page_name(self.rule) if self.rule else "",
            interactions=[c for c in cuds if c.get("type") == "interaction"],
            indications=[c for c in cuds if c.get("type") == "indication"],
            undesirable=[c for c in cuds if c.get("type") == "undesirable-effect"],
            monitoring=[
                a
                for a in protocol_actions
                if self.linker.resolve(a.get("definitionCanonical")) is not self.titration_source
            ],
            citation_count=len([e for e in self.trace.references if e.doi_url is not None]),
            **self.titration_context(),
        )

    def resource_page(self, resource: Resource) -> str:
        kind = resource["resourceType"]
        context: dict[str, Any] = {"r": resource}
        if kind == "PlanDefinition":
            context["rule_groups"] = self.rule_groups if resource is self.rule else []
            context.update(self.titration_context() if resource is self.protocol else {"titration_schedule": []})
        elif kind == "ActivityDefinition":
            context.update(self.titration_context(resource))
        elif kind == "ValueSet":
            context["expansion"] = enumerate_value_set(self.terminology, resource.get("url", ""))
            context["expansion_note"] = EXPANSION_NOTE
        template = f"{kind}.html" if kind in PAGE_TEMPLATES else "resource.html"
        return self.render(template, page_name(resource), title_of(resource), **context)

    def evidence(self) -> str:
        by_page = {m.page: e for e in self.trace.references for m in e.mappings[:1]}
        citations = sorted(self.package.of_type("Citation"), key=lambda c: self._reference_rank(c))
        return self.render(
            "evidence.html", "evidence.html", "Evidence", citations=[(by_page.get(page_name(c)), c) for c in citations]
        )

    def _reference_rank(self, citation: Resource) -> tuple[int, str]:
        for i, e in enumerate(self.trace.references):
            if e.mappings and e.mappings[0].page == page_name(citation):
                return (i, "")
        return (len(self.trace.references), title_of(citation))


def render_site(package: Package, traceability: dict[str, Any], links: Links = STATIC_LINKS) -> dict[str, str]:
    """Every page of the site and its stylesheet, keyed by file name (all links between them are relative)."""
    site = _Site(package, build_traceability(package, traceability), links)
    pages = {CSS: _stylesheet(), "index.html": site.overview(), "evidence.html": site.evidence()}
    pages["traceability.html"] = site.render(
        "traceability.html", "traceability.html", "Traceability: article → resources"
    )
    groups: dict[str, list[Resource]] = {}
    for resource in sorted_by_kind(package):
        groups.setdefault(resource["resourceType"], []).append(resource)
        pages[page_name(resource)] = site.resource_page(resource)
    pages["resources.html"] = site.render(
        "resources.html", "resources.html", "All resources", groups=list(groups.items())
    )
    return pages
