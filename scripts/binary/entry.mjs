// The single binary's entry point (scripts/build-binary.mjs bundles from here). It runs the same
// compiled CLI as bin/pakyas.js. One difference: a single executable runs one CommonJS script, which
// cannot wait at its top level, and Ink's layout engine (yoga) loads its WebAssembly that way; the
// binary loads it here first, for the one command that draws a UI (see yoga.mjs).
const run = () => import('../../dist/cli/main.js');
if (process.argv[2] === 'dashboard') import('./yoga.mjs').then((yoga) => yoga.loadNow()).then(run);
else run();
