import type { TestProject } from 'vitest/node';
import { startTestRedis } from './redis-server.js';
import { buildWorkspace } from './workspace-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * Once per run, before any test: build the workspace (process tests start the
 * services from dist, which must be today's code; tsc -b is a no-op when
 * nothing changed), then one Redis for the whole run: the configured one when
 * it answers, else a private server.
 */
export default async function setup(project: TestProject) {
  buildWorkspace();
  const redis = await startTestRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
