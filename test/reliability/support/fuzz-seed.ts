/**
 * The fuzzers' seed: a new one each run, so every run explores new inputs,
 * printed so a failure can be replayed with D2S_FUZZ_SEED=<seed>. fast-check
 * also prints the seed and path of a counterexample when a property fails.
 */
export function fuzzSeed(suite: string, env: NodeJS.ProcessEnv = process.env): number {
  const given = env.D2S_FUZZ_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`D2S_FUZZ_SEED must be an integer, got ${given}`);
  console.log(`${suite} fuzz seed: ${seed} (replay with D2S_FUZZ_SEED=${seed})`);
  return seed;
}

/** A run count from the environment (D2S_FUZZ_RUNS and friends), or the default. */
export function fuzzRuns(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return runs;
}
