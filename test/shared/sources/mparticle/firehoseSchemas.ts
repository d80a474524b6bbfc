import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

/**
 * Validators from the Firehose SDK's JSON schemas (test/fixtures/mparticle-firehose/*_schema.json).
 * They are draft-03 (Jackson's generator: `required: true` on a property, `id` for ids); this turns them
 * into what Ajv 8 reads, changing nothing else.
 */
type Node = Record<string, unknown>;

function toModern(node: unknown, seenIds: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((item) => toModern(item, seenIds));
  if (typeof node !== "object" || node === null) return node;
  const result: Node = {};
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === "required" && typeof value === "boolean") continue;
    if (key === "id" && typeof value === "string") {
      // Jackson repeats an id wherever the class recurs; Ajv wants each once.
      if (!seenIds.has(value)) result.$id = value;
      seenIds.add(value);
      continue;
    }
    if (key === "properties" && typeof value === "object" && value !== null) {
      const required = Object.entries(value as Node)
        .filter(([, property]) => (property as Node).required === true)
        .map(([name]) => name);
      if (required.length > 0) result.required = required;
    }
    result[key] =
      key === "properties" && typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value as Node).map(([name, property]) => [name, toModern(property, seenIds)]))
        : toModern(value, seenIds);
  }
  return result;
}

export function firehoseValidator(schemaFile: string): ValidateFunction {
  const schema = JSON.parse(readFileSync(new URL(`../../../fixtures/mparticle-firehose/${schemaFile}`, import.meta.url), "utf8")) as unknown;
  return new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(toModern(schema, new Set()) as Node);
}
