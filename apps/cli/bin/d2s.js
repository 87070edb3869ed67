#!/usr/bin/env node
// The `d2s` command as npm links it (`npx d2s …`). This file is committed, so `npm ci` links it on a
// fresh clone even though dist/ does not exist yet (npm does not link a bin whose file is missing);
// until the build has run it says what to run instead of npm's "could not determine executable".
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'd2s: the command is not built yet. In the repository run `npm run build` (or `npm run demo`), then `npx d2s`.\n',
  );
  process.exit(2);
}
await import(main.href);
