import type { RunningDatabricksEmulator } from '@d2s/databricks-emulator';

/** One Databricks run as jobs/runs/list reports it, with the job parameters it was started with. */
export interface ListedRun {
  runId: number;
  startTime: number;
  /** 0 while the run has not ended (as Databricks reports it). */
  endTime: number;
  parameters: Record<string, string>;
}

/**
 * Every run of a job, read from the emulator over the real Jobs API (`GET /api/2.2/jobs/runs/list`,
 * following `next_page_token`; at most 25 runs a page, as Databricks documents it).
 */
export async function listRuns(
  databricks: RunningDatabricksEmulator,
  jobId: number,
  token: string,
): Promise<ListedRun[]> {
  const runs: ListedRun[] = [];
  let pageToken: string | undefined;
  do {
    const url = new URL('/api/2.2/jobs/runs/list', databricks.url);
    url.searchParams.set('job_id', String(jobId));
    url.searchParams.set('limit', '25');
    if (pageToken) url.searchParams.set('page_token', pageToken);
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`runs/list answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as {
      runs?: {
        run_id: number;
        start_time: number;
        end_time: number;
        job_parameters?: { name: string; value?: string; default?: string }[];
      }[];
      next_page_token?: string;
    };
    for (const run of body.runs ?? []) {
      runs.push({
        runId: run.run_id,
        startTime: run.start_time,
        endTime: run.end_time,
        parameters: Object.fromEntries((run.job_parameters ?? []).map((p) => [p.name, p.value ?? p.default ?? ''])),
      });
    }
    pageToken = body.next_page_token;
  } while (pageToken);
  return runs.sort((a, b) => a.startTime - b.startTime || a.runId - b.runId);
}

/** The most runs that were running at one moment (a run still going counts until `now`). */
export function maxConcurrentRuns(runs: ListedRun[], now = Date.now()): number {
  const edges = runs.flatMap((run) => [
    { at: run.startTime, delta: 1 },
    { at: run.endTime || now, delta: -1 },
  ]);
  // At the same instant an end comes before a start: a run that starts as another ends does not overlap it.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.delta;
    most = Math.max(most, running);
  }
  return most;
}
