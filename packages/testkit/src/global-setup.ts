import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './redis-cluster.js';
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
 * it answers, else a private server; with D2S_TEST_REDIS=cluster, a private
 * local Redis Cluster (3 primaries, 3 replicas) instead.
 */
export default async function setup(project: TestProject) {
  buildWorkspace();
  const redis = process.env.D2S_TEST_REDIS === 'cluster' ? await startRedisCluster() : await startTestRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
