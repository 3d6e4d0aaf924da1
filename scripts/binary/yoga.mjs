// Stands in for `yoga-layout` in the binary's bundle. The package's entry point awaits its
// WebAssembly at the top level, which a CommonJS bundle cannot do; this module loads it on demand
// (entry.mjs, before the dashboard starts) and hands Ink the loaded engine through a proxy. Ink uses
// yoga only while it lays out a frame, never while its modules load.
import { loadYoga } from 'yoga-layout/load';

export * from 'yoga-layout/load';

let yoga = null;

export async function loadNow() {
  yoga ??= await loadYoga();
}

export default new Proxy({}, {
  get(_target, key) {
    if (yoga === null) throw new Error('yoga-layout was used before the binary loaded it (scripts/binary/entry.mjs)');
    return yoga[key];
  },
});
