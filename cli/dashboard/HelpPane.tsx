import { Box, Text } from 'ink';

// Each line fits 80 columns: the help must be read whole in an 80×24 terminal.
const KEYS: Array<[string, string]> = [
  ['↑ ↓  j k', 'move (the cursor stays on its job as the order changes)'],
  ['g G', 'first / last job'],
  ['Enter', 'the job\'s timeline: transitions, reasons, what the run printed'],
  ['Esc', 'back to the table; in the table, clear the filter'],
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
      <Text>LAST RUN shows how long a running job has been going. Timeline times are UTC.</Text>
      <Text>A job's output is shown, never obeyed: control characters appear as ␛, ␇ …</Text>
      <Text> </Text>
      <Text dimColor>The screen updates by itself as signals arrive. Any key goes back.</Text>
    </Box>
  );
}
