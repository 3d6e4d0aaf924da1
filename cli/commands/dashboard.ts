import { CliError, type Command } from '../command.js';
import { explain } from '../client.js';
import { CONNECTION_OPTIONS, connection } from '../connection.js';
import { colourWanted } from '../output/terminal.js';

export const command: Command = {
  name: 'dashboard',
  summary: 'The live terminal UI: every job\'s state, last run, next deadline and history, updated as signals arrive.',
  usage: 'dashboard [--server URL] [--token TOKEN]',
  options: { ...CONNECTION_OPTIONS },
  details: 'Keys: ↑↓ move, Enter timeline, / filter, s state filter, t tag filter, p pause, r resume, ? help, q quit.\nWorks in 80×24 and larger, and with NO_COLOR.',
  async run(args) {
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      throw new CliError("pakyas dashboard needs an interactive terminal; in scripts and pipes use 'pakyas status' (or 'pakyas status --json')");
    }
    const conn = connection(args);
    const colour = colourWanted(process.stdout);
    // Ink's colour library turns colour off wherever a CI variable is set; the decision here is
    // ours (a terminal, and no NO_COLOR), so it is passed on before Ink is loaded.
    if (colour && !process.env.FORCE_COLOR) process.env.FORCE_COLOR = '1';
    // React's development build checks every render and keeps timing data: a third of the
    // dashboard's CPU under load (bench/dashboard.mjs). Users get the production build.
    process.env.NODE_ENV ??= 'production';
    // Ink, React and the SSE client are loaded here only: no other command pays for them.
    const [{ render }, { createElement }, { App }, { serverSource }] = await Promise.all([
      import('ink'), import('react'), import('../dashboard/App.js'), import('../dashboard/source.js'),
    ]);
    const source = serverSource(conn);
    try {
      await source.jobs();
    } catch (err) {
      throw new CliError(explain(conn, err));
    }
    // Both ends are terminals (checked above): render live even where a CI variable is set, which
    // would otherwise make Ink print only the last frame at exit.
    const app = render(createElement(App, { source, server: conn.server, colour }), { interactive: true });
    await app.waitUntilExit();
    return 0;
  },
};
