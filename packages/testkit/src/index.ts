export { deletePrefix, uniquePrefix } from './queue-prefix.js';
export { freePort, spawnRedisServer, startTestRedis, type TestRedis } from './redis-server.js';
