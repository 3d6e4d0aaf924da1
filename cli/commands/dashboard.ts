import { CliError, type Command } from '../command.js';
import { explain } from '../client.js';
import { CONNECTION_OPTIONS, connection } from '../connection.js';
import { colourWanted } from '../output/terminal.js';

export const command: Command = {
  name: 'dashboard',
  summary: 'The live terminal UI: every job\'s state, last run, next deadline and history, updated as signals arrive.',
  usage: 'dashboard [--server URL] [--token TOKEN]',
  options: { ...CONNECTION_OPTIONS },
  // A request still waiting on a server that never answers must not keep the process alive.
  endsProcess: true,
  details: 'Keys: ↑↓ move, Enter timeline (with what the run printed), / filter, Esc clear the filter, s state filter,\nt tag filter, p pause, r resume, ? help, q quit. Works in 80×24 and larger, and with NO_COLOR.',
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
    // The first frame comes at once ("connecting to URL…"); the first load is the one the view
    // makes, and if it fails (no server, a wrong token) the view closes and says why.
    const first = source.jobs();
    let used = false;
    const primed: typeof source = { ...source, jobs: (only) => (only || used ? source.jobs(only) : (used = true, first)) };
    // Both ends are terminals (checked above): render live even where a CI variable is set, which
    // would otherwise make Ink print only the last frame at exit.
    const app = render(createElement(App, { source: primed, server: conn.server, colour }), { interactive: true });
    const exited = app.waitUntilExit().then(() => 'exited' as const);
    const loadFailure = await Promise.race([first.then(() => null, (err: unknown) => ({ err })), exited]);
    if (loadFailure !== null && loadFailure !== 'exited') {
      app.unmount();
      await exited.catch(() => undefined);
      throw new CliError(explain(conn, loadFailure.err));
    }
    await exited;
    return 0;
  },
};
