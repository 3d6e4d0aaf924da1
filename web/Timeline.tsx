// A job's timeline, newest first, a page at a time, with each finished run's output tail. Output
// is shown as text in a <pre>: whatever a job prints, nothing in it runs or becomes a link.
import { formatLocal } from '../server/core/format.js';
import type { Entry } from './api.js';

const KIND_WORD: Record<string, string> = {
  signal: 'signal', transition: 'state', missed: 'missed', check: 'check', config: 'config', pause: 'pause', log: 'log', alert: 'alert',
};

export function Timeline({ entries, zone, more, loading, onMore }: { entries: Entry[] | null; zone: string; more: boolean; loading: boolean; onMore: () => void }) {
  return (
    <section aria-labelledby="timeline-heading" className="timeline">
      <h2 id="timeline-heading">Timeline</h2>
      {entries === null ? <p className="muted">Loading…</p> : entries.length === 0 ? <p className="muted">Nothing has happened yet.</p> : (
        <ol>
          {entries.map((e) => (
            <li key={e.id} className={`entry entry-${e.kind}`}>
              <time dateTime={e.at} title={formatLocal(new Date(e.at), 'UTC', { seconds: true })}>{formatLocal(new Date(e.at), zone, { seconds: true })}</time>
              <span className="kind">{KIND_WORD[e.kind] ?? e.kind}</span>
              <p className="message">{e.message}</p>
              {e.output ? (
                <details className="output">
                  <summary>Output (tail{e.outputCutBytes > 0 ? `; ${e.outputCutBytes.toLocaleString('en')} earlier bytes cut` : ''})</summary>
                  <pre tabIndex={0}>{e.output}</pre>
                </details>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {more ? <button type="button" onClick={onMore} disabled={loading}>{loading ? 'Loading…' : 'Older entries'}</button> : null}
    </section>
  );
}
