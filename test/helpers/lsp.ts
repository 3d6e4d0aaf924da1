// A language server spoken to by hand, as an editor speaks to it: JSON-RPC messages framed by a
// Content-Length header on the child's stdin and stdout. Only what the editor tests need: requests
// with a timeout each, the server's own requests answered (workspace/configuration gets `yaml`
// settings), and the diagnostics it publishes, per document.
import { spawn, type ChildProcess } from 'node:child_process';

type Message = { id?: number | string; method?: string; params?: unknown; result?: unknown; error?: { message: string } };

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  severity?: number;
  source?: string;
}

export interface LanguageServer {
  request<T = unknown>(method: string, params: unknown, timeoutMs?: number): Promise<T>;
  notify(method: string, params: unknown): void;
  /** The next diagnostics published for `uri` after this call. */
  nextDiagnostics(uri: string, timeoutMs?: number): Promise<Diagnostic[]>;
  stop(): Promise<void>;
  /** What the server wrote to stderr, for failure messages. */
  log(): string;
}

export function startLanguageServer(command: string[], settings: Record<string, unknown>): LanguageServer {
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const diagnosticWaiters = new Map<string, Array<(d: Diagnostic[]) => void>>();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });

  const send = (message: Message) => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    child.stdin!.write(`Content-Length: ${body.length}\r\n\r\n`);
    child.stdin!.write(body);
  };

  // The server's requests to the editor: settings are answered, registrations and progress accepted.
  const answer = (message: Message): unknown => {
    if (message.method === 'workspace/configuration') {
      const items = (message.params as { items: Array<{ section?: string }> }).items;
      return items.map((item) => (item.section === 'yaml' ? settings : item.section?.startsWith('yaml.') ? settings[item.section.slice(5)] ?? null : null));
    }
    return null;
  };

  const receive = (message: Message) => {
    if (message.method !== undefined && message.id !== undefined) {
      send({ id: message.id, result: answer(message) });
    } else if (message.method === 'textDocument/publishDiagnostics') {
      const { uri, diagnostics } = message.params as { uri: string; diagnostics: Diagnostic[] };
      const waiters = diagnosticWaiters.get(uri) ?? [];
      diagnosticWaiters.delete(uri);
      for (const w of waiters) w(diagnostics);
    } else if (message.id !== undefined && pending.has(Number(message.id))) {
      const p = pending.get(Number(message.id))!;
      pending.delete(Number(message.id));
      if (message.error) p.reject(new Error(message.error.message));
      else p.resolve(message.result);
    }
  };

  // Framing: a header block ending in \r\n\r\n with Content-Length, then that many bytes of JSON.
  let buffer = Buffer.alloc(0);
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
      if (buffer.length < headerEnd + 4 + length) return;
      const body = buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      buffer = buffer.subarray(headerEnd + 4 + length);
      receive(JSON.parse(body) as Message);
    }
  });

  const withTimeout = <T>(what: string, timeoutMs: number, start: (resolve: (v: T) => void, reject: (e: Error) => void) => () => void) =>
    new Promise<T>((resolve, reject) => {
      let cancel = () => {};
      const timer = setTimeout(() => { cancel(); reject(new Error(`${what}: no answer within ${timeoutMs} ms\n${stderr}`)); }, timeoutMs);
      cancel = start((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
    });

  return {
    request<T>(method: string, params: unknown, timeoutMs = 10_000) {
      return withTimeout<T>(method, timeoutMs, (resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        send({ id, method, params });
        return () => pending.delete(id);
      });
    },
    notify(method, params) {
      send({ method, params });
    },
    nextDiagnostics(uri, timeoutMs = 10_000) {
      return withTimeout<Diagnostic[]>(`diagnostics for ${uri}`, timeoutMs, (resolve) => {
        const list = diagnosticWaiters.get(uri) ?? [];
        list.push(resolve);
        diagnosticWaiters.set(uri, list);
        return () => diagnosticWaiters.set(uri, (diagnosticWaiters.get(uri) ?? []).filter((w) => w !== resolve));
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      try {
        await this.request('shutdown', null, 3_000);
        this.notify('exit', null);
      } catch {
        child.kill('SIGKILL');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
    log: () => stderr,
  };
}
