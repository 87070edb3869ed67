import { describe, expect, it } from 'vitest';
import { ConfigError, D2sError } from '../errors.js';
import {
  DatabricksAuthError,
  DatabricksError,
  DatabricksNotFoundError,
  DatabricksPermissionError,
  DatabricksRateLimitError,
  errorFromResponse,
  parseErrorBody,
} from './errors.js';

describe('parseErrorBody', () => {
  it('reads the standard shape with google.rpc details', () => {
    const body = JSON.stringify({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Run 5 does not exist.',
      details: [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'x', domain: 'y', metadata: { k1: 'v1' } },
        { '@type': 'type.googleapis.com/google.rpc.RequestInfo', request_id: 'req42', serving_data: '' },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retry_delay: '42.0000000012s' },
      ],
    });
    expect(parseErrorBody(400, body)).toEqual({
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: 'Run 5 does not exist.',
      requestId: 'req42',
      retryDelayMs: 42_001,
    });
  });

  it.each<[string, number, string, { errorCode?: string; message: string }]>([
    [
      'OAuth error',
      401,
      '{"error":"invalid_client","error_description":"Client authentication failed"}',
      {
        errorCode: 'invalid_client',
        message: 'Client authentication failed',
      },
    ],
    ['API 1.2', 400, '{"error":"Cluster abc does not exist"}', { message: 'Cluster abc does not exist' }],
    ['SCIM', 404, '{"detail":"User not found","status":"404","scimType":"x"}', { message: 'User not found' }],
    ['numeric error_code', 500, '{"error_code":123,"message":"odd"}', { errorCode: '123', message: 'odd' }],
    [
      'plain text with a code',
      400,
      'INVALID_STATE: Cannot do that now',
      {
        errorCode: 'INVALID_STATE',
        message: 'Cannot do that now',
      },
    ],
    ['plain text', 502, 'upstream connect error', { message: 'upstream connect error' }],
    [
      'HTML with pre',
      500,
      '<html><body><pre>Something &amp; broke</pre></body></html>',
      { message: 'Something & broke' },
    ],
    ['HTML without pre', 502, '<html><body>Bad gateway</body></html>', { message: 'Bad Gateway' }],
    ['empty body', 503, '', { message: 'Service Unavailable' }],
    ['empty body, unknown status', 418, '  ', { message: 'HTTP 418' }],
    ['JSON without fields', 500, '{}', { message: 'Internal Server Error' }],
  ])('%s', (_name, status, text, expected) => {
    expect(parseErrorBody(status, text)).toEqual(expected);
  });
});

describe('errorFromResponse', () => {
  const facts = (status: number, endpoint = 'jobs/runs/get', errorCode?: string) => ({
    endpoint,
    method: 'GET',
    status,
    ...(errorCode ? { errorCode } : {}),
  });

  it.each<[string, ReturnType<typeof facts>, string, new (...args: never[]) => DatabricksError, string]>([
    [
      '404',
      facts(404, 'unity-catalog/tables/{full_name}', 'TABLE_DOES_NOT_EXIST'),
      'Table x does not exist',
      DatabricksNotFoundError,
      'DATABRICKS_NOT_FOUND',
    ],
    [
      'RESOURCE_DOES_NOT_EXIST on 400',
      facts(400, 'jobs/run-now', 'RESOURCE_DOES_NOT_EXIST'),
      'Job 9 does not exist',
      DatabricksNotFoundError,
      'DATABRICKS_NOT_FOUND',
    ],
    [
      'runs/get 400 "Run … does not exist"',
      facts(400, 'jobs/runs/get', 'INVALID_PARAMETER_VALUE'),
      'Run 5 does not exist.',
      DatabricksNotFoundError,
      'DATABRICKS_NOT_FOUND',
    ],
    [
      'runs/get 400 "Run: … in job: … doesn\'t exist"',
      facts(400, 'jobs/runs/get', 'INVALID_PARAMETER_VALUE'),
      "Run: 5 in job: 7 doesn't exist",
      DatabricksNotFoundError,
      'DATABRICKS_NOT_FOUND',
    ],
    [
      'other 400 stays a bad request',
      facts(400, 'jobs/runs/get-output', 'INVALID_PARAMETER_VALUE'),
      'Retrieving the output of runs with multiple tasks is not supported.',
      DatabricksError,
      'DATABRICKS_REQUEST_FAILED',
    ],
    [
      'UC 400 is not a missing run',
      facts(400, 'unity-catalog/tables', 'INVALID_PARAMETER_VALUE'),
      'Run 5 does not exist.',
      DatabricksError,
      'DATABRICKS_REQUEST_FAILED',
    ],
    [
      '401',
      facts(401, 'jobs/runs/get', 'UNAUTHENTICATED'),
      'Invalid access token.',
      DatabricksAuthError,
      'DATABRICKS_UNAUTHENTICATED',
    ],
    [
      '403 "Invalid access token." (unknown or expired token)',
      facts(403, 'jobs/runs/get', '403'),
      'Invalid access token.',
      DatabricksAuthError,
      'DATABRICKS_UNAUTHENTICATED',
    ],
    [
      '403',
      facts(403, 'jobs/run-now', 'PERMISSION_DENIED'),
      'No permission',
      DatabricksPermissionError,
      'DATABRICKS_PERMISSION_DENIED',
    ],
    [
      '429',
      facts(429, 'jobs/runs/get', 'RESOURCE_EXHAUSTED'),
      'Too many requests',
      DatabricksRateLimitError,
      'DATABRICKS_RATE_LIMITED',
    ],
    [
      'REQUEST_LIMIT_EXCEEDED on 400',
      facts(400, 'jobs/run-now', 'REQUEST_LIMIT_EXCEEDED'),
      'limit',
      DatabricksRateLimitError,
      'DATABRICKS_RATE_LIMITED',
    ],
    [
      '503',
      facts(503, 'jobs/runs/get', 'TEMPORARILY_UNAVAILABLE'),
      'later',
      DatabricksError,
      'DATABRICKS_REQUEST_FAILED',
    ],
  ])('%s', (_name, f, message, type, code) => {
    const error = errorFromResponse(f, { message }, { retryable: false });
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(DatabricksError);
    expect(error).toBeInstanceOf(D2sError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(f.status);
    expect(error.endpoint).toBe(f.endpoint);
    expect(error.message).toContain(message);
    expect(error.message).toContain(f.endpoint);
  });

  it('serialises to secret-free structured details', () => {
    const error = errorFromResponse(
      { endpoint: 'jobs/runs/get', method: 'GET', status: 429, errorCode: 'RESOURCE_EXHAUSTED', retryAfterMs: 2000 },
      { message: 'Too many requests' },
      { retryable: true },
    );
    expect(error.toJSON()).toEqual({
      code: 'DATABRICKS_RATE_LIMITED',
      message: 'Databricks GET jobs/runs/get failed with HTTP 429 RESOURCE_EXHAUSTED: Too many requests',
      retryable: true,
      details: {
        endpoint: 'jobs/runs/get',
        method: 'GET',
        status: 429,
        errorCode: 'RESOURCE_EXHAUSTED',
        retryAfterMs: 2000,
      },
    });
    expect(error.name).toBe('DatabricksRateLimitError');
    expect(error).not.toBeInstanceOf(ConfigError);
  });
});
