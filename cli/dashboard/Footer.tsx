import { Text } from 'ink';

export type FooterMode =
  | { kind: 'keys'; view: 'table' | 'timeline'; filtered?: boolean }
  | { kind: 'filter'; text: string }
  | { kind: 'confirm'; action: 'pause' | 'resume'; job: string }
  | { kind: 'message'; text: string };

/** The bottom line: what the keys do here, the filter being typed, or a question. */
export function Footer({ mode, width }: { mode: FooterMode; width: number }) {
  let text: string;
  switch (mode.kind) {
    case 'filter': text = `Filter: ${mode.text}█  (Enter to keep, Esc to clear)`; break;
    case 'confirm': text = `${mode.action === 'pause' ? 'Pause' : 'Resume'} ${mode.job}? y to confirm, any other key to cancel`; break;
    case 'message': text = mode.text; break;
    case 'keys': text = mode.view === 'timeline'
      ? '↑↓ scroll  Esc back  p pause  r resume  q back'
      : mode.filtered
        ? '↑↓ move  Enter timeline  / filter  Esc clear filter  s state  t tag  ? help  q quit'
        : '↑↓ move  Enter timeline  / filter  s state  t tag  p pause  r resume  ? help  q quit'; break;
  }
  return <Text inverse={mode.kind === 'confirm'} dimColor={mode.kind === 'keys'}>{text.slice(0, width)}</Text>;
}
