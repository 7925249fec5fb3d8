// PM2 process file. PM2 loads it with require(), so it stays CommonJS.
// Start: npm run build && npx pm2 start ecosystem.config.js --env production
const instances = process.env.INSTANCES || 1;

module.exports = {
  apps: [
    {
      name: 'asset-widget-cache',
      script: 'dist/src/main.js',
      instances,
      exec_mode: Number(instances) > 1 || instances === 'max' ? 'cluster' : 'fork',
      // main.ts sends 'ready' once it is listening; PM2 waits for it before routing traffic or moving on in a reload.
      wait_ready: true,
      listen_timeout: 60000,
      // Must exceed SHUTDOWN_GRACE_MS + SHUTDOWN_TIMEOUT_MS so an ordered shutdown is never cut short.
      kill_timeout: 20000,
      max_memory_restart: '1500M',
      merge_logs: true,
      time: false,
      env: {
        NODE_ENV: 'development',
      },
      env_production: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
      },
    },
  ],
};
