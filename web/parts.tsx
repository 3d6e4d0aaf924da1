// Small pieces every page uses: a state in words, symbol and colour; a time in the job's zone with
// UTC on hover. All text goes in as text: nothing a job sends is ever read as HTML or a link.
import type { ReactNode } from 'react';
import { formatLocal } from '../server/core/format.js';
import { STATE_SYMBOL } from '../server/core/looks.js';
import { stateLabel } from '../cli/output/states.js';
import type { Status } from '../schema/vocabulary.js';

export function StateBadge({ state, health }: { state: Status; health?: Status | null }) {
  return (
    <span className={`state state-${state}`}>
      <span className="symbol" aria-hidden="true">{STATE_SYMBOL[state as keyof typeof STATE_SYMBOL] ?? '·'}</span>
      {stateLabel(state)}
      {state === 'running' && health ? <span className="was"> (was {stateLabel(health)})</span> : null}
    </span>
  );
}

/** "03:05 CET" today, "2026-03-08 03:05 CET" on another day; the UTC time on hover. */
export function ZonedTime({ iso, zone, now }: { iso: string; zone: string; now: number }) {
  const date = new Date(iso);
  const local = formatLocal(date, zone);
  const today = formatLocal(new Date(now), zone).slice(0, 10);
  return <time dateTime={iso} title={formatLocal(date, 'UTC')}>{local.startsWith(today) ? local.slice(11) : local}</time>;
}

/** A visually hidden text for screen readers. */
export function Hidden({ children }: { children: ReactNode }) {
  return <span className="visually-hidden">{children}</span>;
}
