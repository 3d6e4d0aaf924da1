import { Text } from 'ink';
import { STATUS_COLOUR, type Status } from '../../schema/vocabulary.js';
import { stateLabel } from '../output/states.js';
import { fit } from './model.js';

/** A state in words, coloured when colour is on: never colour alone. */
export function StateBadge({ state, width, colour }: { state: Status; width: number; colour: boolean }) {
  const text = fit(stateLabel(state), width);
  return colour ? <Text color={STATUS_COLOUR[state] ?? 'white'} bold={state === 'failed' || state === 'missing'}>{text}</Text> : <Text>{text}</Text>;
}
