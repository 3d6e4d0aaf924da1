import { describe, expect, it } from 'vitest';
import { formatError } from '../schema/errors.js';
import { loadConfig, type LoadOptions } from '../schema/load.js';
import { expandVariables } from '../schema/variables.js';

const ENV = { PAKYAS_SECRET_HOOK: 'https://hooks.example/T0K', PAKYAS_SECRET_KEY: 'k3y', GITHUB_TOKEN: 'ghp_leak', PAKYAS_TOKEN: 'pky_leak', DATABASE_URL: 'postgres://u:pw@db/x' };

/** A file with one channel whose settings are given as YAML lines; errors as file:line:col lines. */
function load(channel: string, options: LoadOptions = {}) {
  const text = `version: 1\nproject: p\nchannels:\n  c:\n${channel.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  const result = loadConfig(text, { file: 'f.yaml', ...options });
  return result.ok ? { settings: result.config.channels[0]!.settings } : { errors: result.errors.map(formatError) };
}

describe('which variables a file may read', () => {
  const cases: Array<[string, string, LoadOptions, object]> = [
    ['reads a PAKYAS_SECRET_ variable in a secret setting', 'type: slack\nwebhook_url: ${PAKYAS_SECRET_HOOK}', { env: ENV },
      { settings: { webhook_url: 'https://hooks.example/T0K' } }],
    ['reads one inside a longer value', 'type: webhook\nurl: https://hooks.example/${PAKYAS_SECRET_KEY}', { env: ENV },
      { settings: { url: 'https://hooks.example/k3y' } }],
    ['refuses any other name, naming both ways out', 'type: webhook\nurl: https://x.example/?t=${GITHUB_TOKEN}', { env: ENV },
      { errors: ['f.yaml:6:10: channels.c.url: ${GITHUB_TOKEN} reads a variable not named PAKYAS_SECRET_*; rename it PAKYAS_SECRET_GITHUB_TOKEN or pass --allow-env GITHUB_TOKEN'] }],
    ['refuses it offline too, so that validate agrees with plan', 'type: pagerduty\nrouting_key: ${PAKYAS_TOKEN}', {},
      { errors: ['f.yaml:6:18: channels.c.routing_key: ${PAKYAS_TOKEN} reads a variable not named PAKYAS_SECRET_*; rename it PAKYAS_SECRET_PAKYAS_TOKEN or pass --allow-env PAKYAS_TOKEN'] }],
    ['reads a name the CI job allows', 'type: email\nto: ops@example.com\nsmtp_url: ${DATABASE_URL}', { env: ENV, allowEnv: ['DATABASE_URL'] },
      { errors: ['f.yaml:7:15: channels.c.smtp_url: the value read from the environment is not an smtp:// or smtps:// URL, as an email channel\'s smtp_url must be'] }],
    ['allows only the names given', 'type: webhook\nurl: ${PAKYAS_SECRET_HOOK}\nsecret: ${GITHUB_TOKEN}', { env: ENV, allowEnv: ['DATABASE_URL'] },
      { errors: ['f.yaml:7:13: channels.c.secret: ${GITHUB_TOKEN} reads a variable not named PAKYAS_SECRET_*; rename it PAKYAS_SECRET_GITHUB_TOKEN or pass --allow-env GITHUB_TOKEN'] }],
    ['reads an allowed name in a secret setting', 'type: webhook\nurl: ${PAKYAS_SECRET_HOOK}\nsecret: ${GITHUB_TOKEN}', { env: ENV, allowEnv: ['GITHUB_TOKEN'] },
      { settings: { url: 'https://hooks.example/T0K', secret: 'ghp_leak' } }],
  ];
  for (const [name, channel, options, expected] of cases) {
    it(name, () => expect(load(channel, options)).toEqual(expected));
  }
});

describe('where a file may read variables: secret settings only', () => {
  const cases: Array<[string, string, string]> = [
    ['a Slack channel name', 'type: slack\nwebhook_url: ${PAKYAS_SECRET_HOOK}\nchannel: ${PAKYAS_TOKEN}',
      'f.yaml:7:14: channels.c.channel: ${PAKYAS_TOKEN} is not read here: ${…} variables are read only in secret settings, which for a slack channel is webhook_url; write the value itself here'],
    ['a PagerDuty events URL', 'type: pagerduty\nrouting_key: ${PAKYAS_SECRET_KEY}\nevents_url: https://gw.example.com/?k=${PAKYAS_SECRET_KEY}',
      'f.yaml:7:17: channels.c.events_url: ${PAKYAS_SECRET_KEY} is not read here: ${…} variables are read only in secret settings, which for a pagerduty channel is routing_key; write the value itself here'],
    ['an email recipient', 'type: email\nto: [ops@example.com, "${PAKYAS_SECRET_KEY}@example.com"]',
      'f.yaml:6:27: channels.c.to[1]: ${PAKYAS_SECRET_KEY} is not read here: ${…} variables are read only in secret settings, which for an email channel is smtp_url; write the value itself here'],
    ['an email sender', 'type: email\nto: ops@example.com\nsmtp_url: smtp://mail.example.com\nfrom: ${GITHUB_TOKEN}',
      'f.yaml:8:11: channels.c.from: ${GITHUB_TOKEN} is not read here: ${…} variables are read only in secret settings, which for an email channel is smtp_url; write the value itself here'],
  ];
  for (const [name, channel, error] of cases) {
    it(`refuses a reference in ${name}, allowed names or not`, () => {
      expect(load(channel, { env: ENV })).toEqual({ errors: [error] });
      expect(load(channel, { env: ENV, allowEnv: ['PAKYAS_TOKEN', 'GITHUB_TOKEN'] })).toEqual({ errors: [error] });
      expect(load(channel)).toEqual({ errors: [error] });
    });
  }

  it('never prints the value of any variable in an error', () => {
    const r = load('type: email\nto: ${DATABASE_URL}\nfrom: ${PAKYAS_TOKEN}\nsmtp_url: ${GITHUB_TOKEN}', { env: ENV });
    expect(JSON.stringify(r)).not.toMatch(/leak|pw@/);
    expect((r as { errors: string[] }).errors).toHaveLength(3);
  });

  it('still writes $$ as a literal $ in any setting', () => {
    expect(load('type: slack\nwebhook_url: https://x.example/\nchannel: "#cost-$$"', { env: {} })).toEqual({ settings: { webhook_url: 'https://x.example/', channel: '#cost-$' } });
  });
});

describe('expanding one value', () => {
  const cases: Array<[string, string, Parameters<typeof expandVariables>[1], ReturnType<typeof expandVariables>]> = [
    ['leaves a reference as written with no environment', '${PAKYAS_SECRET_A}', {}, { ok: true, value: '${PAKYAS_SECRET_A}' }],
    ['replaces it from the environment', 'x-${PAKYAS_SECRET_A}-y', { env: { PAKYAS_SECRET_A: 'v' } }, { ok: true, value: 'x-v-y' }],
    ['names a missing variable', '${PAKYAS_SECRET_A}', { env: {} }, { ok: false, message: 'environment variable PAKYAS_SECRET_A is not set (referenced as ${PAKYAS_SECRET_A})' }],
    ['treats an empty variable as missing', '${PAKYAS_SECRET_A}', { env: { PAKYAS_SECRET_A: '' } }, { ok: false, message: 'environment variable PAKYAS_SECRET_A is not set (referenced as ${PAKYAS_SECRET_A})' }],
    ['does not take a name that only contains the prefix', '${X_PAKYAS_SECRET_A}', { env: { X_PAKYAS_SECRET_A: 'v' } },
      { ok: false, message: '${X_PAKYAS_SECRET_A} reads a variable not named PAKYAS_SECRET_*; rename it PAKYAS_SECRET_X_PAKYAS_SECRET_A or pass --allow-env X_PAKYAS_SECRET_A' }],
    ['does not take the prefix in another case', '${pakyas_secret_a}', { env: { pakyas_secret_a: 'v' } },
      { ok: false, message: '${pakyas_secret_a} reads a variable not named PAKYAS_SECRET_*; rename it PAKYAS_SECRET_pakyas_secret_a or pass --allow-env pakyas_secret_a' }],
    ['reads an allowed name', '${HOOK}', { env: { HOOK: 'v' }, allowEnv: ['HOOK'] }, { ok: true, value: 'v' }],
    ['writes $$ as $', 'a$$b', { env: {} }, { ok: true, value: 'a$b' }],
    ['refuses a lone $', 'a$b', {}, { ok: false, message: 'a lone $; write ${NAME} to read a variable, or $$ for a literal $' }],
  ];
  for (const [name, text, rules, expected] of cases) {
    it(name, () => expect(expandVariables(text, rules)).toEqual(expected));
  }
});
