import { describe, expect, it } from 'vitest';
import { lastLines, neutralise, outputBlock } from '../cli/output/terminal-text.js';

// A job's text reaches a terminal shown, never obeyed (cli/output/terminal-text.ts).
describe('neutralising text for a terminal', () => {
  it.each([
    ['an escape sequence', '\u001b[2J\u001b[31mred', '␛[2J␛[31mred'],
    ['a title set (OSC 0) ended by BEL', '\u001b]0;pwned\u0007', '␛]0;pwned␇'],
    ['a link (OSC 8)', '\u001b]8;;https://evil.example/\u001b\\bank\u001b]8;;\u001b\\', '␛]8;;https://evil.example/␛\\bank␛]8;;␛\\'],
    ['a carriage return that would overwrite', 'ok\rFAIL', 'ok␍FAIL'],
    ['a backspace that would hide', 'secret\b\b\b\b\b\bpublic', 'secret␈␈␈␈␈␈public'],
    ['DEL', 'a\u007fb', 'a␡b'],
    ['a C1 control introducer (CSI as one byte)', '\u009b2J', '<U+009B>2J'],
    ['a bidirectional override', 'invoice\u202Egnp.exe', 'invoice<U+202E>gnp.exe'],
    ['a lone surrogate', 'bad \ud800 end', 'bad \uFFFD end'],
    ['CRLF line ends, kept as line ends', 'one\r\ntwo', 'one\ntwo'],
    ['a tab and an emoji, kept', 'a\tb 🙂', 'a\tb 🙂'],
  ])('shows %s', (_what, input, shown) => {
    expect(neutralise(input)).toBe(shown);
  });

  it('can keep a field on one line and turn tabs into spaces', () => {
    expect(neutralise('a\nb\tc', { singleLine: true, tabSpaces: 2 })).toBe('a␤b  c');
  });

  it('takes the last lines, a final line break ending the last one', () => {
    expect(lastLines('1\n2\n3\n', 2)).toEqual({ lines: ['2', '3'], earlier: 1 });
    expect(lastLines('1\n2', 5)).toEqual({ lines: ['1', '2'], earlier: 0 });
  });

  it('says what it left out, and how to see it', () => {
    expect(outputBlock('1\n2\n3', { count: 1, cutBytes: 120, more: '--output shows all' })).toEqual([
      '  … 2 earlier lines not shown; --output shows all; its first 120 bytes were not kept (a signal keeps the last 10 KB)',
      '  3',
    ]);
  });
});
