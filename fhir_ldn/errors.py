"""Error hierarchy and CLI exit codes.

Every error the project raises on purpose derives from `FhirLdnError`. Each carries the FHIR
issue type (`issue_code`) and the HTTP status it maps to, so one place (`fhir_ldn.outcome`)
turns any of them into an OperationOutcome and one exception handler (`server.errors`) into a
response::

    FhirLdnError                      (500, exception)   base class, never raised itself
    ├── PackageError                  (500, invalid)     the knowledge package cannot be loaded/built
    │   ├── ResourceFileError         (500, structure)   a file in resources/ or profiles/ is not a resource
    │   ├── PackageIntegrityError     (500, invalid)     broken reference, duplicate id, unverified code...
    │   └── CqlError                  (500, invalid)     the CQL does not translate, or the CQL tools cannot run
    ├── RequestError                  (400, invalid)     the client sent something wrong
    │   ├── NotFoundError             (404, not-found)   unknown resource, operation or service
    │   ├── UnauthorizedError         (401, login)       a CDS client's JWT is missing or invalid (no details)
    │   ├── UnsupportedMediaTypeError (415, not-supported)
    │   ├── PayloadTooLargeError      (413, too-long)    the request body is larger than the configured limit
    │   ├── RequestTimeoutError       (408, timeout)     the client did not send its request body in time
    │   ├── PreconditionFailedError   (412, incomplete)  the CDS service cannot obtain the FHIR data it needs
    │   ├── BusinessRuleError         (422, business-rule)
    │   │   └── ApplyError            (422, business-rule) a definition cannot be applied (kind, dynamicValue)
    │   ├── InputFileError            (400, invalid)     a file or folder given to the CLI cannot be read
    │   ├── UnknownFhirVersionError   (400, not-supported) a FHIR version the validator has no definitions for
    │   └── TerminologyError          (400/404/422, per instance) a terminology operation cannot be answered:
    │                                 unknown value set/code system/supplement, broken compose, bad filter
    ├── UpstreamError                 (502, transient)   a server we called failed
    ├── DefinitionsUnavailableError   (503, transient)   the FHIR core packages are not installed (fhir-ldn setup)
    └── ProcessingTimeoutError        (503, timeout)     the request could not be answered within its deadline

Exit codes of the `fhir-ldn` command are named in `ExitCode` and never reused.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """Process exit codes of the CLI."""

    OK = 0
    INVALID = 1  # validation found errors
    USAGE = 2  # bad arguments or unreadable input
    PACKAGE = 3  # the knowledge package is broken (build stops)


@dataclass(frozen=True)
class Issue:
    """One problem, in OperationOutcome terms."""

    severity: str  # fatal | error | warning | information
    code: str  # FHIR issue-type code
    text: str
    expression: str | None = None
    location: str | None = None  # a file name, for package errors
    message_id: str | None = None  # HL7 validator / tx.fhir.org message key (extension operationoutcome-message-id)
    tx_code: str | None = None  # code from http://hl7.org/fhir/tools/CodeSystem/tx-issue-type (details.coding)
    echo_location: bool = False  # also write the R4-style issue.location = [expression]
    line: int | None = None  # position in the validated document (validation issues)
    column: int | None = None


class FhirLdnError(Exception):
    """Base of every deliberate error."""

    issue_code = "exception"
    http_status = 500
    severity = "error"

    def __init__(self, message: str, *, expression: str | None = None, location: str | None = None):
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.location = location

    def issues(self) -> list[Issue]:
        return [Issue(self.severity, self.issue_code, self.message, self.expression, self.location)]

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.location, self.expression) if p)
        return f"{where}: {self.message}" if where else self.message


class PackageError(FhirLdnError):
    """The knowledge package cannot be loaded or built."""

    issue_code = "invalid"


class ResourceFileError(PackageError):
    """A file is not readable JSON or not a FHIR resource."""

    issue_code = "structure"


class PackageIntegrityError(PackageError):
    """The resources load but contradict each other or the rules (references, codes, ids).

    Carries every problem found, not just the first.
    """

    def __init__(self, problems: list[Issue]):
        self.problems = problems
        lines = [": ".join(p for p in (i.location, i.expression, i.text) if p) for i in problems]
        super().__init__(f"{len(problems)} problem(s) in the knowledge package:\n  " + "\n  ".join(lines))

    def issues(self) -> list[Issue]:
        return list(self.problems)

    def __str__(self) -> str:
        return self.message


class CqlError(PackageError):
    """The package's CQL has translator errors or warnings, or the pinned CQL tools (node, npm) cannot run."""


class RequestError(FhirLdnError):
    """The client's request is malformed or has invalid parameters."""

    issue_code = "invalid"
    http_status = 400


class UnknownFhirVersionError(RequestError):
    """A FHIR version the validator has no definitions for (a CLI usage error; 400 from a server)."""

    issue_code = "not-supported"


class NotFoundError(RequestError):
    """The addressed resource, operation or service does not exist."""

    issue_code = "not-found"
    http_status = 404


class UnsupportedMediaTypeError(RequestError):
    """The request body or the requested format is not JSON or XML FHIR."""

    issue_code = "not-supported"
    http_status = 415


class NotAcceptableError(RequestError):
    """The client asked (Accept) only for something this server cannot answer, e.g. an unserved FHIR version."""

    issue_code = "not-supported"
    http_status = 406


class PayloadTooLargeError(RequestError):
    """The request body exceeds the configured maximum size."""

    issue_code = "too-long"
    http_status = 413


class RequestTimeoutError(RequestError):
    """The client did not send its whole request within the request deadline."""

    issue_code = "timeout"
    http_status = 408


class UnauthorizedError(RequestError):
    """The client did not authenticate (its message never says why: 401 without details)."""

    issue_code = "login"
    http_status = 401


class PreconditionFailedError(RequestError):
    """The CDS service cannot obtain the FHIR data it needs, from prefetch or from the client's FHIR server."""

    issue_code = "incomplete"
    http_status = 412


class BusinessRuleError(RequestError):
    """The request is well formed but breaks a rule of the operation."""

    issue_code = "business-rule"
    http_status = 422


class ApplyError(BusinessRuleError):
    """A definition (ActivityDefinition, PlanDefinition) cannot be applied as written."""


class UpstreamError(FhirLdnError):
    """A server this service depends on failed or timed out."""

    issue_code = "transient"
    http_status = 502


class TerminologyError(RequestError):
    """A terminology operation cannot be answered (unknown value set, code system or supplement; broken compose).

    Carries the HTTP status and FHIR issue type for its case, and the terminology issue details
    (`message_id`, `tx_code`) the HL7 terminology ecosystem expects.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int = 400,
        issue_code: str = "invalid",
        message_id: str | None = None,
        tx_code: str | None = None,
        expression: str | None = None,
        echo_location: bool = False,
    ):
        super().__init__(message, expression=expression)
        self.http_status = http_status
        self.issue_code = issue_code
        self.message_id = message_id
        self.tx_code = tx_code
        self.echo_location = echo_location

    def issues(self) -> list[Issue]:
        return [
            Issue(
                self.severity,
                self.issue_code,
                self.message,
                self.expression,
                message_id=self.message_id,
                tx_code=self.tx_code,
                echo_location=self.echo_location,
            )
        ]


class TooCostlyError(RequestError):
    """The request needs more work than one request may take: its time budget, or an expansion size limit."""

    issue_code = "too-costly"
    http_status = 422

    def __init__(self, message: str, *, message_id: str | None = None, expression: str | None = None):
        super().__init__(message, expression=expression)
        self.message_id = message_id

    def issues(self) -> list[Issue]:
        return [Issue(self.severity, self.issue_code, self.message, self.expression, message_id=self.message_id)]


class InputFileError(RequestError):
    """A file or folder given to the command line cannot be read or is not FHIR."""


class DefinitionsUnavailableError(FhirLdnError):
    """The FHIR packages the validator needs are not in the FHIR package cache (run `fhir-ldn setup`)."""

    issue_code = "transient"
    http_status = 503


class ProcessingTimeoutError(FhirLdnError):
    """The service could not answer within the request deadline (the client may retry later)."""

    issue_code = "timeout"
    http_status = 503
