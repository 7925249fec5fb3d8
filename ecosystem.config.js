// PM2 process file. PM2 loads it with require(), so it stays CommonJS.
// Start: npm run build && npx pm2 start ecosystem.config.js --env production
//
// Cluster mode, 2 instances by default: `pm2 reload` replaces one instance at a time while the other serves, so
// a reload drops no request. INSTANCES=N (or `max`, one per core; each instance holds a full cache) changes the
// count; INSTANCES=1 runs a single process, which a reload restarts: not zero-downtime.
const fs = require('node:fs');
const path = require('node:path');
const { parseEnv } = require('node:util');

// The service reads .env itself (src/env-file.ts); PM2 reads this file before any instance runs, so the two
// variables it needs here come from the same place, with the same rule: the real environment wins.
function readDotEnv() {
  try {
    return parseEnv(fs.readFileSync(path.join(__dirname, '.env'), 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return {};
    throw err;
  }
}
const dotEnv = readDotEnv();
const setting = (name) => (process.env[name] !== undefined ? process.env[name] : dotEnv[name]) || undefined;

const instancesText = setting('INSTANCES') || '2';
if (!/^(max|[1-9]\d*)$/.test(instancesText)) {
  throw new Error(`ecosystem.config.js: INSTANCES must be a whole number from 1, or max; got "${instancesText}"`);
}
if (!setting('DATABASE_URL')) {
  // Every instance must share one PostgreSQL server; the embedded one belongs to a single `npm start`.
  throw new Error(
    'ecosystem.config.js: set DATABASE_URL (in the environment or .env) to your PostgreSQL server; ' +
      'the embedded database is for npm start on a developer machine, not for PM2',
  );
}

module.exports = {
  apps: [
    {
      name: 'asset-widget-cache',
      script: 'dist/src/main.js',
      cwd: __dirname,
      instances: instancesText === 'max' ? 'max' : Number(instancesText),
      // Cluster mode even for one instance: the PM2 daemon holds the port, instances share it.
      exec_mode: 'cluster',
      // main.ts sends 'ready' once it is listening; PM2 waits for it before routing traffic or moving on in a reload.
      wait_ready: true,
      listen_timeout: 60000,
      // Must exceed SHUTDOWN_GRACE_MS + SHUTDOWN_TIMEOUT_MS so an ordered shutdown is never cut short.
      kill_timeout: 20000,
      // Peak RSS per instance is during a refresh (old and new snapshot held): ~0.65 GB at 1M active assets,
      // 4.77 GB at 8.8M. 1500M fits up to ~2M; at 10M assets set at least '6G' (README, Running under PM2).
      max_memory_restart: '1500M',
      merge_logs: true,
      time: false,
      // No NODE_ENV here: without --env the service's own default (development) or .env decides.
      env_production: {
        NODE_ENV: 'production',
      },
    },
  ],
};
