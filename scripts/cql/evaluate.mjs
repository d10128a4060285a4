// Run an ELM library with cql-execution over FHIR 4.0.1 data (cql-exec-fhir), once for many cases.
// stdin: {"elm": ELM JSON, "valueSets": {url: [{system, code}]}, "expressions": [names],
//         "cases": [{"name", "resources": [patient data: Patient, MedicationRequest, MedicationStatement, Medication…],
//                    "parameters": {name: FHIR resource or list of them}}]}
// stdout: [{"name", "results": {expression: value}} | {"name", "error"}], one per case, in order. Values are JSON:
// a FHIR or CQL object becomes its JSON form, a Code {system, code}, a Tuple an object.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const cql = require("cql-execution");
const cqlfhir = require("cql-exec-fhir");
const wrapper = cqlfhir.FHIRWrapper.FHIRv401();

// cql-exec-fhir 2.2.0 types a contained resource by the element's declared type (FHIR.Resource), not by its
// resourceType, so `C is FHIR.Medication` is false and the Medication's elements cannot be read. FHIR engines that
// read the JSON (HAPI's Java engine) type it by its resourceType; so does this harness, for `contained` only.
const fhirObject = Object.getPrototypeOf(wrapper.wrap({ resourceType: "Basic" }));
const readElement = fhirObject.get;
fhirObject.get = function get(field) {
  const value = readElement.call(this, field);
  if (field !== "contained" || !Array.isArray(value)) return value;
  return value.map((item) => (item && item._json && item._json.resourceType ? wrapper.wrap(item._json) : item));
};

function plain(value) {
  if (value == null) return null;
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof cql.Code) return { system: value.system, code: value.code };
  if (typeof value === "object" && typeof value.isDecimal === "boolean") return value.value; // not expected
  if (typeof value === "object" && value._json !== undefined) return value._json; // a FHIRObject
  if (typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const library = new cql.Library(input.elm, new cql.Repository({}));
  const valueSets = {};
  for (const [url, codes] of Object.entries(input.valueSets)) {
    valueSets[url] = { "": codes.map((c) => ({ system: c.system, code: c.code })) };
  }
  const codeService = new cql.CodeService(valueSets);
  const source = cqlfhir.PatientSource.FHIRv401(); // parses the model info once; reset for every case
  const out = [];
  for (const item of input.cases) {
    try {
      const parameters = {};
      for (const [name, value] of Object.entries(item.parameters || {})) {
        parameters[name] = Array.isArray(value) ? value.map((r) => wrapper.wrap(r)) : wrapper.wrap(value);
      }
      const patient = item.resources.find((r) => r.resourceType === "Patient");
      source.reset();
      source.loadBundles([
        { resourceType: "Bundle", type: "collection", entry: item.resources.map((resource) => ({ resource })) },
      ]);
      const executor = new cql.Executor(library, codeService, parameters);
      const results = await executor.exec(source);
      const mine = results.patientResults[patient.id];
      out.push({
        name: item.name,
        results: Object.fromEntries(input.expressions.map((e) => [e, plain(mine[e])])),
      });
    } catch (err) {
      out.push({ name: item.name, error: String((err && err.stack) || err) });
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
