import { describe, expect, it } from 'vitest';
import { displaySetting, type ChannelSpec, type ChannelType, type ProjectConfig } from '../schema/types.js';
import { describeField, planChanges } from '../server/core/plan.js';

const config = (channels: ChannelSpec[]): ProjectConfig => ({ project: 'billing', jobs: [], channels, routes: [] });
const pd = (events_url: string, routing_key = 'rk-1'): ChannelSpec => ({ name: 'oncall', type: 'pagerduty', settings: { routing_key, events_url } });
const slack = (webhook_url: string, channel = '#ops'): ChannelSpec => ({ name: 'ops', type: 'slack', settings: { webhook_url, channel } });
const hook = (url: string, secret?: string): ChannelSpec => ({ name: 'hook', type: 'webhook', settings: { url, ...(secret ? { secret } : {}) } });

describe('showing a channel setting', () => {
  const cases: Array<[string, ChannelType, string, string, string, boolean]> = [
    ['hides a secret setting whole', 'slack', 'webhook_url', 'https://hooks.slack.com/services/T/B/X', '(secret)', true],
    ['hides a webhook url whole: it commonly carries its credential', 'webhook', 'url', 'https://example.com/hooks/pakyas', '(secret)', true],
    ['hides a webhook signing secret', 'webhook', 'secret', 's3cret', '(secret)', true],
    ['hides a routing key', 'pagerduty', 'routing_key', 'R0UT1NG', '(secret)', true],
    ['hides an SMTP URL', 'email', 'smtp_url', 'smtps://u:p@smtp.example.com:465', '(secret)', true],
    ['shows a URL without credentials as written', 'pagerduty', 'events_url', 'https://gw.example.com/v2/enqueue', 'https://gw.example.com/v2/enqueue', false],
    ['hides the query string of a URL', 'pagerduty', 'events_url', 'https://gw.example.com/enqueue?apikey=K3Y', 'https://gw.example.com/enqueue?(secret)', true],
    ['hides the user-info of a URL', 'pagerduty', 'events_url', 'https://user:pa55@gw.example.com/enqueue', 'https://(secret)@gw.example.com/enqueue', true],
    ['hides a user name alone', 'pagerduty', 'events_url', 'https://token@gw.example.com/enqueue', 'https://(secret)@gw.example.com/enqueue', true],
    ['hides both, keeping host, port and path', 'pagerduty', 'events_url', 'http://u:p@gw.example.com:8443/v2/enqueue?apikey=K&x=1', 'http://(secret)@gw.example.com:8443/v2/enqueue?(secret)', true],
    ['hides a URL it cannot parse', 'pagerduty', 'events_url', 'not a url u:p@x', '(secret)', true],
    ['shows a Slack channel name', 'slack', 'channel', '#ops-alerts', '#ops-alerts', false],
    ['shows email addresses', 'email', 'to', 'ops@example.com, dev@example.com', 'ops@example.com, dev@example.com', false],
  ];
  for (const [name, type, key, value, text, hidden] of cases) {
    it(name, () => expect(displaySetting(type, key, value)).toEqual({ text, hidden }));
  }
});

describe('planning channel settings that carry credentials', () => {
  it('shows a URL with its query and user-info hidden when a channel is created', () => {
    const [change] = planChanges(config([pd('https://user:pw@gw.example.com/enqueue?apikey=K3Y')]), null);
    expect(change!.fields).toContainEqual({ field: 'events_url', from: null, to: 'https://(secret)@gw.example.com/enqueue?(secret)', secret: true });
    expect(JSON.stringify(change)).not.toMatch(/K3Y|pw|user/);
  });

  it('reads a change in the hidden parts of a URL as a secret change', () => {
    const [change] = planChanges(config([pd('https://gw.example.com/enqueue?apikey=NEW')]), config([pd('https://gw.example.com/enqueue?apikey=OLD')]));
    expect(change!.fields).toEqual([{ field: 'events_url', from: 'https://gw.example.com/enqueue?(secret)', to: 'https://gw.example.com/enqueue?(secret)', secret: true }]);
    expect(describeField(change!.fields[0]!)).toBe('events_url changed (secret)');
  });

  it('shows a change in the visible parts of a URL, the hidden parts still hidden', () => {
    const [change] = planChanges(config([pd('https://new.example.com/enqueue?apikey=K')]), config([pd('https://old.example.com/enqueue?apikey=K')]));
    expect(describeField(change!.fields[0]!)).toBe('events_url https://old.example.com/enqueue?(secret) → https://new.example.com/enqueue?(secret)');
  });

  it('finds nothing to do when a URL with credentials is unchanged', () => {
    const c = config([pd('https://u:p@gw.example.com/enqueue?apikey=K')]);
    expect(planChanges(c, structuredClone(c))).toEqual([]);
  });

  const describeAll = (changes: ReturnType<typeof planChanges>) => changes.map((c) => `${c.action} ${c.name}: ${c.fields.map(describeField).join('; ')}`);
  const cases: Array<[string, ChannelSpec[], ChannelSpec[], string[]]> = [
    ['a secret set on an existing channel', [hook('https://a.example/x')], [hook('https://a.example/x', 'S')], ['update hook: secret set (secret)']],
    ['a secret removed', [hook('https://a.example/x', 'S')], [hook('https://a.example/x')], ['update hook: secret removed']],
    ['a webhook url changed', [hook('https://a.example/OLD')], [hook('https://a.example/NEW')], ['update hook: url changed (secret)']],
    ['a query added to a URL', [pd('https://gw.example.com/e')], [pd('https://gw.example.com/e?apikey=K')], ['update oncall: events_url https://gw.example.com/e → https://gw.example.com/e?(secret)']],
  ];
  for (const [name, current, desired, expected] of cases) {
    it(`describes ${name} without its value`, () => {
      const changes = planChanges(config(desired), config(current));
      expect(describeAll(changes)).toEqual(expected);
      expect(JSON.stringify(changes)).not.toMatch(/OLD|NEW|apikey|"S"/);
    });
  }
});

describe('a plan for a token that may only read', () => {
  const readOnly = { compareSecrets: false };

  it('reads the same whether a guessed secret is right or wrong', () => {
    const applied = config([slack('https://hooks.example/RIGHT'), pd('https://gw.example.com/e?apikey=RIGHT', 'RIGHT')]);
    const right = planChanges(config([slack('https://hooks.example/RIGHT'), pd('https://gw.example.com/e?apikey=RIGHT', 'RIGHT')]), applied, readOnly);
    const wrong = planChanges(config([slack('https://hooks.example/WRONG'), pd('https://gw.example.com/e?apikey=WRONG', 'WRONG')]), applied, readOnly);
    expect(wrong).toEqual(right);
    expect(right).toEqual([]);
  });

  it('lists the secret settings of a changed channel as not compared, the same either way', () => {
    const applied = config([slack('https://hooks.example/RIGHT', '#ops')]);
    const right = planChanges(config([slack('https://hooks.example/RIGHT', '#alerts')]), applied, readOnly);
    const wrong = planChanges(config([slack('https://hooks.example/WRONG', '#alerts')]), applied, readOnly);
    expect(wrong).toEqual(right);
    expect(right[0]!.fields.map(describeField)).toEqual([
      'webhook_url (secret, not compared: this token is read-only)',
      'channel #ops → #alerts',
    ]);
  });

  it('still shows a change in the visible parts of a URL, and says the rest was not compared', () => {
    const [change] = planChanges(config([pd('https://new.example.com/e?apikey=K')]), config([pd('https://old.example.com/e?apikey=K')]), readOnly);
    expect(change!.fields.map(describeField)).toEqual([
      'routing_key (secret, not compared: this token is read-only)',
      'events_url https://old.example.com/e?(secret) → https://new.example.com/e?(secret) (secret parts not compared: this token is read-only)',
    ]);
  });

  it('compares whether a secret is there at all, which says nothing of its value', () => {
    const [change] = planChanges(config([hook('https://a.example/x', 'S')]), config([hook('https://a.example/x')]), readOnly);
    expect(change!.fields.map(describeField)).toEqual(['url (secret, not compared: this token is read-only)', 'secret set (secret)']);
  });

  it('creates and deletes channels as a writer\'s plan does', () => {
    const changes = planChanges(config([slack('https://hooks.example/X')]), config([hook('https://a.example/x')]), readOnly);
    expect(changes.map((c) => `${c.action} ${c.name}: ${c.fields.map((f) => `${f.field}=${f.to}`).join(' ')}`)).toEqual([
      'create ops: type=slack webhook_url=(secret) channel=#ops',
      'delete hook: type=null url=null',
    ]);
  });
});
