import { gunzipSync } from 'node:zlib';

/** Snowflake's response envelope: `{data, code, message, success}` (codes are 6-digit strings). */
export interface Envelope {
  data: unknown;
  code: string | null;
  message: string | null;
  success: boolean;
  headers?: null;
}

export function ok(data: unknown = null): Envelope {
  return { data, code: null, message: null, success: true };
}

export function failure(code: string, message: string, data: unknown = null): Envelope {
  return { data, code, message, success: false, headers: null };
}

/**
 * Decodes a request body. The driver gzips bodies racily (the header may say
 * gzip while the body is plain JSON), so only the gzip magic bytes decide.
 */
export function decodeBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  let buffer = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  if (buffer.length === 0) return {};
  if (buffer[0] === 0x1f && buffer[1] === 0x8b) buffer = gunzipSync(buffer);
  try {
    const parsed: unknown = JSON.parse(buffer.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The token of `Authorization: Snowflake Token="..."`. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  const match = /Snowflake Token="([^"]*)"/.exec(header ?? '');
  return match?.[1];
}
