import { ConfigError } from '../../errors.js';
import { type D2sConfig, loadConfig } from '../load-config.js';

/** Where the config tests' d2s.yaml lives (D2S_CONFIG names it). */
export const CONFIG_PATH = '/etc/d2s/d2s.yaml';

/**
 * loadConfig over files held in memory, so a config test touches neither the disk nor process.env: `yaml` is
 * d2s.yaml, `files` any other path the config may read (a secret's _FILE); any other path is ENOENT.
 */
export function loadConfigFromFiles(
  yaml: string,
  options: { env?: Record<string, string>; files?: Record<string, string> } = {},
): D2sConfig {
  const files: Record<string, string> = { ...options.files, [CONFIG_PATH]: yaml };
  return loadConfig({
    env: { D2S_CONFIG: CONFIG_PATH, ...options.env },
    cwd: '/srv',
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
  });
}

/** The message of the ConfigError `fn` throws; anything else (or nothing) fails the test. */
export function configErrorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
