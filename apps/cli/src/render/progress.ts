import type { StageEvent, Sync } from '../api-types.js';
import type { TextSink } from '../output.js';
import { formatClock, formatCount } from './format.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** What the progress line shows. */
export interface ProgressState {
  syncId: string;
  stage: string;
  /** Databricks life-cycle state (`PENDING`, `RUNNING`, `TERMINATED`…), once there is a run. */
  lifeCycleState?: string | undefined;
  resultState?: string | undefined;
  rowsLoaded?: number | undefined;
  elapsedMs: number;
}

/** `exporting · Databricks RUNNING · 0:42` (plus rows once loading reports them). */
export function progressText(state: ProgressState): string {
  const databricks = state.lifeCycleState
    ? `Databricks ${state.lifeCycleState}${state.resultState ? `/${state.resultState}` : ''}`
    : undefined;
  const rows = state.rowsLoaded ? `${formatCount(state.rowsLoaded)} rows` : undefined;
  return [state.stage, databricks, rows, formatClock(state.elapsedMs)].filter(Boolean).join(' · ');
}

/**
 * The live display of `--wait`. On a terminal: one line, redrawn in place
 * (spinner, stage, Databricks state, elapsed) and cleared at the end. Not on
 * a terminal (CI logs, pipes): a plain timestamped line each time the stage
 * or the Databricks state changes, never a redraw.
 */
export class SyncProgress {
  readonly #sink: TextSink;
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #interactive: boolean;
  #state: ProgressState;
  #lastPlain = '';
  #frame = 0;
  #drawn = false;

  constructor(sink: TextSink, sync: Sync, options: { now: () => number; interactive?: boolean }) {
    this.#sink = sink;
    this.#now = options.now;
    this.#interactive = options.interactive ?? sink.isTTY === true;
    const created = Date.parse(sync.timings.createdAt);
    // The sync's own age when the clocks roughly agree; otherwise time since we started watching.
    const now = this.#now();
    this.#startedAt = Number.isFinite(created) && created <= now && now - created < 86_400_000 ? created : now;
    this.#state = { syncId: sync.id, stage: sync.status, elapsedMs: 0 };
    this.status(sync);
  }

  get interactive(): boolean {
    return this.#interactive;
  }

  stage(event: StageEvent): void {
    this.#state = { ...this.#state, stage: event.stage };
    this.#render();
  }

  status(sync: Sync): void {
    this.#state = {
      ...this.#state,
      stage: sync.status,
      lifeCycleState: sync.databricks.lifeCycleState,
      resultState: sync.databricks.resultState,
      rowsLoaded: sync.load?.rowsLoaded,
    };
    this.#render();
  }

  /** Redraws the elapsed time (terminal only; call it every second or so). */
  tick(): void {
    if (this.#interactive) this.#render();
  }

  /** Clears the live line, so the summary starts on a clean line. */
  finish(): void {
    if (this.#interactive && this.#drawn) this.#sink.write('\r\x1b[2K');
    this.#drawn = false;
  }

  #render(): void {
    const state = { ...this.#state, elapsedMs: this.#now() - this.#startedAt };
    if (this.#interactive) {
      const frame = SPINNER[this.#frame++ % SPINNER.length] ?? '';
      const width = Math.max(20, (this.#sink.columns ?? 80) - 1);
      const line = `${frame} ${state.syncId} ${progressText(state)}`;
      this.#sink.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      this.#drawn = true;
      return;
    }
    const key = progressText({ ...state, elapsedMs: 0, rowsLoaded: undefined });
    if (key === this.#lastPlain) return;
    this.#lastPlain = key;
    const databricks = state.lifeCycleState
      ? ` (Databricks ${state.lifeCycleState}${state.resultState ? `/${state.resultState}` : ''})`
      : '';
    this.#sink.write(`[${formatClock(state.elapsedMs).padStart(5)}] ${state.stage}${databricks}\n`);
  }
}
