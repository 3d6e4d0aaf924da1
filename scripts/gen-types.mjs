// Generates schema/config.generated.ts from pakyas.schema.json, so that the JSON Schema stays the
// single source of truth for the shape of pakyas.yaml. `npm run gen:types` rewrites the file;
// test/schema-types.test.ts fails when the committed file and the schema drift apart.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pascal = (s) => s.replace(/(^|[-_])([a-z])/g, (_, __, c) => c.toUpperCase());
const refName = (ref) => pascal(ref.replace('#/$defs/', ''));

// A description may say `*/15`, which would end the comment.
const comment = (text) => `/** ${text.replace(/\*\//g, '*\\/')} */`;

const namesKeysOnly = (v) => Array.isArray(v.required) &&
  Object.entries(v).every(([k, x]) => k === 'required' || (k === 'properties' && Object.values(x).every((p) => p === true)));

function typeOf(schema, indent) {
  if (schema.$ref) return refName(schema.$ref);
  if ('const' in schema) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  // A oneOf of branches that only require keys (declared `true` for ajv's strict mode) constrains
  // which keys appear, not their types.
  const variants = (schema.oneOf ?? []).filter((v) => !namesKeysOnly(v));
  if (variants.length > 0) return variants.map((v) => typeOf(v, indent)).join(' | ');
  switch (schema.type) {
    case 'string': return 'string';
    case 'integer': case 'number': return 'number';
    case 'boolean': return 'boolean';
    case 'array': {
      const item = typeOf(schema.items ?? {}, indent);
      return item.includes(' ') ? `Array<${item}>` : `${item}[]`;
    }
    case 'object': return objectType(schema, indent);
    default: return 'unknown';
  }
}

function objectType(schema, indent) {
  const pad = '  '.repeat(indent + 1);
  const required = new Set(schema.required ?? []);
  const lines = [];
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const doc = prop.description ? `${pad}${comment(prop.description)}\n` : '';
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
    lines.push(`${doc}${pad}${name}${required.has(key) ? '' : '?'}: ${typeOf(prop, indent + 1)};`);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    lines.push(`${pad}[name: string]: ${typeOf(schema.additionalProperties, indent + 1)};`);
  }
  return `{\n${lines.join('\n')}\n${'  '.repeat(indent)}}`;
}

export function generateTypes(schema) {
  const out = [
    '// Generated from pakyas.schema.json by scripts/gen-types.mjs: do not edit by hand.',
    '// The raw shape of pakyas.yaml, as written; schema/types.ts holds the normalised config.',
    '',
  ];
  for (const [name, def] of Object.entries(schema.$defs)) {
    if (def.description) out.push(comment(def.description));
    out.push(`export type ${pascal(name)} = ${typeOf(def, 0)};`, '');
  }
  out.push(comment(schema.description), `export type PakyasFile = ${typeOf(schema, 0)};`, '');
  return out.join('\n');
}

export const schemaPath = fileURLToPath(new URL('../pakyas.schema.json', import.meta.url));
export const typesPath = fileURLToPath(new URL('../schema/config.generated.ts', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(typesPath, generateTypes(JSON.parse(readFileSync(schemaPath, 'utf8'))));
  console.log(`wrote ${typesPath}`);
}
