import pino, { type Logger } from 'pino';

/**
 * The root logger. Secrets never reach a log line: credentials are redacted wherever they appear in a
 * logged request, and the data layer logs statement text and timing only, never parameters.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          'password',
          'token',
          '*.password',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export type { Logger };

/**
 * The loggable part of an error. node-postgres attaches the whole client (connection parameters, password
 * included) to some errors, so errors from the database layer are logged through this, never as they are.
 */
export function safeError(err: unknown): { type: string; message: string; code?: string } {
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  return {
    type: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}
