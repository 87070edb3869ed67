import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { D2sMetrics, serveMetrics } from './metrics.js';

/**
 * A worker's metrics and their HTTP endpoint. The port comes from the entry
 * point (D2S_METRICS_PORT); a busy port costs the metrics, not the worker.
 */
export async function startWorkerMetrics(
  service: string,
  options: { host: string; port: number },
  logger: Logger,
): Promise<{ metrics: D2sMetrics; close(): Promise<void> }> {
  const metrics = new D2sMetrics({ service });
  let server: Server | undefined;
  if (options.port > 0) {
    try {
      server = await serveMetrics(metrics, options);
      logger.info({ port: options.port }, 'metrics at /metrics');
    } catch (error) {
      logger.warn({ err: error, port: options.port }, 'metrics endpoint not started (port busy?); the worker runs on');
    }
  }
  return {
    metrics,
    close: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

/** The metrics port from the environment, or the service's default; 0 turns the endpoint off. */
export function metricsPortFrom(env: NodeJS.ProcessEnv, fallback: number): number {
  const raw = env.D2S_METRICS_PORT;
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  return Number.isInteger(port) && port >= 0 && port <= 65_535 ? port : fallback;
}
