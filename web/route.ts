// The page's address is its state: the list's filters and the job on show live in the URL, so a
// filtered view or a job is a link to paste. History API only; no router library.
import { useEffect, useState } from 'react';
import { STATUSES, type Status } from '../schema/vocabulary.js';
import { parseJobPath } from '../server/core/links.js';
import type { Filters } from '../cli/dashboard/model.js';

export type Route = { page: 'list'; filters: Filters } | { page: 'job'; project: string; job: string };

export function parseRoute(pathname: string, search: string): Route | null {
  const job = parseJobPath(pathname);
  if (job) return { page: 'job', ...job };
  if (pathname !== '/') return null;
  const q = new URLSearchParams(search);
  const state = q.get('state');
  return {
    page: 'list',
    filters: { text: q.get('q') ?? '', state: STATUSES.includes(state as Status) ? state as Status : null, tag: q.get('tag') || null },
  };
}

/** "/?state=failed&tag=db&q=backup": only what is set, in a fixed order. */
export function listHref(f: Filters): string {
  const q = new URLSearchParams();
  if (f.text) q.set('q', f.text);
  if (f.state) q.set('state', f.state);
  if (f.tag) q.set('tag', f.tag);
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

const listeners = new Set<() => void>();

/** Goes to `href` in this page; `replace` for changes that are not a step back (typing a filter). */
export function navigate(href: string, replace = false): void {
  if (href === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  for (const l of listeners) l();
  if (!replace) window.scrollTo(0, 0);
}

export function useLocation(): { pathname: string; search: string } {
  const read = () => ({ pathname: location.pathname, search: location.search });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => { listeners.delete(update); window.removeEventListener('popstate', update); };
  }, []);
  return loc;
}

/** A link that moves within the page; a modified click (new tab) is left to the browser. */
export function onLinkClick(href: string) {
  return (e: { button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; altKey: boolean; preventDefault(): void }) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
}
