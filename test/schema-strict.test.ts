import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { EDITOR_KEYWORDS, schema, schemaValidator } from '../schema/validator.js';

const strictAjv = () => {
  const ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: true });
  for (const keyword of EDITOR_KEYWORDS) ajv.addKeyword({ keyword, schemaType: 'string' });
  return ajv;
};

describe('pakyas.schema.json in ajv strict mode', () => {
  it('compiles with strict: true, as the validator compiles it', () => {
    expect(() => strictAjv().compile(schema)).not.toThrow();
    expect(typeof schemaValidator()).toBe('function');
  });

  it('refuses a misspelt keyword, so strictness is really on', () => {
    const typo = structuredClone(schema) as { $defs: { duration: Record<string, unknown> } };
    typo.$defs.duration.patern = '^x$';
    expect(() => strictAjv().compile(typo)).toThrow(/unknown keyword: "patern"/);
  });
});
