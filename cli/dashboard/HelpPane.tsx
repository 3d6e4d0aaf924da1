import { Box, Text } from 'ink';

const KEYS: Array<[string, string]> = [
  ['↑ ↓  j k', 'move between jobs (or scroll a timeline)'],
  ['Enter', 'open the job\'s timeline: every transition and its reason'],
  ['Esc', 'back to the table; in a filter, clear it'],
  ['/', 'filter by text (name, project, tag, description)'],
  ['s', 'cycle the state filter: all, failed, missing, overrunning, late, …'],
  ['t', 'cycle the tag filter'],
  ['p / r', 'pause / resume the selected job (asks first)'],
  ['?', 'this help'],
  ['q', 'quit (from a timeline: back)'],
];

const LEGEND = '✓ on schedule  ~ late  ✗ failed  ? missing  ! overrunning';

export function HelpPane() {
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {KEYS.map(([k, v]) => <Text key={k}>{`  ${k.padEnd(10)}${v}`}</Text>)}
      <Text> </Text>
      <Text bold>History strip</Text>
      <Text>{`  ${LEGEND}`}</Text>
      <Text> </Text>
      <Text dimColor>The screen updates by itself as signals and deadlines arrive. Press any key to go back.</Text>
    </Box>
  );
}
