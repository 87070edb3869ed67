import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { ROOT } from './local-services.js';

/**
 * Process tests start the services from their built output (apps/X/dist/main.js).
 * A stale build would test yesterday's code while the in-process tests test
 * today's, so the test run builds the workspace once before any test
 * (`buildWorkspace`, from the global setup), and every place that spawns a
 * service checks the build is current (`assertBuiltFromSources`) and fails
 * loudly when it is not (e.g. a source edited while `vitest --watch` runs).
 */

/** `tsc -b` over the solution: a no-op when nothing changed. Throws with tsc's output when the build fails. */
export function buildWorkspace(root = ROOT): void {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-b'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `The workspace does not build (tsc -b exited ${String(result.status ?? result.signal)}); ` +
        `process tests would run stale code.\n${result.stdout}${result.stderr}`,
    );
  }
}

/** The projects a service is built from (its app and the packages it references). */
const SERVICE_PROJECTS: Record<string, readonly string[]> = {
  api: ['apps/api', 'packages/shared'],
  'export-worker': ['apps/export-worker', 'packages/shared'],
  'import-worker': ['apps/import-worker', 'packages/shared'],
  'mirror-worker': ['apps/mirror-worker', 'packages/shared'],
};

/**
 * Throws unless each project of `service` was built after its newest source
 * file (tsc -b rewrites a project's tsconfig.tsbuildinfo whenever it looks at
 * a changed input, even when no output changes).
 */
export function assertBuiltFromSources(service: string, root = ROOT): void {
  const projects = SERVICE_PROJECTS[service];
  if (!projects) throw new Error(`unknown service ${service}`);
  for (const project of projects) {
    const buildInfo = join(root, project, 'tsconfig.tsbuildinfo');
    let builtAt: number;
    try {
      builtAt = statSync(buildInfo).mtimeMs;
    } catch {
      throw new Error(`${project} was never built (no ${relative(root, buildInfo)}): run \`npx tsc -b\`.`);
    }
    const newer = newestSource(join(root, project, 'src'));
    if (newer && newer.mtimeMs > builtAt) {
      throw new Error(
        `${service} would start from a stale build: ${relative(root, newer.path)} changed after ${project} was built. ` +
          'Run `npx tsc -b` (the test run builds once at start; a source edited since is not in dist).',
      );
    }
  }
}

function isBuildInput(name: string): boolean {
  return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.spec.ts');
}

function newestSource(dir: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    let candidate: { path: string; mtimeMs: number } | undefined;
    if (entry.isDirectory()) {
      if (entry.name === 'test-support') continue;
      candidate = newestSource(path);
    } else if (isBuildInput(entry.name)) {
      candidate = { path, mtimeMs: statSync(path).mtimeMs };
    }
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}
