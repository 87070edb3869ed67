export { type ApiDeps, buildServer } from './server.js';
export { SyncEventHub } from './sync-events.js';
export { CreateSyncBody } from './schemas.js';
