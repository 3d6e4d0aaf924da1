import { Text } from 'ink';
import { fit, STATE_COLOUR, stateLabel } from './model.js';

/** A state in words, coloured when colour is on: never colour alone. */
export function StateBadge({ state, width, colour }: { state: string; width: number; colour: boolean }) {
  const text = fit(stateLabel(state), width);
  return colour ? <Text color={STATE_COLOUR[state] ?? 'white'} bold={state === 'failed' || state === 'missing'}>{text}</Text> : <Text>{text}</Text>;
}
