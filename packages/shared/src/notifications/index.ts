export { type DeliveryDeps, type DeliveryResult, createNotificationProcessor } from './deliver-notification.js';
export { type DeliveryStatus, type DeliveryView, listDeliveries } from './delivery-list.js';
export { NotificationEmitter, type NotificationEmitterDeps, notificationJobId } from './notification-emitter.js';
export {
  backfillFinishedEvent,
  type BackfillEnd,
  mirrorRunFinishedEvent,
  type MirrorRunEnd,
  notificationEventId,
  publicError,
  type SyncEnd,
  syncEndedEvent,
  syncReadsAsEnded,
} from './notification-events.js';
export { type SlackMessage, slackMessageOf } from './slack-message.js';
export { standardWebhookHeaders } from './webhook-signature.js';
