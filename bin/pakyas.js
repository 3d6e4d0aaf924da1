#!/usr/bin/env node
// The shipped entry point: plain JS that loads the compiled CLI, so start-up never pays for a
// TypeScript loader (SPEC: `pakyas monitor` must be quick to start).
//
// The Node.js version is checked first, before any of the CLI is loaded: on an older Node a
// module further in fails with an error that says nothing about why. Written in syntax every Node
// still in use can parse. The minimum is package.json's `engines` (a test keeps them equal).
var MINIMUM = [22, 12];
var have = process.versions.node.split('.').map(Number);
if (have[0] < MINIMUM[0] || (have[0] === MINIMUM[0] && have[1] < MINIMUM[1])) {
  process.stderr.write('pakyas needs Node.js ' + MINIMUM.join('.') + ' or newer, and this is Node.js ' + process.versions.node
    + ': install a current one (https://nodejs.org/en/download, or `nvm install 22`), or use the single binary, which needs no Node.js\n');
  process.exit(1);
}
import('../dist/cli/main.js');
