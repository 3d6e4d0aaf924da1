import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REQUIRED_SETTINGS } from '../schema/channels.js';
import { CHANNEL_KINDS, MAX_GLOB_STARS, MAX_NAME_LENGTH, NAME_PATTERN, TRANSITIONS } from '../schema/vocabulary.js';
// @ts-expect-error: a plain .mjs build script without types
import { generateTypes, schemaPath, typesPath } from '../scripts/gen-types.mjs';

describe('pakyas.schema.json as the single source of truth', () => {
  it('generates exactly the committed TypeScript types (run npm run gen:types after changing the schema)', () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    expect(readFileSync(typesPath, 'utf8')).toBe(generateTypes(schema));
  });

  it('gives every property a title or a description, so that editors show help', () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    const missing: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      for (const [key, prop] of Object.entries((n.properties as Record<string, Record<string, unknown>>) ?? {})) {
        if (!prop.description && !prop.title) missing.push(`${path}.${key}`);
        visit(prop, `${path}.${key}`);
      }
      for (const [name, def] of Object.entries((n.$defs as Record<string, unknown>) ?? {})) visit(def, `$defs.${name}`);
    };
    visit(schema, '');
    expect(missing).toEqual([]);
  });

  it('requires of each channel kind the settings the server requires (schema/channels.ts)', () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    for (const [kind, required] of Object.entries(REQUIRED_SETTINGS)) {
      expect(schema.$defs[`${kind}Channel`].required.filter((k: string) => k !== 'type'), kind).toEqual(required);
    }
  });

  it('names things, lists channel kinds and transitions, and limits globs as schema/vocabulary.ts does', () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    const defs = schema.$defs;
    expect(defs.name.pattern).toBe(NAME_PATTERN.source);
    expect(defs.name.maxLength).toBe(MAX_NAME_LENGTH);
    const kinds = defs.channel.oneOf.map((ref: { $ref: string }) => defs[ref.$ref.split('/').at(-1)!].properties.type.const);
    expect(kinds).toEqual(CHANNEL_KINDS);
    expect(defs.transition.enum).toEqual(TRANSITIONS);
    expect(defs.route.properties.match.properties.job.allOf[0].pattern).toContain(`{0,${MAX_GLOB_STARS}}`);
  });
});
