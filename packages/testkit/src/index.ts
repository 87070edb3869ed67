export { deletePrefix, uniquePrefix } from './queue-prefix.js';
export { spawnRedisServer, startTestRedis, type TestRedis } from './redis-server.js';
export { freePort } from '../../../scripts/src/local-stack.js';
export { assertBuiltFromSources, buildWorkspace } from './workspace-build.js';
