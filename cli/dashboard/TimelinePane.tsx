import { Box, Text } from 'ink';
import { STATUS_COLOUR } from '../../schema/vocabulary.js';
import { stateLabel } from '../output/states.js';
import { fit } from './model.js';
import type { JobView, TimelineEntry } from '../client.js';

export interface TimelinePaneProps {
  job: JobView;
  entries: TimelineEntry[] | null;
  /** How many entries from the newest end are scrolled past. */
  scroll: number;
  width: number;
  height: number;
  colour: boolean;
}

const KIND_COLOUR: Record<string, string> = { transition: 'white', missed: 'red', alert: 'magenta', config: 'blue', pause: 'gray', signal: 'cyan', check: 'gray', log: 'gray' };

/** Why the job is in its state: every entry, oldest first, the newest at the bottom; long reasons wrap. */
export function TimelinePane({ job, entries, scroll, width, height, colour }: TimelinePaneProps) {
  const title = `${job.project}/${job.job}  ${stateLabel(job.state)}${job.health && job.health !== job.state ? ` (health ${stateLabel(job.health)})` : ''}  ${job.schedule}${job.schedule.startsWith('every') ? '' : ` ${job.timezone}`}, grace ${job.grace}`;
  // The last line names the job's UUID, for its Healthchecks-style URL, when the pane has room.
  const uuidLine = job.uuid && height >= 6 ? `Healthchecks-style URL: /ping/${job.uuid}` : null;
  const rows = Math.max(1, height - 1 - (uuidLine ? 1 : 0));
  const ordered = [...(entries ?? [])].reverse();
  const end = Math.max(0, ordered.length - scroll);
  const prefix = 26; // "MM-DD hh:mm:ss kind______ "
  const room = Math.max(20, width - prefix);
  // Take entries from the newest back while their wrapped lines still fit.
  const shown: TimelineEntry[] = [];
  let used = 0;
  for (let i = end - 1; i >= 0; i--) {
    const lines = Math.max(1, Math.ceil(ordered[i]!.message.length / room));
    if (used + lines > rows && shown.length > 0) break;
    shown.unshift(ordered[i]!);
    used += lines;
  }
  return (
    <Box flexDirection="column">
      <Text bold>{colour ? <Text color={STATUS_COLOUR[job.state]}>{fit(title, width)}</Text> : fit(title, width)}</Text>
      {entries === null ? <Text dimColor>Loading the timeline…</Text> : null}
      {entries !== null && entries.length === 0 ? <Text dimColor>No entries yet.</Text> : null}
      {shown.map((e) => {
        const when = e.at.slice(5, 19).replace('T', ' ');
        const kind = e.kind.padEnd(10);
        return (
          <Box key={e.id}>
            <Box width={prefix} flexShrink={0}>
              <Text><Text dimColor>{when}</Text>{' '}{colour ? <Text color={KIND_COLOUR[e.kind] ?? 'white'}>{kind}</Text> : kind}</Text>
            </Box>
            <Box width={room}>
              <Text wrap="wrap">{e.message}</Text>
            </Box>
          </Box>
        );
      })}
      {uuidLine ? <Text dimColor>{fit(uuidLine, width)}</Text> : null}
    </Box>
  );
}
