// Runs the real snowflake-sdk driver in a worker thread with Node's default
// module conditions (the test runner's `import`/`module` conditions would make
// `require` pick the driver's dependencies' ESM builds). The test side talks to
// it through driver.ts.
const { parentPort, workerData } = require('node:worker_threads');

process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1';
process.env.SNOWFLAKE_DISABLE_MINICORE = '1';
const snowflake = require(workerData.driverPath);
snowflake.configure({ logLevel: 'OFF', useEnvProxy: false });

const connections = new Map();
let nextId = 1;

function serializeError(err) {
  return { name: err.name, code: err.code, sqlState: err.sqlState, message: err.message, data: err.data };
}

function plainState(state) {
  if (!state) return undefined;
  const out = {};
  for (const key of Object.keys(state)) {
    const value = state[key];
    if (typeof value === 'function' && key.startsWith('get'))
      out[key.slice(3, 4).toLowerCase() + key.slice(4)] = value.call(state);
    else if (typeof value !== 'function') out[key] = value;
  }
  return out;
}

const ops = {
  connect(options) {
    const connection = snowflake.createConnection({ sfRetryMaxLoginRetries: 1, ...options });
    return new Promise((resolve, reject) =>
      connection.connect((err) => {
        if (err) return reject(err);
        const id = nextId++;
        connections.set(id, connection);
        resolve(id);
      }),
    );
  },
  execute(id, options) {
    const connection = connections.get(id);
    return new Promise((resolve, reject) =>
      connection.execute({
        ...options,
        complete: (err, statement, rows) => {
          if (err) return reject(Object.assign(err, { queryId: statement?.getQueryId?.() }));
          const attempt = (fn, fallback) => {
            try {
              return fn();
            } catch {
              return fallback;
            }
          };
          resolve({
            rows,
            queryId: statement.getQueryId(),
            numUpdatedRows: attempt(() => statement.getNumUpdatedRows(), undefined),
            columns: attempt(
              () =>
                (statement.getColumns() || []).map((c) => ({
                  name: c.getName(),
                  type: c.getType(),
                  scale: c.getScale(),
                  precision: c.getPrecision(),
                  nullable: c.isNullable(),
                })),
              [],
            ),
            sessionState: attempt(() => plainState(statement.getSessionState()), undefined),
          });
        },
      }),
    );
  },
  // A multi-statement request, walked the way the driver documents it:
  // complete() fires per statement; hasNext() / NextResult() move on.
  executeMulti(id, options) {
    const connection = connections.get(id);
    const results = [];
    return new Promise((resolve, reject) =>
      connection.execute({
        ...options,
        complete: (err, statement, rows) => {
          if (err) return reject(Object.assign(err, { queryId: statement?.getQueryId?.(), results }));
          results.push({ queryId: statement.getQueryId(), sqlText: statement.getSqlText(), rows });
          if (statement.hasNext()) statement.NextResult();
          else resolve(results);
        },
      }),
    );
  },
  async isValid(id) {
    return connections.get(id).isValidAsync();
  },
  async queryStatus(id, queryId) {
    return connections.get(id).getQueryStatus(queryId);
  },
  async resultsFromQueryId(id, queryId) {
    const statement = await connections.get(id).getResultsFromQueryId({ queryId });
    return new Promise((resolve, reject) => {
      const rows = [];
      statement
        .streamRows()
        .on('data', (row) => rows.push(row))
        .on('end', () => resolve(rows))
        .on('error', reject);
    });
  },
  destroy(id) {
    const connection = connections.get(id);
    connections.delete(id);
    return new Promise((resolve) => connection.destroy(() => resolve(true)));
  },
};

parentPort.on('message', async ({ callId, op, args }) => {
  try {
    const value = await ops[op](...args);
    try {
      parentPort.postMessage({ callId, ok: true, value });
    } catch (cloneError) {
      parentPort.postMessage({ callId, ok: false, error: serializeError(cloneError) });
    }
  } catch (err) {
    parentPort.postMessage({ callId, ok: false, error: serializeError(err) });
  }
});
