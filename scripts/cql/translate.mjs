// Translate CQL to ELM JSON with the reference translator (@cqframework/cql), against the FHIR 4.0.1 model info
// that cql-exec-fhir ships. Usage: node translate.mjs FILE.cql [OUT.json]. Prints every translator error and
// warning as FILE:LINE:COLUMN: severity: message and exits 1 if there is any; else writes the ELM (or prints it).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { SystemModelInfoProvider } from "@cqframework/cql/cql";
import {
  CqlCompilerOptions,
  CqlTranslator,
  LibraryManager,
  ModelManager,
  createModelInfoProvider,
  stringAsSource,
} from "@cqframework/cql/cql-to-elm";

const [source, out] = process.argv.slice(2);
if (!source) {
  console.error("usage: node translate.mjs FILE.cql [OUT.json]");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const fhirModelInfo = readFileSync(require.resolve("cql-exec-fhir/lib/modelInfos/fhir-modelinfo-4.0.1.xml"), "utf8");
const models = new ModelManager();
models.modelInfoLoader.registerModelInfoProvider(new SystemModelInfoProvider());
models.modelInfoLoader.registerModelInfoProvider(
  createModelInfoProvider((id, _system, version) =>
    id === "FHIR" && (version == null || version === "4.0.1") ? stringAsSource(fhirModelInfo) : null,
  ),
);
// The translator's defaults without EnableAnnotations (the CQL source is shipped beside the ELM, in the Library).
const options = new CqlCompilerOptions().withOptions([
  CqlCompilerOptions.Options.EnableLocators,
  CqlCompilerOptions.Options.DisableListDemotion,
  CqlCompilerOptions.Options.DisableListPromotion,
]);
const translator = CqlTranslator.fromText(readFileSync(source, "utf8"), new LibraryManager(models, options));
const problems = [
  ...translator.errors.asJsReadonlyArrayView().map((e) => ["error", e]),
  ...translator.warnings.asJsReadonlyArrayView().map((e) => ["warning", e]),
];
for (const [severity, problem] of problems) {
  // TrackBack's fields are minified in the Kotlin build; its toString is "TrackBack{…, startLine=2, startChar=12, …}"
  const at = /startLine=(\d+), startChar=(\d+)/.exec(String(problem.locator));
  const where = at ? `${at[1]}:${at[2]}` : "?:?";
  console.error(`${source}:${where}: ${severity}: ${problem.message}`);
}
if (problems.length > 0) process.exit(1);
const text = JSON.stringify(JSON.parse(translator.toJson()), null, 1) + "\n";
if (out) writeFileSync(out, text);
else process.stdout.write(text);
