"""The validator's public interface: validate JSON or XML text (or a parsed resource) against R5 and profiles.

validator = Validator(Session(default_source(extra_resources)))
result = validator.validate_json(text, profiles=["https://.../StructureDefinition/x"])
result.outcome()   # an R5 OperationOutcome in the HL7 validator's style
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from fhir_ldn.core_defs.versions import DEFAULT_VERSION, release_for
from fhir_ldn.errors import DefinitionsUnavailableError, Issue
from fhir_ldn.formats.element_model import element_model
from fhir_ldn.formats.xml import XmlFormatError, XmlRootError, encoding_problem, location_of, read_xml
from fhir_ldn.outcome import operation_outcome
from fhir_ldn.validation.definitions import CoreSource, DefinitionSource
from fhir_ldn.validation.issues import ValidationIssue
from fhir_ldn.validation.jsonsource import JsonDocument, JsonSyntaxError, parse_json
from fhir_ldn.validation.session import Session
from fhir_ldn.validation.structure import Walker

_SEVERITY_ORDER = {"fatal": 0, "error": 1, "warning": 2, "information": 3}


def core_sources(*, install: bool = True, fhir_version: str = DEFAULT_VERSION) -> list[CoreSource]:
    """The core package of a FHIR version (R5 by default) and its standard extensions package, installed into
    the FHIR package cache on first use (`install=False`: DefinitionsUnavailableError instead of fetching, for
    servers answering requests)."""
    from fhir_ldn.core_defs import load_package_definitions, package_cache_dir

    release = release_for(fhir_version)
    if not install:
        for name, version in release.packages:
            if not (package_cache_dir() / f"{name}#{version}" / "package" / "package.json").is_file():
                setup = "fhir-ldn setup" + ("" if release.version == DEFAULT_VERSION else f" --fhir-version {version}")
                raise DefinitionsUnavailableError(f"{name}#{version} is not installed: run '{setup}'")
    return [load_package_definitions(*release.core), load_package_definitions(*release.extensions)]


def default_source(
    extra: Iterable[dict[str, Any]] = (), *, install: bool = True, fhir_version: str = DEFAULT_VERSION
) -> DefinitionSource:
    """The definitions the validator uses: `extra` (package, --ig) over the core and extensions packages of
    a FHIR version (R5 by default)."""
    version = release_for(fhir_version).version
    return DefinitionSource(core_sources(install=install, fhir_version=version), extra, fhir_version=version)


@dataclass
class ValidationResult:
    """The issues found in one input, with line/column where known."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(i.severity in ("error", "fatal") for i in self.issues)

    def count(self, *severities: str) -> int:
        return sum(1 for i in self.issues if i.severity in severities)

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issues)


def _to_issue(issue: ValidationIssue, positions: dict[Any, tuple[int, int]]) -> Issue:
    line, column = issue.line, issue.column
    if line is None and issue.pointer in positions:
        line, column = positions[issue.pointer]
    return Issue(
        issue.severity,
        issue.code,
        issue.text,
        issue.xml_path or issue.expression,
        line=line,
        column=column,
        message_id=issue.message_id,
    )


def finish(issues: list[ValidationIssue], doc: JsonDocument | None) -> ValidationResult:
    ordered = sorted(issues, key=lambda i: _SEVERITY_ORDER.get(i.severity, 9))
    positions = doc.locate_all([i.pointer for i in ordered]) if doc is not None and ordered else {}
    return ValidationResult([_to_issue(i, positions) for i in ordered])


class Validator:
    """Validates instances with one Session (definitions and caches are reused between calls)."""

    def __init__(self, session: Session):
        self.session = session

    def validate_resource(
        self, resource: Any, profiles: Sequence[str] = (), *, expected_type: str | None = None
    ) -> ValidationResult:
        """Validate an already-parsed resource (JSON dict); no line/column information."""
        walker = Walker(self.session)
        _check_type(walker, resource, expected_type)
        walker.validate_resource(resource, str(_type_of(resource)), (), None, profiles)
        return finish(walker.issues, None)

    def validate_json(
        self,
        text: str | bytes,
        profiles: Sequence[str] = (),
        *,
        positions: bool = True,
        expected_type: str | None = None,
    ) -> ValidationResult:
        """Validate FHIR JSON text; syntax errors become a fatal issue with the position.

        `positions=False` skips the line/column lookup (faster for bulk runs that only count issues).
        """
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                return ValidationResult([Issue("fatal", "invalid", f"The content is not UTF-8: {exc}")])
        try:
            doc = parse_json(text)
        except JsonSyntaxError as exc:
            text = f"Error parsing JSON: {exc}"
            issue = Issue("fatal", "invalid", text, line=exc.line, column=exc.column, message_id="Error_parsing_JSON_")
            return ValidationResult([issue])
        walker = Walker(self.session, doc.duplicates, notes=doc.notes)
        _check_type(walker, doc.data, expected_type)
        walker.validate_resource(doc.data, str(_type_of(doc.data)), (), None, profiles)
        return finish(walker.issues, doc if positions else None)

    def validate_ndjson(self, content: bytes, profiles: Sequence[str] = ()) -> ValidationResult:
        """Validate NDJSON (a resource on each line) as the HL7 validator does: every line is validated as JSON
        (issues carry the line in the file); an empty line is a warning."""
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return ValidationResult([Issue("fatal", "invalid", f"The content is not UTF-8: {exc}")])
        lines = text.split("\n")
        if len(lines) > 1 and not lines[-1].strip():
            lines.pop()  # the newline that ends the last line
        out: list[Issue] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                text = "The NDJSON source contains an empty line. This may not be accepted by some processors"
                out.append(Issue("warning", "informational", text, line=number, column=1, message_id="NDJSON_EMPTY"))
                continue
            for issue in self.validate_json(line, profiles).issues:
                out.append(replace(issue, line=number + (issue.line or 1) - 1))
        return ValidationResult(out)

    def validate_xml(
        self,
        content: bytes,
        profiles: Sequence[str] = (),
        *,
        positions: bool = True,
        expected_type: str | None = None,
    ) -> ValidationResult:
        """Validate FHIR XML: structural problems of the XML itself (unknown or misplaced elements, empty
        elements, bad lexical forms) from the reader, then the JSON form it reads as, like JSON input."""
        found: list[Issue] = []
        encoding = encoding_problem(content)
        if encoding is not None:
            found.append(Issue("error", "invalid", encoding[0], "XML", message_id="XML_ENCODING_INVALID"))
            if encoding[1]:
                text = "The content cannot be read as UTF-8 XML"
                return ValidationResult(
                    [*found, Issue("fatal", "invalid", text, "(xml)", message_id="XML_PARSE_ERROR")]
                )
        try:
            document = read_xml(content, locations=positions, model=element_model(self.session.source.fhir_version))
        except XmlRootError as exc:
            text = (
                "This content cannot be parsed (unknown or unrecognized XML Root element namespace/name "
                f"'{exc.namespace}::{exc.name}')"
            )
            return ValidationResult(
                [*found, Issue("fatal", "structure", text, exc.name, message_id="XML_ROOT_UNKNOWN")]
            )
        except XmlFormatError as exc:
            fatal = Issue("fatal", "invalid", str(exc), "(xml)", message_id="XML_PARSE_ERROR")
            return ValidationResult([*found, fatal])
        walker = Walker(self.session, xml=True)
        walker.issues.extend(ValidationIssue(i.severity, i.code, i.text, str(i.expression)) for i in found)
        for problem in document.problems:
            walker.issues.append(
                ValidationIssue(
                    problem.severity,
                    problem.code,
                    problem.message,
                    problem.expression,
                    line=problem.line or None,
                    column=problem.column or None,
                )
            )
        resource = document.resource
        _check_type(walker, resource, expected_type)
        walker.validate_resource(resource, str(_type_of(resource)), (), None, profiles)
        ordered = sorted(walker.issues, key=lambda i: _SEVERITY_ORDER.get(i.severity, 9))
        out = []
        for issue in ordered:
            if issue.line is None and positions:
                where = location_of(document.locations, issue.expression)
                if where is not None and where != (0, 0):
                    issue = replace(issue, line=where[0], column=where[1])
            out.append(_to_issue(issue, {}))
        return ValidationResult(out)


def _check_type(walker: Walker, resource: Any, expected: str | None) -> None:
    found = _type_of(resource)
    if expected is not None and found != expected:
        text = f"The resource is a {found}, but it was submitted for validation as a {expected}"
        walker.add("error", "invalid", found, (), text, "VALIDATION_TYPE_MISMATCH")


def package_validator(package: Iterable[dict[str, Any]], *, install: bool = True) -> Validator:
    """A validator that knows a knowledge package's profiles and terminology, over the R5 core packages."""
    return Validator(Session(default_source(list(package), install=install)))


def _type_of(resource: Any) -> str:
    if isinstance(resource, dict) and isinstance(resource.get("resourceType"), str):
        return str(resource["resourceType"])
    return "$"
