// Email over SMTP (nodemailer): plain text and HTML, to the channel's recipients.
import nodemailer from 'nodemailer';
import { setting } from './http.js';
import { colourOf, evidenceLines, outputTail, plainText, title, type Notifier } from './message.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const email: Notifier = {
  async send(settings, m, ctx) {
    const url = setting(settings, 'smtp_url') || ctx.smtp.url;
    if (!url) return { ok: false, error: 'no SMTP server: set smtp_url on the channel or PAKYAS_SMTP_URL on the server', retryable: false };
    const to = settings.to;
    const from = setting(settings, 'from') || ctx.smtp.from || 'Pakyas <pakyas@localhost>';
    const tail = outputTail(m);
    const html = `<div style="font-family:sans-serif">
<h2 style="border-left:6px solid ${colourOf(m)};padding-left:8px">${esc(title(m))}</h2>
<p>${esc(m.reason)}</p>
<table>${evidenceLines(m).map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
${tail ? `<pre style="background:#f4f4f4;padding:8px">${esc(tail)}</pre>` : ''}
</div>`;
    const transport = nodemailer.createTransport(url, { connectionTimeout: ctx.timeoutMs, greetingTimeout: ctx.timeoutMs, socketTimeout: ctx.timeoutMs } as never);
    try {
      await transport.sendMail({
        from, to: Array.isArray(to) ? to : [String(to)], subject: `[Pakyas] ${title(m)}`, text: plainText(m), html,
        headers: { 'X-Pakyas-Event-Id': m.id }, messageId: `<${m.id}@pakyas>`,
      });
      return { ok: true };
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string };
      // 5xx from the SMTP server is permanent (bad recipient, refused); anything else may pass.
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
      return { ok: false, error: e.responseCode ? `SMTP ${e.responseCode}` : e.code ?? e.message, retryable: !permanent };
    } finally {
      transport.close();
    }
  },
};
