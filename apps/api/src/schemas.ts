import { SYNC_STATES, SyncId } from '@d2s/shared';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from './http-errors.js';

/** Request shapes, validated with zod; the OpenAPI document is generated from these same schemas. */

export const CreateSyncBody = z.strictObject({
  dataset: z.string().min(1).max(200),
  /** `null` means the same as leaving it out; so does `null` as a parameter's value (its default applies). */
  parameters: z.record(z.string(), z.unknown()).nullish(),
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

/** The request's Idempotency-Key header, checked; undefined when it has none. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  return header === undefined ? undefined : parseOr400(IdempotencyKey, header, 'header Idempotency-Key');
}
