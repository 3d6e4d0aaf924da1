// Email over SMTP (nodemailer): plain text and HTML, to the channel's recipients.
//
// The transport is built from parsed fields only (schema/channels.ts), never from the URL string:
// nodemailer reads options from a URL's query string, `sendmail` and `path` among them. A channel
// with its own smtp_url is a target the project chose, so its server must have a public address
// (guard.ts); the operator's PAKYAS_SMTP_URL is trusted, but sends only as PAKYAS_SMTP_FROM and,
// with PAKYAS_SMTP_ALLOWED_DOMAINS, only to those domains: otherwise any project could use the
// operator's account as an open relay.
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { parseSmtpUrl, type SmtpServer } from '../../schema/channels.js';
import { resolvePublic } from './guard.js';
import { failure, setting } from './http.js';
import { colourOf, evidenceLines, outputTail, plainText, title, type Notifier, type SendContext, type SendResult } from './message.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const DEFAULT_FROM = 'Pakyas <pakyas@localhost>';
const MAX_RECIPIENTS = 50;

type Refusal = { ok: false; error: string; retryable: false };
const refuse = (error: string): Refusal => ({ ok: false, error, retryable: false });

/** The SMTP server, sender and whether the server's address must be public; or why not. */
function account(settings: Record<string, string | string[]>, ctx: SendContext): { server: SmtpServer; from: string; own: boolean } | Refusal {
  const own = setting(settings, 'smtp_url');
  const from = setting(settings, 'from');
  if (own) {
    const parsed = parseSmtpUrl(own);
    if (!parsed.ok) return refuse(`the channel's smtp_url ${parsed.message}`);
    return { server: parsed.value, from: from || ctx.smtp.from || DEFAULT_FROM, own: true };
  }
  if (from) return refuse("the channel sets from but no smtp_url: the server's SMTP account sends only as PAKYAS_SMTP_FROM; give the channel its own smtp_url, or drop from");
  if (!ctx.smtp.url) return refuse('no SMTP server: set smtp_url on the channel or PAKYAS_SMTP_URL on the server');
  const parsed = parseSmtpUrl(ctx.smtp.url);
  if (!parsed.ok) return refuse(`the server's PAKYAS_SMTP_URL ${parsed.message}`);
  return { server: parsed.value, from: ctx.smtp.from || DEFAULT_FROM, own: false };
}

/** Bare addresses from the channel's `to`, each entry parsed (one entry may hold several: "a@x, b@y"). */
function recipients(to: string | string[] | undefined, allowedDomains: readonly string[] | undefined): string[] | Refusal {
  const entries = to === undefined ? [] : Array.isArray(to) ? to : [to];
  const out: string[] = [];
  for (const entry of entries) {
    for (const { address } of addressparser(entry, { flatten: true })) {
      const at = address.lastIndexOf('@');
      if (at <= 0 || at === address.length - 1) return refuse(`a recipient is not an email address: ${JSON.stringify(address.slice(0, 80))}`);
      out.push(address);
    }
  }
  if (out.length === 0) return refuse('the channel has no recipients');
  if (out.length > MAX_RECIPIENTS) return refuse(`the channel has ${out.length} recipients; at most ${MAX_RECIPIENTS}`);
  if (allowedDomains && allowedDomains.length > 0) {
    for (const address of out) {
      const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      if (!allowedDomains.some((d) => domain === d || domain.endsWith(`.${d}`))) {
        return refuse(`recipient domain ${domain} is not allowed on this server's SMTP account (PAKYAS_SMTP_ALLOWED_DOMAINS: ${allowedDomains.join(', ')})`);
      }
    }
  }
  return out;
}

export const email: Notifier = {
  async send(settings, m, ctx) {
    const acct = account(settings, ctx);
    if ('ok' in acct) return acct;
    // The operator's domain list guards the operator's account; a channel's own server is its own business.
    const to = recipients(settings.to, acct.own ? undefined : ctx.smtp.allowedDomains);
    if (!Array.isArray(to)) return to;
    let host = acct.server.host;
    if (acct.own && !ctx.allowPrivate) {
      // Connect to the checked address itself; TLS still verifies the certificate against the name.
      try { host = await resolvePublic(acct.server.host); } catch (err) { return failure(err, ctx.timeoutMs); }
    }
    const tail = outputTail(m);
    const html = `<div style="font-family:sans-serif">
<h2 style="border-left:6px solid ${colourOf(m)};padding-left:8px">${esc(title(m))}</h2>
<p>${esc(m.reason)}</p>
<table>${evidenceLines(m).map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
${tail ? `<pre style="background:#f4f4f4;padding:8px">${esc(tail)}</pre>` : ''}
${m.url ? `<p><a href="${esc(m.url)}">Open the job page</a></p>` : ''}
</div>`;
    // Timeouts are transport options (as message defaults they were ignored and a silent server held
    // an attempt past its lease).
    const transport = nodemailer.createTransport({
      host, port: acct.server.port, secure: acct.server.secure,
      ...(acct.server.auth ? { auth: acct.server.auth } : {}),
      ...(isIP(acct.server.host) ? {} : { tls: { servername: acct.server.host } }),
      connectionTimeout: ctx.timeoutMs, greetingTimeout: ctx.timeoutMs, socketTimeout: ctx.timeoutMs, dnsTimeout: ctx.timeoutMs,
    });
    const abort = () => transport.close();
    ctx.signal.addEventListener('abort', abort, { once: true });
    try {
      await transport.sendMail({
        from: acct.from, to, subject: `[Pakyas] ${title(m)}`, text: plainText(m), html,
        headers: { 'X-Pakyas-Event-Id': m.id }, messageId: `<${m.id}@pakyas>`,
      });
      return { ok: true };
    } catch (err) {
      return smtpFailure(err, ctx.timeoutMs);
    } finally {
      ctx.signal.removeEventListener('abort', abort);
      transport.close();
    }
  },
};

function smtpFailure(err: unknown, timeoutMs: number): SendResult {
  const e = err as { responseCode?: number; code?: string; originalCode?: string };
  // 5xx from the SMTP server is permanent (bad recipient, refused); anything else may pass.
  if (typeof e.responseCode === 'number') return { ok: false, error: `SMTP ${e.responseCode}`, retryable: e.responseCode < 500 };
  if (e.code === 'ETIMEDOUT' || e.code === 'ETIMEOUT') return { ok: false, error: `timeout: no answer within ${timeoutMs / 1000}s`, retryable: true };
  if (e.code === 'EAUTH') return { ok: false, error: 'SMTP authentication failed', retryable: false };
  if (e.code === 'ETLS') return { ok: false, error: 'TLS: the SMTP server refused or failed the TLS handshake', retryable: true };
  // nodemailer files socket errors under its own codes and keeps the system's (ECONNREFUSED…) aside.
  return failure({ code: e.originalCode ?? e.code }, timeoutMs);
}
