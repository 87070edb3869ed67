/** The results: bench/results/latest.json (everything) and latest.md (the table people read). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One comparison: a d2s figure, the baseline measured in the same run, and d2s ÷ baseline. */
export interface Figure {
  metric: string;
  unit: string;
  d2s: number;
  baseline: number;
  /** d2s ÷ baseline. */
  ratio: number;
  /** Which direction is good for d2s. */
  better: 'lower' | 'higher';
}

export interface BenchmarkResult {
  id: string;
  title: string;
  status: 'measured' | 'not measured';
  /** Why it was not measured. */
  reason?: string;
  /** What the baseline is. */
  baseline: string;
  figures: Figure[];
  /** Settings that shape the figures (poll settings, rate limits, N, durations). */
  settings: Record<string, unknown>;
  /** The raw measurements behind the figures. */
  raw: Record<string, unknown>;
  notes: string[];
  elapsedMs: number;
}

export interface Machine {
  node: string;
  platform: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  totalMemoryGiB: number;
  loadAverageAtStart: number[];
  redis: string;
}

export interface Report {
  generatedAt: string;
  commit: string;
  machine: Machine;
  command: string;
  elapsedMs: number;
  benchmarks: BenchmarkResult[];
}

export async function writeReport(dir: string, report: Report): Promise<{ json: string; md: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, 'latest.json');
  const md = join(dir, 'latest.md');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(md, renderMarkdown(report));
  return { json, md };
}

const fmt = (n: number): string =>
  !Number.isFinite(n) ? 'n/a' : Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : String(n);

/** The table alone (what the README's Performance section shows). */
export function renderTable(report: Report): string {
  const lines = [
    '| Benchmark | Metric | d2s | Baseline | d2s ÷ baseline | Better |',
    '| --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const bench of report.benchmarks) {
    if (bench.status !== 'measured') {
      lines.push(`| ${bench.title} | not measured: ${bench.reason ?? 'unknown'} | | | | |`);
      continue;
    }
    for (const f of bench.figures) {
      lines.push(
        `| ${bench.title} | ${f.metric} (${f.unit}) | ${fmt(f.d2s)} | ${fmt(f.baseline)} | ${fmt(f.ratio)}× | ${f.better} |`,
      );
    }
  }
  return lines.join('\n');
}

export function renderMarkdown(report: Report): string {
  const m = report.machine;
  const out = [
    '# d2s benchmarks: latest run',
    '',
    `Generated ${report.generatedAt} at commit \`${report.commit}\` by \`${report.command}\` in ${(report.elapsedMs / 1000).toFixed(0)} s.`,
    `Machine: Node ${m.node}, ${m.platform}/${m.arch}, ${m.cpus} cores (${m.cpuModel}), ${m.totalMemoryGiB} GiB, ` +
      `load average at start ${m.loadAverageAtStart.join(' / ')}; Redis: ${m.redis}.`,
    '',
    'Every ratio is d2s ÷ a baseline measured in the same run on the same machine, so noise from other',
    'work on the machine largely cancels out; the absolute numbers vary from run to run.',
    '',
    renderTable(report),
    '',
  ];
  for (const bench of report.benchmarks) {
    out.push(`## ${bench.title}`, '');
    if (bench.status !== 'measured') {
      out.push(`Not measured: ${bench.reason ?? 'unknown'}`, '');
      continue;
    }
    out.push(`Baseline: ${bench.baseline}`, '');
    const settings = Object.entries(bench.settings).map(([k, v]) => `\`${k}\` = ${JSON.stringify(v)}`);
    if (settings.length > 0) out.push(`Settings: ${settings.join(', ')}.`, '');
    for (const note of bench.notes) out.push(`- ${note}`);
    if (bench.notes.length > 0) out.push('');
    out.push(`Took ${(bench.elapsedMs / 1000).toFixed(1)} s. Raw numbers: \`latest.json\`.`, '');
  }
  return `${out.join('\n')}\n`;
}

export function figure(
  metric: string,
  unit: string,
  d2s: number,
  baseline: number,
  better: 'lower' | 'higher',
  round: (n: number) => number,
): Figure {
  const ratio = baseline === 0 || !Number.isFinite(baseline) ? Number.NaN : round(d2s / baseline);
  return { metric, unit, d2s: round(d2s), baseline: round(baseline), ratio, better };
}
