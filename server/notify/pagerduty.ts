// PagerDuty Events API v2: trigger on a bad transition, resolve on recovery, one incident per job
// (the dedup key), so repeated alerts of one job update one incident instead of paging again.
import { post, setting } from './http.js';
import { evidenceLines, title, type Notifier } from './message.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export const pagerduty: Notifier = {
  send(settings, m, ctx) {
    // A test alert has an incident of its own, resolved right after it is opened (alerts.ts).
    const dedupKey = `pakyas/${m.project}/${m.job}${m.test ? '/test' : ''}`;
    const body = m.transition === 'recovered'
      ? { routing_key: setting(settings, 'routing_key'), event_action: 'resolve', dedup_key: dedupKey }
      : {
        routing_key: setting(settings, 'routing_key'),
        event_action: 'trigger',
        dedup_key: dedupKey,
        payload: {
          summary: `${title(m)}: ${m.reason}`.slice(0, 1024),
          source: typeof m.evidence.host === 'string' && m.evidence.host ? m.evidence.host : 'pakyas',
          severity: m.test ? 'info' : m.transition === 'late' ? 'warning' : 'error',
          component: m.job,
          group: m.project,
          class: m.transition,
          timestamp: m.at,
          custom_details: Object.fromEntries(evidenceLines(m)),
        },
        ...(m.url ? { links: [{ href: m.url, text: `${m.project}/${m.job} in Pakyas` }] } : {}),
      };
    return post(setting(settings, 'events_url') || PAGERDUTY_EVENTS_URL, JSON.stringify(body), { 'content-type': 'application/json' }, ctx);
  },
};
