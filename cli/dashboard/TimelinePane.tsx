import { Box, Text } from 'ink';
import { STATUS_COLOUR } from '../../schema/vocabulary.js';
import { stateLabel } from '../output/states.js';
import { lastLines, neutralise } from '../output/terminal-text.js';
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
/** Lines of output under the newest run in view; older runs show their last line. */
export const FOCUS_OUTPUT_LINES = 10;

/** The output worth showing under an entry: none for a one-line log signal, whose text is its message. */
function outputOf(e: TimelineEntry): string | null {
  if (!e.output || e.output.trim() === '') return null;
  return e.kind === 'log' && !e.output.trim().includes('\n') ? null : e.output;
}

/**
 * Why the job is in its state: every entry, oldest first, the newest at the bottom; long reasons
 * wrap. Under the newest run in view, the end of what it printed (scrolling up brings an older
 * run's output into focus); under older runs, their last line. A job's output is shown, never
 * obeyed: control characters appear as symbols.
 */
export function TimelinePane({ job, entries, scroll, width, height, colour }: TimelinePaneProps) {
  const title = `${job.project}/${job.job}  ${stateLabel(job.state)}${job.health && job.health !== job.state ? ` (health ${stateLabel(job.health)})` : ''}  ${job.schedule}${job.schedule.startsWith('every') ? '' : ` ${job.timezone}`}, grace ${job.grace}  · times UTC`;
  // The last line names the job's UUID, for its Healthchecks-style URL, when the pane has room.
  const uuidLine = job.uuid && height >= 6 ? `Healthchecks-style URL: /ping/${job.uuid}` : null;
  const rows = Math.max(1, height - 1 - (uuidLine ? 1 : 0));
  const ordered = [...(entries ?? [])].reverse();
  const end = Math.max(0, ordered.length - scroll);
  const prefix = 26; // "MM-DD hh:mm:ss kind______ "
  const room = Math.max(20, width - prefix);
  let focus = -1;
  for (let i = end - 1; i >= 0 && focus < 0; i--) if (outputOf(ordered[i]!)) focus = i;
  const outputLines = (i: number): string[] => {
    const out = outputOf(ordered[i]!);
    if (!out) return [];
    const { lines, earlier } = lastLines(out, i === focus ? FOCUS_OUTPUT_LINES : 1);
    const shown = lines.map((l) => `│ ${neutralise(l, { tabSpaces: 2 })}`);
    return i === focus && earlier > 0 ? [`│ … ${earlier} earlier line${earlier === 1 ? '' : 's'} (timeline --output)`, ...shown] : shown;
  };
  // Take entries from the newest back while their wrapped lines, and output, still fit.
  const shown: Array<{ e: TimelineEntry; message: string; output: string[] }> = [];
  let used = 0;
  for (let i = end - 1; i >= 0; i--) {
    const message = neutralise(ordered[i]!.message, { singleLine: true, tabSpaces: 2 });
    let output = outputLines(i);
    const lines = Math.max(1, Math.ceil(message.length / room));
    if (used + lines + output.length > rows && shown.length > 0) break;
    // The newest entry always shows, its output cut to what fits.
    if (used + lines + output.length > rows) output = output.slice(-(Math.max(0, rows - used - lines)));
    shown.unshift({ e: ordered[i]!, message, output });
    used += lines + output.length;
  }
  return (
    <Box flexDirection="column">
      <Text bold>{colour ? <Text color={STATUS_COLOUR[job.state]}>{fit(title, width)}</Text> : fit(title, width)}</Text>
      {entries === null ? <Text dimColor>Loading the timeline…</Text> : null}
      {entries !== null && entries.length === 0 ? <Text dimColor>No entries yet.</Text> : null}
      {shown.map(({ e, message, output }) => {
        const when = e.at.slice(5, 19).replace('T', ' ');
        const kind = e.kind.padEnd(10);
        return (
          <Box key={e.id} flexDirection="column">
            <Box>
              <Box width={prefix} flexShrink={0}>
                <Text><Text dimColor>{when}</Text>{' '}{colour ? <Text color={KIND_COLOUR[e.kind] ?? 'white'}>{kind}</Text> : kind}</Text>
              </Box>
              <Box width={room}>
                <Text wrap="wrap">{message}</Text>
              </Box>
            </Box>
            {output.map((line, n) => (
              <Box key={n} paddingLeft={prefix} width={width}>
                <Text dimColor wrap="truncate-end">{line}</Text>
              </Box>
            ))}
          </Box>
        );
      })}
      {uuidLine ? <Text dimColor>{fit(uuidLine, width)}</Text> : null}
    </Box>
  );
}
