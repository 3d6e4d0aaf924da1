// The job list: every job the session can read, worst first, live. The filters are the URL's.
import { memo, useDeferredValue, useEffect, useMemo } from 'react';
import { applyFilters, counts, lastRunText, sortWorstFirst, type Filters } from '../cli/dashboard/model.js';
import { relative, stateLabel } from '../cli/output/states.js';
import { jobPath } from '../server/core/links.js';
import { STATUSES, type Status } from '../schema/vocabulary.js';
import type { Job } from './api.js';
import type { Link } from './live.js';
import { StateBadge, ZonedTime } from './parts.js';
import { listHref, navigate, onLinkClick } from './route.js';

export function JobList({ jobs, link, error, filters, now }: { jobs: Job[] | null; link: Link; error: string | null; filters: Filters; now: number }) {
  // Typing in the filter box stays quick with thousands of rows: the list follows a moment later.
  const deferred = useDeferredValue(filters);
  const sorted = useMemo(() => (jobs ? sortWorstFirst(jobs) : []), [jobs]);
  const shown = useMemo(() => applyFilters(sorted, deferred), [sorted, deferred]);
  // A tbody per state: a job whose state changes leaves one and joins another, instead of React
  // moving every row between its old and new place (thousands of moves under load).
  const groups = useMemo(() => {
    const out: Array<{ key: string; jobs: Job[] }> = [];
    for (const j of shown) {
      const key = j.state === 'running' && j.health ? `running-${j.health}` : j.state;
      if (out.at(-1)?.key !== key) out.push({ key, jobs: [] });
      out.at(-1)!.jobs.push(j);
    }
    return out;
  }, [shown]);
  const tags = useMemo(() => [...new Set(sorted.flatMap((j) => j.tags))].sort(), [sorted]);
  const set = (f: Partial<Filters>, replace = false) => navigate(listHref({ ...filters, ...f }), replace);
  const filtered = filters.text !== '' || filters.state !== null || filters.tag !== null;
  // For bench/web.mjs: when a loaded list has been rendered (committed to the page).
  useEffect(() => { if (jobs) performance.mark('pakyas:jobs-rendered', { detail: shown.length }); }, [jobs, shown]);

  return (
    <main id="main" className="list-page">
      <div className="summary">
        <h1>Jobs</h1>
        <p className="counts">{jobs ? counts(jobs).map(([s, n]) => `${n} ${stateLabel(s)}`).join(' · ') || 'No jobs yet: apply a pakyas.yaml' : 'Loading…'}</p>
        <LinkState link={link} />
      </div>
      {error ? <p className="error" role="alert">{error}</p> : null}
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>Filter</span>
          <input type="search" value={filters.text} placeholder="name, project, tag or description" autoComplete="off"
            onChange={(e) => set({ text: e.target.value }, true)} />
        </label>
        <label>
          <span>State</span>
          <select value={filters.state ?? ''} onChange={(e) => set({ state: (e.target.value || null) as Status | null })}>
            <option value="">every state</option>
            {STATUSES.map((s) => <option key={s} value={s}>{stateLabel(s)}</option>)}
          </select>
        </label>
        <label>
          <span>Tag</span>
          <select value={filters.tag ?? ''} onChange={(e) => set({ tag: e.target.value || null })}>
            <option value="">every tag</option>
            {/* A tag from a pasted link that no job has (yet) stays selectable, so the select says what is filtered. */}
            {(filters.tag && !tags.includes(filters.tag) ? [filters.tag, ...tags] : tags).map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        {filtered ? <a className="clear" href="/" onClick={onLinkClick('/')}>Clear filters</a> : null}
      </form>
      <p className="visually-hidden" role="status">{jobs ? `${shown.length} of ${jobs.length} jobs shown` : ''}</p>
      {jobs && shown.length === 0 ? <p className="empty">No job matches{filters.state ? ` ${stateLabel(filters.state)}` : ''}{filters.tag ? ` tagged ${filters.tag}` : ''}{filters.text ? ` “${filters.text}”` : ''}.</p> : null}
      {shown.length > 0 ? (
        <table className="jobs" role="table" aria-label="Jobs, worst first">
          <thead role="rowgroup">
            <tr role="row">{['State', 'Job', 'Last run', 'Next deadline', 'Tags'].map((h) => <th key={h} scope="col" role="columnheader">{h}</th>)}</tr>
          </thead>
          {groups.map((g) => (
            <tbody key={g.key} role="rowgroup">
              {g.jobs.map((j) => <JobRow key={`${j.project}/${j.job}`} job={j} now={now} />)}
            </tbody>
          ))}
        </table>
      ) : null}
    </main>
  );
}

export function LinkState({ link }: { link: Link }) {
  const text = link === 'live' ? 'live' : link === 'connecting' ? 'connecting…' : 'connection lost: reconnecting…';
  return <p className={`link link-${link}`} role="status"><span aria-hidden="true">{link === 'live' ? '●' : '○'}</span> {text}</p>;
}

/** One row; it renders again only when its job or the clock changes. */
const JobRow = memo(function JobRow({ job: j, now }: { job: Job; now: number }) {
  const href = jobPath(j.project, j.job);
  return (
    <tr role="row" data-job={`${j.project}/${j.job}`}>
      <td role="cell" data-label="State"><StateBadge state={j.state} health={j.health} /></td>
      <td role="cell" data-label="Job">
        <span><a href={href} onClick={onLinkClick(href)}>{j.job}</a><span className="project">{j.project}</span></span>
      </td>
      <td role="cell" data-label="Last run">{lastRunText(j, now)}</td>
      <td role="cell" data-label="Next deadline">
        {j.deadline ? <span><ZonedTime iso={j.deadline} zone={j.timezone} now={now} /> <span className="rel">{relative(j.deadline, now)}</span></span> : '—'}
      </td>
      <td role="cell" data-label="Tags" className="tags">{j.tags.length ? j.tags.join(' ') : ''}</td>
    </tr>
  );
});

