// Slack incoming webhook: a text fallback and blocks, in an attachment for the colour bar.
import { post, setting } from './http.js';
import { colourOf, evidenceLines, outputTail, slackText, title, type Notifier } from './message.js';

export const slack: Notifier = {
  send(settings, m, ctx) {
    const tail = outputTail(m, 2500);
    const fields = evidenceLines(m).map(([k, v]) => ({ type: 'mrkdwn', text: `*${slackText(k)}*\n${slackText(v)}` }));
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: title(m).slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: slackText(m.reason) } },
      ...(fields.length ? [{ type: 'section', fields: fields.slice(0, 10) }] : []),
      ...(tail ? [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${slackText(tail.replace(/```/g, "'''"))}\`\`\`` } }] : []),
      ...(m.url ? [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the job page' }, url: m.url }] }] : []),
    ];
    const body = JSON.stringify({ text: slackText(`${title(m)}: ${m.reason}`), attachments: [{ color: colourOf(m), blocks }] });
    return post(setting(settings, 'webhook_url'), body, { 'content-type': 'application/json' }, ctx);
  },
};
