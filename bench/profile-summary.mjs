// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package or file,
// and the inclusive time of the functions named on the command line.
// `node bench/profile-summary.mjs FILE.cpuprofile [function …]`
import { readFileSync } from 'node:fs';

const [file, ...wanted] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const where = (n) => {
  const url = n.callFrame.url;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.includes('/dist/')) return url.slice(url.indexOf('/dist/') + 6);
  return url.startsWith('node:') ? url : (url || n.callFrame.functionName || '(vm)');
};
const add = (map, key, v) => map.set(key, (map.get(key) ?? 0) + v);
const fn = new Map(); const pkg = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  add(fn, `${n.callFrame.functionName || '(anonymous)'} ${where(n)}:${n.callFrame.lineNumber + 1}`, t);
  add(pkg, where(n), t);
}
const show = (title, map, k = 30) => {
  console.log(`\n${title}`);
  for (const [name, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, k)) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`);
};
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`);
show('self time by package or file', pkg, 25);
show('self time by function', fn, 40);
if (wanted.length) {
  const incl = new Map();
  for (const [id, t] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur).callFrame.functionName;
      if (wanted.includes(name) && !seen.has(name)) { seen.add(name); add(incl, name, t); }
    }
  }
  show('inclusive time', incl);
}
