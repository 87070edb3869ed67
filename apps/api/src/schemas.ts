import { SYNC_STATES, SyncId } from '@d2s/shared';
import { z } from 'zod';

/** Request shapes, validated with zod; the OpenAPI document is generated from these same schemas. */

export const CreateSyncBody = z.strictObject({
  dataset: z.string().min(1).max(200),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

export const SyncParams = z.strictObject({ id: SyncId });

export const ListSyncsQuery = z.strictObject({
  dataset: z.string().min(1).max(200).optional(),
  status: z.enum(SYNC_STATES).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
