import { Box, Text } from 'ink';
import { HistoryStrip } from './HistoryStrip.js';
import { columns, deadlineText, durationText, fit, lastRunText } from './model.js';
import type { JobView } from '../client.js';
import { StateBadge } from './StateBadge.js';

export interface JobTableProps {
  jobs: JobView[];
  selected: number;
  width: number;
  /** Rows available for jobs (the header row not counted). */
  height: number;
  now: number;
  colour: boolean;
  /** What to say when no row is shown: connecting, no jobs at all, or none matching the filter. */
  empty?: string;
}

/** The jobs, one row each, scrolled so that the selected row is always in view. */
export function JobTable({ jobs, selected, width, height, now, colour, empty }: JobTableProps) {
  const cols = columns(width, jobs, now);
  const rows = Math.max(1, height);
  const first = Math.min(Math.max(0, selected - rows + 1), Math.max(0, jobs.length - rows), Math.max(0, selected - Math.floor(rows / 2)));
  const start = Math.max(0, Math.min(first, selected));
  const visible = jobs.slice(start, start + rows);
  return (
    <Box flexDirection="column">
      <Text bold>{cols.map((c) => fit(c.title, c.width)).join(' ')}</Text>
      {jobs.length === 0 ? <Text dimColor>{empty ?? 'No jobs match. Press / to change the filter, or apply a pakyas.yaml.'}</Text> : null}
      {visible.map((j, i) => {
        const isSelected = start + i === selected;
        const cells = cols.map((c) => {
          switch (c.key) {
            case 'state': return <StateBadge key={c.key} state={j.state} width={c.width} colour={colour} />;
            case 'history': return <HistoryStrip key={c.key} history={j.history} width={c.width} colour={colour} />;
            case 'job': return <Text key={c.key} bold={isSelected}>{fit(`${isSelected ? '›' : ' '}${j.job}`, c.width)}</Text>;
            case 'project': return <Text key={c.key}>{fit(j.project, c.width)}</Text>;
            case 'tags': return <Text key={c.key} dimColor>{fit(j.tags.join(','), c.width)}</Text>;
            case 'last': return <Text key={c.key}>{fit(lastRunText(j, now), c.width)}</Text>;
            case 'took': return <Text key={c.key}>{fit(durationText(j, now), c.width)}</Text>;
            case 'deadline': return <Text key={c.key}>{fit(deadlineText(j, now), c.width)}</Text>;
          }
        });
        return (
          <Box key={`${j.project}/${j.job}`} gap={1}>
            {cells}
          </Box>
        );
      })}
    </Box>
  );
}
