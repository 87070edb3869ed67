import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { configuredSnowflakeDriver, configureSnowflakeDriver, DRIVER_ENVIRONMENT } from './driver.js';

describe('configureSnowflakeDriver', () => {
  it('is required before a client can get the driver', () => {
    expect(() => configuredSnowflakeDriver()).toThrow(ConfigError);
  });

  it('sets the environment switches before loading the driver, keeping explicit values', async () => {
    process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '0';
    const driver = await configureSnowflakeDriver({ logLevel: 'OFF' }).catch((error: Error) => {
      throw new Error(
        `snowflake-sdk cannot be loaded in this test process (${error.message}). Vitest passes resolve.conditions to Node as --conditions; 'import' and 'module' there make require() pick the ESM builds of the driver's AWS SDK dependencies.`,
      );
    });
    expect(process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION).toBe(
      DRIVER_ENVIRONMENT.SNOWFLAKE_DISABLE_PLATFORM_DETECTION,
    );
    expect(process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE).toBe('0');
    expect(typeof driver.createConnection).toBe('function');
    expect(configuredSnowflakeDriver()).toBe(driver);
    expect(await configureSnowflakeDriver()).toBe(driver);
  });
});
