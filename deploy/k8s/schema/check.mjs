// Schema check of Kubernetes manifests against the Kubernetes API's types, offline:
//   node check.mjs FILE.yaml ...        (run from its install folder: deploy/validate.sh does)
// Every document must be an apiVersion/kind that kubernetes-models knows (the API's OpenAPI
// types, Kubernetes 1.3x), and pass twice:
//  1. kubernetes-models' validate(): the OpenAPI schema's types, required fields, enums, formats
//     (an int-or-string port, a quantity, a DNS label);
//  2. TypeScript's excess-property check against the same types (a typo such as `completionMod`
//     or `readinesProbe`, which the OpenAPI schema accepts as an unknown field and the API server
//     would silently drop): each document becomes `const oN: IKind = {...}`, type-checked --strict.
// Prints one line per problem, naming the file, document, kind and name; exit 1 if any.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const problems = [];
const documents = [];

for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  YAML.parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length) {
      problems.push(`${file} document ${index}: YAML: ${doc.errors[0].message}`);
      return;
    }
    const object = doc.toJS();
    if (object !== null && object !== undefined) documents.push({ file, index, object });
  });
}
if (documents.length === 0) problems.push("no Kubernetes object to check");

// apiVersion "apps/v1" kind "StatefulSet" -> kubernetes-models/apps/v1/StatefulSet (IStatefulSet).
function modelPath(object) {
  const apiVersion = String(object.apiVersion ?? "");
  const kind = String(object.kind ?? "");
  if (!/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return null;
  const file = path.join(here, "node_modules", "kubernetes-models", apiVersion, `${kind}.mjs`);
  return fs.existsSync(file) ? { file, module: `kubernetes-models/${apiVersion}/${kind}`, kind } : null;
}

const where = (d) =>
  `${d.file} document ${d.index} (${d.object?.kind ?? "?"} ${d.object?.metadata?.name ?? "?"})`;

const typed = [];
for (const d of documents) {
  const model = modelPath(d.object);
  if (model === null) {
    problems.push(`${where(d)}: apiVersion ${d.object?.apiVersion} kind ${d.object?.kind} is no Kubernetes API type`);
    continue;
  }
  const exported = await import(pathToFileURL(model.file).href);
  const Model = exported[model.kind];
  try {
    new Model(d.object).validate();
  } catch (error) {
    problems.push(`${where(d)}: ${error.message}`);
  }
  typed.push({ d, model });
}

// The excess-property check: one TypeScript file, type-checked in the install folder.
if (typed.length) {
  const lines = [];
  typed.forEach(({ model }, n) => lines.push(`import type { I${model.kind} as T${n} } from "${model.module}";`));
  const starts = [];  // the 1-based line where object n starts
  let lineCount = lines.length;
  typed.forEach(({ d }, n) => {
    const text = `export const o${n}: T${n} = ${JSON.stringify(d.object, null, 1)};`;
    starts.push(lineCount + 1);
    lines.push(text);
    lineCount += text.split("\n").length;
  });
  const source = path.join(here, "manifests.check.ts");
  fs.writeFileSync(source, lines.join("\n") + "\n");
  const program = ts.createProgram([source], {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    if (!diagnostic.file) {
      problems.push(`TypeScript: ${message}`);
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    let n = starts.length - 1;
    while (n > 0 && starts[n] > line + 1) n--;
    const text = diagnostic.file.text.split("\n")[line].trim();
    problems.push(line + 1 < starts[0] ? `TypeScript: ${message}`
                                       : `${where(typed[n].d)}: near ${text}: ${message}`);
  }
  fs.rmSync(source, { force: true });
}

for (const p of problems) console.error(p);
if (problems.length === 0) console.log(`k8s schema: ${documents.length} objects match the Kubernetes API types`);
process.exit(problems.length ? 1 : 0);
