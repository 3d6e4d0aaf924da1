import { Box, Text } from 'ink';
import { STATUS_COLOUR } from '../../schema/vocabulary.js';
import { stateLabel } from '../output/states.js';
import { counts } from './model.js';
import type { JobView } from '../client.js';
import type { Link } from './source.js';

export interface HeaderProps { jobs: JobView[]; link: Link; server: string; filter: string | null; colour: boolean; width: number }

/** One line: how many jobs in which state, the live connection, and the active filter. */
export function Header({ jobs, link, server, filter, colour, width }: HeaderProps) {
  const linkText = link === 'live' ? '● live' : link === 'connecting' ? '… connecting' : '○ offline, retrying';
  const summary = counts(jobs).map(([s, n]) => ({ s, text: `${n} ${stateLabel(s)}` }));
  return (
    <Box width={width} justifyContent="space-between">
      <Text wrap="truncate-end">
        <Text bold>Pakyas</Text>
        {' '}
        {summary.length === 0 ? <Text dimColor>no jobs</Text> : summary.map(({ s, text }, i) => (
          <Text key={s}>{i > 0 ? ' · ' : ''}{colour ? <Text color={STATUS_COLOUR[s]}>{text}</Text> : text}</Text>
        ))}
        {filter ? <Text dimColor>{`  [${filter}]`}</Text> : null}
      </Text>
      <Text wrap="truncate-end">{' '}{colour ? <Text color={link === 'live' ? 'green' : 'yellow'}>{linkText}</Text> : linkText}<Text dimColor>{width >= 100 ? ` ${server}` : ''}</Text></Text>
    </Box>
  );
}
