import { execFile } from 'node:child_process';
import { cp, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');

/** `npx d2s …` on a fresh clone: npm links the committed bin/d2s.js, which needs no build to say what to do. */
describe('the d2s bin', () => {
  it('is the committed shim, as npm links it into node_modules/.bin', async () => {
    expect(await realpath(join(root, 'node_modules/.bin/d2s'))).toBe(join(root, 'apps/cli/bin/d2s.js'));
  });

  it('says what to run when the command is not built yet, instead of failing obscurely', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'd2s-bin-'));
    try {
      // The shim alone, with no dist/ beside it: a fresh clone after npm ci.
      await cp(join(root, 'apps/cli/bin'), join(dir, 'bin'), { recursive: true });
      await cp(join(root, 'apps/cli/package.json'), join(dir, 'package.json'));
      const failed = await run(process.execPath, [join(dir, 'bin/d2s.js'), '--help']).catch((error) => error);
      expect(failed.code).toBe(2);
      expect(failed.stderr).toContain('npm run build');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
