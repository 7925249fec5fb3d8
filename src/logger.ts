import pino, { type Logger } from 'pino';

/**
 * The root logger. Secrets never reach a log line: credentials are redacted wherever they appear in a
 * logged request, errors are logged by name, message, code and stack only, and the data layer logs statement
 * text and timing only, never parameters.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every `{ err }` goes through this, not pino's standard serializer, which copies all of an error's
      // properties: a pg error's `detail` and `where` can quote row values, and some carry the client itself.
      serializers: { err: serializeError },
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

/** `safeError` plus the stack: what a logged error may show. */
function serializeError(err: unknown): ReturnType<typeof safeError> & { stack?: string } {
  const stack = (err as { stack?: unknown })?.stack;
  return { ...safeError(err), ...(typeof stack === 'string' ? { stack } : {}) };
}
