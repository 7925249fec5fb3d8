import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Config } from '../config';
import type { AppState } from '../http/context';
import type { Logger } from '../logger';

/** Serves the app on HOST:PORT; once `shuttingDown()` turns true every answer says `Connection: close`. */
export async function listen(
  app: Koa<AppState>,
  config: Config,
  shuttingDown: () => boolean,
  logger: Logger,
): Promise<{ server: http.Server; url: string }> {
  const handler = app.callback();
  const server = http.createServer(
    // Node checks request and header deadlines on this interval (30 s by default), which would double them.
    { requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS, headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      if (shuttingDown()) res.setHeader('Connection', 'close');
      void handler(req, res);
    },
  );
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ event: 'http.listen', url }, 'listening');
  return { server, url };
}

/**
 * Keeps serving for a moment, answering with `Connection: close`, so keep-alive clients reconnect (to a
 * sibling instance) instead of finding their socket closed under a request they just sent. The grace
 * outlasts the 5 s keep-alive timeout: a socket idle all that time has been dropped by its client.
 * The embedded quick start is one process with no sibling to move to, so it stops at once. Then stops
 * listening, and cuts what is still open after SHUTDOWN_TIMEOUT_MS.
 */
export async function closeServer(server: http.Server, config: Config, embedded: boolean): Promise<void> {
  await new Promise((r) => setTimeout(r, embedded ? 0 : config.SHUTDOWN_GRACE_MS));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const timer = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
  await closed;
  clearTimeout(timer);
}
