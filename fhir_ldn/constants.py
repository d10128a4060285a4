"""System URIs and fixed identifiers used by the code (clinical codes live in resources/)."""

FHIR_VERSION = "5.0.0"
CORE_PACKAGE = "hl7.fhir.r5.core"
# HL7 Terminology (THO) for R5: the package uses its plan-definition-type and action-type code systems, which
# the R5 core package does not hold (7.0.1 holds every code used; checked against its npm package).
TERMINOLOGY_PACKAGE = ("hl7.terminology.r5", "7.0.1")

# The canonical base the authored resources in resources/ and profiles/ are written with.
AUTHORED_CANONICAL_BASE = "https://fhir-ldn.github.io/fhir"

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
DOI = "https://doi.org"
XHTML_NS = "http://www.w3.org/1999/xhtml"
FHIR_NS = "http://hl7.org/fhir"

# HL7-owned namespaces whose canonicals resolve in the core package (or terminology.hl7.org), not in ours.
EXTERNAL_CANONICAL_PREFIXES = (
    "http://hl7.org/fhir/",
    "http://terminology.hl7.org/",
    "http://cds-hooks.hl7.org/",
    "urn:ietf:",
    "urn:iso:",
)

# Code systems the package uses without holding them (grammar-based or HL7-governed). Any other system,
# e.g. RxNorm, ATC or SNOMED CT, must be held in the package, so every drug code is one we verified.
UNHELD_CODE_SYSTEMS = (UCUM,)

ISSUE_SOURCE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-source"
MESSAGE_ID_EXTENSION = "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id"
TX_ISSUE_TYPE = "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"

# Terminology: concept properties, extensions and code systems the terminology engine reads or writes.
CONCEPT_PROPERTIES = "http://hl7.org/fhir/concept-properties"
HL7_TERM_MAINT_INFRA = "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra"
SD = "http://hl7.org/fhir/StructureDefinition/"
EXT_CS_CONCEPT_ORDER = SD + "codesystem-conceptOrder"
EXT_CS_LABEL = SD + "codesystem-label"
EXT_VS_CONCEPT_ORDER = SD + "valueset-conceptOrder"
EXT_VS_LABEL = SD + "valueset-label"
EXT_VS_DEPRECATED = SD + "valueset-deprecated"
EXT_VS_CONCEPT_DEFINITION = SD + "valueset-concept-definition"
EXT_VS_SUPPLEMENT = SD + "valueset-supplement"
EXT_VS_EXPANSION_PARAMETER = SD + "valueset-expansion-parameter"
EXT_VS_UNCLOSED = SD + "valueset-unclosed"
EXT_VS_UNCLOSED_REASON = SD + "valueset-unclosed-reason"
EXT_ITEM_WEIGHT = SD + "itemWeight"
EXT_RENDERING_STYLE = SD + "rendering-style"
EXT_RENDERING_XHTML = SD + "rendering-xhtml"
EXT_STANDARDS_STATUS = SD + "structuredefinition-standards-status"
EXT_DATA_ABSENT_REASON = SD + "data-absent-reason"
EXT_APPLICATION_FEATURE = "http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature"
FEATURE_TX_TEST_VERSION = "http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version"
FEATURE_CODESYSTEM_AS_PARAMETER = "http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter"

# The package's own concept system (id) and its concepts the code relies on as mechanisms.
LOCAL_CONCEPTS_ID = "ldn-ssri-concepts"
STRENGTH_PER_UNIT = "strength-per-unit"  # MedicinalProductDefinition.characteristic: mass per administered unit
PLAN_DEFINITION_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
OVERRIDE_REASONS_LABEL = "override-reasons"  # PlanDefinition.relatedArtifact (depends-on) naming the value set
