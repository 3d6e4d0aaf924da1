// A job's page: its state and why in one sentence, its schedule and next runs, its settings and
// config revision, two pictures of its history, and its timeline. Live: a change to the job
// reloads what it shows.
import { useCallback, useEffect, useRef, useState, type MouseEvent } from 'react';
import { formatElapsed, formatLocal } from '../server/core/format.js';
import { stateLabel } from '../cli/output/states.js';
import { api, errorText, isUnauthorized, type Entry, type History, type JobPageData } from './api.js';
import { DurationChart, OutcomeStrip } from './charts.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { watchChanges, type Link } from './live.js';
import { LinkState } from './JobList.js';
import { StateBadge, ZonedTime } from './parts.js';
import { Timeline } from './Timeline.js';

export function JobPage({ project, job, now, backHref, onBack, onSignedOut }: {
  project: string; job: string; now: number; backHref: string; onBack: (e: MouseEvent) => void; onSignedOut: () => void;
}) {
  const [data, setData] = useState<JobPageData | null>(null);
  const [history, setHistory] = useState<History | null>(null);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<Link>('connecting');
  const [confirm, setConfirm] = useState<'pause' | 'resume' | null>(null);
  const older = useRef<Entry[]>([]);
  const heading = useRef<HTMLHeadingElement>(null);

  const fail = useCallback((err: unknown) => (isUnauthorized(err) ? onSignedOut() : setError(errorText(err))), [onSignedOut]);
  const reload = useCallback(async () => {
    try {
      const [d, h, t] = await Promise.all([api.web.job.query({ project, job }), api.web.history.query({ project, job }), api.web.timeline.query({ project, job })]);
      setData(d);
      setHistory(h);
      // The newest page is read again; pages already opened below it stay.
      const seen = new Set(t.entries.map((e) => e.id));
      setEntries([...t.entries, ...older.current.filter((e) => !seen.has(e.id))]);
      if (older.current.length === 0) setNextBefore(t.nextBefore);
      setError(null);
    } catch (err) {
      fail(err);
    }
  }, [project, job, fail]);

  useEffect(() => {
    older.current = [];
    setData(null); setHistory(null); setEntries(null);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = watchChanges((changed) => {
      if (changed && !changed.some((c) => c.project === project && (c.job === job || c.job === '*'))) return;
      timer ??= setTimeout(() => { timer = null; void reload(); }, 250);
    }, (l, err) => { setLink(l); if (err !== undefined && isUnauthorized(err)) onSignedOut(); });
    return () => { stop(); if (timer) clearTimeout(timer); };
  }, [project, job, reload, onSignedOut]);

  useEffect(() => {
    document.title = `${data ? `${stateLabel(data.state)} · ` : ''}${project}/${job} · Pakyas`;
  }, [data, project, job]);
  useEffect(() => { heading.current?.focus(); }, [project, job]);

  const more = async () => {
    if (nextBefore === null) return;
    setLoadingMore(true);
    try {
      const page = await api.web.timeline.query({ project, job, before: nextBefore });
      older.current = [...older.current, ...page.entries];
      setEntries((cur) => [...(cur ?? []), ...page.entries]);
      setNextBefore(page.nextBefore);
    } catch (err) {
      fail(err);
    } finally {
      setLoadingMore(false);
    }
  };

  const act = async (what: 'pause' | 'resume', reason: string) => {
    setConfirm(null);
    try {
      const input = { project, job, ...(reason ? { reason } : { reason: `${what === 'pause' ? 'paused' : 'resumed'} from the web view` }) };
      await (what === 'pause' ? api.jobs.pause.mutate(input) : api.jobs.resume.mutate(input));
      await reload();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <main id="main" className="job-page">
      <p><a href={backHref} onClick={onBack}>← All jobs</a></p>
      <div className="job-head">
        <h1 ref={heading} tabIndex={-1}><span className="project">{project} /</span> {job}</h1>
        {data ? <StateBadge state={data.state} health={data.health} /> : null}
        <LinkState link={link} />
      </div>
      {error ? <p className="error" role="alert">{error}</p> : null}
      {data ? <p className="sentence">{sentence(data, now)}</p> : <p className="sentence muted">Loading…</p>}
      {data?.mayWrite ? (
        <p className="actions">
          {data.state === 'paused'
            ? <button type="button" onClick={() => setConfirm('resume')}>Resume…</button>
            : <button type="button" onClick={() => setConfirm('pause')}>Pause…</button>}
        </p>
      ) : null}
      {confirm ? (
        <ConfirmDialog
          title={confirm === 'pause' ? `Pause ${project}/${job}?` : `Resume ${project}/${job}?`}
          body={confirm === 'pause' ? 'Its signals are recorded but not judged, and nothing alerts until it is resumed.' : 'It is judged again from its next scheduled run.'}
          confirmLabel={confirm === 'pause' ? 'Pause' : 'Resume'}
          onConfirm={(reason) => void act(confirm, reason)}
          onCancel={() => setConfirm(null)}
        />
      ) : null}
      {data ? <Details data={data} now={now} /> : <div className="details placeholder" />}
      <section aria-labelledby="history-heading" className="history">
        <h2 id="history-heading">History</h2>
        <DurationChart history={history} />
        <OutcomeStrip days={history?.days ?? null} />
      </section>
      <Timeline entries={entries} zone={data?.timezone ?? 'UTC'} more={nextBefore !== null} loading={loadingMore} onMore={() => void more()} />
    </main>
  );
}

/** The state and why, in one sentence. */
export function sentence(d: JobPageData, now: number): string {
  const ago = (iso: string) => formatElapsed(Math.max(0, now - Date.parse(iso)));
  const label = stateLabel(d.state);
  switch (d.state) {
    case 'paused':
      return `${label}: ${d.reasons.pause?.message ?? 'paused'}.`;
    case 'pending':
      return `${label}: ${d.reasons.check?.message ?? 'waiting for its first signal'}.`;
    case 'running': {
      const run = d.running[0];
      const started = run ? `a run started ${ago(run.startedAt)} ago${run.host ? ` on ${run.host}` : ''}` : 'a run is under way';
      return `${label}: ${started}${d.health ? `; before it, ${stateLabel(d.health)}: ${lowerFirst(d.reasons.transition?.message ?? '')}` : ''}.`.replace(/: \.$/, '.');
    }
    default: {
      // A transition's reason names its state already ("Failed (was On Schedule): exit code 3").
      const why = d.reasons.transition?.message ?? 'no reason recorded';
      return why.startsWith(label) ? `${why}.` : `${label}: ${why}.`;
    }
  }
}

const lowerFirst = (s: string) => (s ? s[0]!.toLowerCase() + s.slice(1) : s);

function Details({ data: d, now }: { data: JobPageData; now: number }) {
  const commit = (r: { number: number; commit: string | null; ref: string | null; author: string | null } | null) => r
    ? `revision ${r.number}${r.commit ? `, commit ${r.commit.slice(0, 12)}` : ''}${r.ref ? ` on ${r.ref}` : ''}${r.author ? ` by ${r.author}` : ''}`
    : 'none';
  const badge = `${location.origin}/badge/${d.badgeKey}/${d.job}.svg`;
  const utc = d.timezone === 'UTC';
  return (
    <div className="details">
      <section aria-labelledby="schedule-heading">
        <h2 id="schedule-heading">Schedule</h2>
        <dl>
          <dt>Schedule</dt><dd><code>{d.schedule}</code>{d.schedule.startsWith('every') ? '' : ` in ${d.timezone}`}</dd>
          <dt>Zone</dt><dd>{d.timezone}</dd>
          <dt>Grace</dt><dd>{d.grace}</dd>
          <dt>Max duration</dt><dd>{d.maxDuration}</dd>
          <dt>Tags</dt><dd>{d.tags.length ? d.tags.join(', ') : 'none'}</dd>
          {d.description ? <><dt>Description</dt><dd>{d.description}</dd></> : null}
          <dt>Last run</dt><dd>{d.lastRun ? <>{d.lastRun.startedAt ? <ZonedTime iso={d.lastRun.startedAt} zone={d.timezone} now={now} /> : 'finished '}{d.lastRun.startedAt ? ' – ' : ''}<ZonedTime iso={d.lastRun.finishedAt} zone={d.timezone} now={now} />{d.lastRun.exitCode !== null ? `, exit ${d.lastRun.exitCode}` : ''}{d.lastRun.durationMs !== null ? `, ${formatElapsed(d.lastRun.durationMs)}` : ''}</> : 'never'}</dd>
          <dt>Config</dt><dd>{commit(d.revision)}{d.changedIn && d.changedIn.number !== d.revision?.number ? `; this job last changed in ${commit(d.changedIn)}` : ''}</dd>
          <dt>Badge</dt><dd><code className="badge-code">![{d.job}]({badge})</code></dd>
        </dl>
      </section>
      <section aria-labelledby="next-heading">
        <h2 id="next-heading">Next runs</h2>
        {d.nextRuns.length === 0 ? <p className="muted">None while paused.</p> : (
          <table className="next">
            <thead><tr><th scope="col">Due ({d.timezone})</th><th scope="col">Window</th>{utc ? null : <><th scope="col">Due (UTC)</th><th scope="col">Deadline (UTC)</th></>}</tr></thead>
            <tbody>
              {d.nextRuns.map((r) => (
                <tr key={r.due}>
                  <td>{formatLocal(new Date(r.due), d.timezone)}</td>
                  <td>{formatLocal(new Date(r.windowStart), d.timezone).slice(11)} – {formatLocal(new Date(r.deadline), d.timezone).slice(11)}</td>
                  {utc ? null : <><td>{formatLocal(new Date(r.due), 'UTC')}</td><td>{formatLocal(new Date(r.deadline), 'UTC')}</td></>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
