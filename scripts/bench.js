#!/usr/bin/env node
// Runs every bench/*.bench.ts in its own process (ts-node, transpile only) so one benchmark's
// warm caches do not flatter the next. Figures are request counts and ratios, not test verdicts.
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const only = process.argv.slice(2);
const files = readdirSync(path.join(root, 'bench'))
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n## ${file}\n`);
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('bench', file)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
  });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
