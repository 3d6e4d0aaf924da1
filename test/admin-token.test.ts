import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import { cleanUp } from './helpers/server.js';
import { processStorage, removeDataDirs, spawnServer } from './helpers/server-process.js';

// An admin token the operator chooses opens everything: it must be long enough not to be guessed.
describe('PAKYAS_ADMIN_TOKEN', () => {
  afterAll(async () => { removeDataDirs(); await cleanUp(); });

  it('of 31 characters is refused at start, with a message saying how long it must be, and the process exits', async () => {
    const { env, args } = processStorage();
    const started = Date.now();
    await expect(spawnServer({ ...env, PAKYAS_ADMIN_TOKEN: 'a'.repeat(31) }, args)).rejects.toThrow(
      'server exited with 1:\npakyas server: could not start: PAKYAS_ADMIN_TOKEN must be at least 32 characters (it has 31); make one with: openssl rand -hex 32');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('of 32 characters is accepted and opens the API', async () => {
    const { env, args } = processStorage();
    const token = 'b'.repeat(32);
    const server = await spawnServer({ ...env, PAKYAS_ADMIN_TOKEN: token }, args);
    try {
      expect(await createClient({ server: server.url, token }).tokens.list.query()).toEqual([expect.objectContaining({ name: 'admin (PAKYAS_ADMIN_TOKEN)', admin: true })]);
    } finally {
      await server.stop();
    }
  });
});
