import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../sync/sync-view.js';
import { deriveMirrorRunView, type MirrorPlanJobResult } from './mirror-run.js';

const job = (overrides: Partial<JobSnapshot>): JobSnapshot => ({
  state: 'completed',
  data: { mirrorRunId: 'mirror_1', scope: {}, origin: 'api' },
  progress: 0,
  returnvalue: null,
  timestamp: Date.parse('2026-11-23T10:00:00Z'),
  attemptsMade: 0,
  ...overrides,
});

const result: MirrorPlanJobResult = {
  mirrorRunId: 'mirror_1',
  summary: {
    'create-integration': 1,
    'update-integration': 0,
    'create-schema': 0,
    'drop-table': 0,
    'rename-table': 0,
    'create-table': 2,
    'alter-table': 0,
    'refresh-table': 0,
    actions: 3,
    unchanged: 0,
    skipped: 0,
    orphans: 0,
  },
  actionIds: ['create-integration-000000000001', 'create-table-000000000002', 'create-table-000000000003'],
  actions: [
    {
      id: 'create-integration-000000000001',
      kind: 'create-integration',
      target: 'D2S_UC_W',
      reason: '',
      sql: [],
      dependsOn: [],
      status: 'succeeded',
    },
    { id: 'create-table-000000000002', kind: 'create-table', target: 'W.S.A', reason: '', sql: [], dependsOn: [] },
    { id: 'create-table-000000000003', kind: 'create-table', target: 'W.S.B', reason: '', sql: [], dependsOn: [] },
  ],
  skipped: [],
  orphans: [],
};

describe('deriveMirrorRunView', () => {
  it('is queued, then planning, then failed with the plan job’s coded error', () => {
    expect(deriveMirrorRunView('mirror_1', job({ state: 'waiting' }), new Map()).status).toBe('queued');
    expect(deriveMirrorRunView('mirror_1', job({ state: 'active' }), new Map()).status).toBe('planning');
    const failed = deriveMirrorRunView(
      'mirror_1',
      job({ state: 'failed', failedReason: 'MIRROR_NOT_CONFIGURED: set mirror.catalogs' }),
      new Map(),
    );
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'MIRROR_NOT_CONFIGURED' } });
  });

  it('is applying while action jobs are open, then succeeded or failed from them', () => {
    const applying = deriveMirrorRunView(
      'mirror_1',
      job({ returnvalue: result }),
      new Map([
        ['create-table-000000000002', job({ state: 'active' })],
        ['create-table-000000000003', job({ state: 'waiting' })],
      ]),
    );
    expect(applying).toMatchObject({ status: 'applying', counts: { succeeded: 1, running: 1, pending: 1 } });
    const done = deriveMirrorRunView(
      'mirror_1',
      job({ returnvalue: result }),
      new Map([
        ['create-table-000000000002', job({ returnvalue: { snowflake: { qualifiedName: 'W.S.A' }, durationMs: 12 } })],
        [
          'create-table-000000000003',
          job({ state: 'failed', failedReason: 'SNOWFLAKE_QUERY_FAILED: nope', attemptsMade: 3 }),
        ],
      ]),
    );
    expect(done).toMatchObject({
      status: 'failed',
      counts: { succeeded: 2, failed: 1 },
      error: { code: 'MIRROR_ACTIONS_FAILED' },
    });
    expect(done.actions[1]).toMatchObject({ status: 'succeeded', snowflake: { qualifiedName: 'W.S.A' } });
    expect(done.actions[2]).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'SNOWFLAKE_QUERY_FAILED', message: 'nope' },
    });
  });
});
