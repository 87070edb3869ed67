export { deletePrefix, uniquePrefix } from './queue-prefix.js';
export {
  connectTestRedis,
  isClusterUrl,
  startRedisCluster,
  type TestRedisCluster,
  testRedisEnv,
  testRedisSettings,
} from './redis-cluster.js';
export { spawnRedisServer, startTestRedis, type TestRedis } from './redis-server.js';
export { freePort, redisAnswers, ROOT, waitFor } from './local-services.js';
/** The one sleep: the same abortable helper production code uses. */
export { sleep } from '@d2s/shared/clock';
export { assertBuiltFromSources, buildWorkspace } from './workspace-build.js';
