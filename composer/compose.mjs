// Composes the subgraphs listed in supergraph.yaml (rover format) into a Federation 2
// supergraph with Apollo's reference composer, the one rover uses.
//
//   node composer/compose.mjs [--check]
//
// Writes schema/supergraph.graphql; with --check, writes nothing and exits 1 when the
// committed file differs from a fresh composition.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import YAML from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const config = YAML.parse(readFileSync(resolve(root, "supergraph.yaml"), "utf8"));
const services = Object.entries(config.subgraphs).map(([name, subgraph]) => ({
  name,
  url: subgraph.routing_url,
  typeDefs: parse(readFileSync(resolve(root, subgraph.schema.file), "utf8")),
}));

const result = composeServices(services);
if (result.errors && result.errors.length > 0) {
  for (const error of result.errors) console.error(`composition error: ${error.message}`);
  process.exit(1);
}
for (const hint of result.hints ?? []) console.error(`hint: ${hint.definition.code}: ${hint.message}`);

const target = resolve(root, "schema/supergraph.graphql");
const composed = result.supergraphSdl.trimEnd() + "\n";
if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(target, "utf8");
  } catch {}
  if (committed !== composed) {
    console.error("schema/supergraph.graphql is out of date: run scripts/compose.sh");
    process.exit(1);
  }
  console.log("schema/supergraph.graphql is up to date");
} else {
  writeFileSync(target, composed);
  console.log("wrote schema/supergraph.graphql");
}
