import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createRedisConnection,
  type RedisClient,
  type RedisProfile,
  type RedisSettings,
  waitForRedis,
} from '@d2s/shared';
import { Cluster, Redis } from 'ioredis';
import { freePort, redisAnswers, waitFor } from './local-services.js';

const run = promisify(execFile);

/**
 * Tests pass Redis around as one string. A local Cluster is written
 * `redis-cluster://host:port,host:port,…` (a form only the test kit reads:
 * services get it as REDIS_CLUSTER_NODES, as a user would configure them).
 */
const CLUSTER_SCHEME = 'redis-cluster://';

export function isClusterUrl(redisUrl: string): boolean {
  return redisUrl.startsWith(CLUSTER_SCHEME);
}

/** The config-shaped settings for a test Redis string. */
export function testRedisSettings(redisUrl: string): RedisSettings {
  if (!isClusterUrl(redisUrl)) return { url: redisUrl };
  return { url: 'redis://127.0.0.1:6379', cluster: { nodes: redisUrl.slice(CLUSTER_SCHEME.length).split(',') } };
}

/** A connection to the test Redis, one server or the Cluster. */
export function connectTestRedis(redisUrl: string, profile: RedisProfile = 'worker', name?: string): RedisClient {
  return createRedisConnection(testRedisSettings(redisUrl), profile, name);
}

/** The environment a spawned service needs to reach the test Redis. */
export function testRedisEnv(redisUrl: string): Record<string, string> {
  const settings = testRedisSettings(redisUrl);
  return settings.cluster
    ? { REDIS_URL: settings.url, REDIS_CLUSTER_NODES: settings.cluster.nodes.join(',') }
    : { REDIS_URL: redisUrl };
}

export interface TestRedisCluster {
  /** `redis-cluster://…`, for everything that takes a test Redis string. */
  url: string;
  nodes: string[];
  /**
   * SIGKILLs the primary that owns `key`'s slot and waits until its replica has taken over; `onKilled` runs
   * right after the kill, while the failover is still to come.
   */
  killPrimaryOf(key: string, options?: { onKilled?: () => void }): Promise<{ killed: string; promoted: string }>;
  stop(): Promise<void>;
}

interface NodeProcess {
  address: string;
  port: number;
  child: ChildProcess;
}

/**
 * A real local Redis Cluster: `primaries` primaries with `replicas` replicas
 * each (redis-server --cluster-enabled yes, joined by redis-cli --cluster
 * create), noeviction, a short node timeout so a failover takes seconds.
 */
export async function startRedisCluster(
  options: { primaries?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<TestRedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicas ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'd2s-redis-cluster-'));
  const nodes: NodeProcess[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((node) => stopNode(node.child)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < primaries * (1 + replicas); i++) {
      const port = await freePort();
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          String(options.nodeTimeoutMs ?? 2_000),
          // A replica may take over however long its link was quiet: on a loaded test machine replication pings can
          // lag past node-timeout × 10, and a stricter replica would refuse to be promoted.
          '--cluster-replica-validity-factor',
          '0',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
        ],
        { stdio: 'ignore' },
      );
      nodes.push({ address: `127.0.0.1:${port}`, port, child });
    }
    for (const node of nodes) await waitFor(`redis-server ${node.address}`, () => redisAnswers(url(node)), 10_000);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => n.address),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    for (const node of nodes) await waitFor(`cluster state ok on ${node.address}`, () => clusterOk(node), 30_000);
    // cluster_state:ok comes before gossip has settled: a node can still list a peer in handshake or a slot range
    // without its replica, and a client that reads that slot table first kept re-reading it for over 10 s.
    for (const node of nodes)
      await waitFor(
        `cluster gossip settled on ${node.address}`,
        () => clusterSettled(node, nodes.length, replicas),
        30_000,
      );
  } catch (error) {
    await stopAll();
    throw new Error(
      `Cannot start a local Redis Cluster (needs redis-server and redis-cli ≥ 5): ${(error as Error).message}`,
      { cause: error },
    );
  }

  const addresses = nodes.map((n) => n.address);
  return {
    url: `${CLUSTER_SCHEME}${addresses.join(',')}`,
    nodes: addresses,
    async killPrimaryOf(key, options = {}) {
      const live = nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
      const probe = new Cluster(
        live.map((n) => ({ host: '127.0.0.1', port: n.port })),
        { enableReadyCheck: true },
      );
      try {
        await waitForRedis(probe);
        const slot = Number(await probe.cluster('KEYSLOT', key));
        const owner = await ownerOf(probe, slot);
        const victim = nodes.find((n) => n.address === owner);
        if (!victim) throw new Error(`no local node owns slot ${slot} (owner ${owner})`);
        victim.child.kill('SIGKILL');
        options.onKilled?.();
        let promoted = '';
        const others = live.filter((n) => n !== victim);
        const diagnose = async () =>
          (await withNode(others[0] as NodeProcess, async (r) => String(await r.cluster('NODES'))).catch(
            (e: unknown) => `cannot ask: ${(e as Error).message}`,
          )) as string;
        await waitFor(
          `a replica to take over slot ${slot} from ${owner}`,
          async () => {
            for (const node of others) {
              const now = await withNode(node, (r) => ownerOfSlotFrom(r, slot)).catch(() => undefined);
              if (now && now !== owner && (await clusterOk(node))) {
                promoted = now;
                return true;
              }
            }
            return false;
          },
          120_000,
          diagnose,
        );
        return { killed: owner, promoted };
      } finally {
        probe.disconnect();
      }
    },
    stop: stopAll,
  };
}

function url(node: NodeProcess): string {
  return `redis://${node.address}`;
}

async function withNode<T>(node: NodeProcess, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url(node), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

async function clusterOk(node: NodeProcess): Promise<boolean> {
  return withNode(node, async (redis) => /cluster_state:ok/.test(String(await redis.cluster('INFO')))).catch(
    () => false,
  );
}

/** Every node known and connected (no handshake, no missing address), and every slot range served with its replica. */
async function clusterSettled(node: NodeProcess, total: number, replicas: number): Promise<boolean> {
  return withNode(node, async (redis) => {
    const lines = String(await redis.cluster('NODES'))
      .trim()
      .split('\n');
    if (lines.length !== total) return false;
    for (const line of lines) {
      const [, address = '', flags = '', , , , , linkState] = line.split(' ');
      if (!/:\d+/.test(address) || /handshake|noaddr|fail/.test(flags) || linkState !== 'connected') return false;
    }
    const ranges = (await redis.cluster('SLOTS')) as unknown[][];
    return ranges.length > 0 && ranges.every((range) => range.length - 2 === 1 + replicas);
  }).catch(() => false);
}

async function ownerOfSlotFrom(redis: Redis | Cluster, slot: number): Promise<string | undefined> {
  const ranges = await redis.cluster('SLOTS');
  const primary = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
  return primary ? `${primary[0]}:${primary[1]}` : undefined;
}

async function ownerOf(redis: Cluster, slot: number): Promise<string> {
  const owner = await ownerOfSlotFrom(redis, slot);
  if (!owner) throw new Error(`no node owns slot ${slot}`);
  return owner;
}

function stopNode(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
