import { Text } from 'ink';
import { STATUS_COLOUR, type Health } from '../../schema/vocabulary.js';
import { OUTCOME_GLYPH } from '../output/states.js';

/** The newest outcomes, oldest on the left: ✓ on schedule, ~ late, ✗ failed, ? missing, ! overrunning. */
export function HistoryStrip({ history, width, colour }: { history: Array<{ outcome: Health }>; width: number; colour: boolean }) {
  const shown = history.slice(-width);
  const pad = ' '.repeat(Math.max(0, width - shown.length));
  return (
    <Text>
      {shown.map((h, i) => (colour
        ? <Text key={i} color={STATUS_COLOUR[h.outcome] ?? 'white'}>{OUTCOME_GLYPH[h.outcome] ?? '·'}</Text>
        : <Text key={i}>{OUTCOME_GLYPH[h.outcome] ?? '·'}</Text>))}
      {pad}
    </Text>
  );
}
