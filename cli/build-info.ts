// What `pakyas --version` prints. These are the values when the sources run unbuilt; `npm run
// build` (scripts/copy-assets.mjs) overwrites the compiled dist/cli/build-info.js with the package's
// version and the git commit it was built from, so that an installed CLI or a single binary says
// exactly which code it is, with no file to read at start-up.
export const BUILD: { version: string; commit: string } = { version: '0.0.0-source', commit: 'unknown' };
