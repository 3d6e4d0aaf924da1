// Discord webhook: one embed, coloured by what happened.
import { post, setting } from './http.js';
import { colourOf, discordText, evidenceLines, outputTail, title, type Notifier } from './message.js';

export const discord: Notifier = {
  send(settings, m, ctx) {
    const tail = outputTail(m, 900);
    const embed = {
      title: title(m).replace(/@(everyone|here)/g, '@\u200b$1').slice(0, 256),
      ...(m.url ? { url: m.url } : {}),
      description: `${discordText(m.reason)}${tail ? `\n\`\`\`\n${tail.replace(/```/g, "'''").replace(/@(everyone|here)/g, '@\u200b$1')}\n\`\`\`` : ''}`.slice(0, 4000),
      color: Number.parseInt(colourOf(m).slice(1), 16),
      fields: evidenceLines(m).map(([name, value]) => ({ name, value: discordText(value).slice(0, 1024), inline: name !== 'Timeline' })),
      timestamp: m.at,
      footer: { text: 'Pakyas' },
    };
    return post(setting(settings, 'webhook_url'), JSON.stringify({ username: 'Pakyas', embeds: [embed], allowed_mentions: { parse: [] } }), { 'content-type': 'application/json' }, ctx);
  },
};
