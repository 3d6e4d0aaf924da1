#!/usr/bin/env node
// The shipped entry point: plain JS that loads the compiled CLI, so start-up never pays for a
// TypeScript loader (SPEC: `pakyas monitor` must be quick to start).
import '../dist/cli/main.js';
