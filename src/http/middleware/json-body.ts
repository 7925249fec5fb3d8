import type { IncomingMessage } from 'node:http';
import { AppError } from '../../errors';
import type { AppContext, AppMiddleware } from '../context';

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;

function tooLarge(ctx: AppContext, limitBytes: number): AppError {
  // The rest of the body is not read: the connection closes once the 413 is sent, so the client stops sending.
  ctx.set('Connection', 'close');
  return new AppError('PAYLOAD_TOO_LARGE', `Request body exceeds ${limitBytes} bytes`);
}

/**
 * Collects the body until it ends or passes the limit. Events, not `for await`: leaving an async iterator
 * early destroys the request and its socket, and the 413 could then never be sent.
 */
function readBody(ctx: AppContext, req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) return void chunks.push(chunk);
      done();
      reject(tooLarge(ctx, limitBytes));
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Reads a JSON request body up to `limitBytes` into `ctx.state.body`. Oversized bodies are refused from the
 * Content-Length header when it is present, and otherwise (chunked) as soon as the stream passes the limit,
 * so a huge body is never buffered whole.
 */
export function jsonBody(limitBytes: number): AppMiddleware {
  return async (ctx, next) => {
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > limitBytes) throw tooLarge(ctx, limitBytes);
    const contentType = ctx.get('content-type');
    if (!JSON_TYPE.test(contentType)) {
      if (declared === 0 && !ctx.get('transfer-encoding')) {
        ctx.state.body = undefined;
        return next();
      }
      throw new AppError('UNSUPPORTED_MEDIA_TYPE');
    }
    const text = (await readBody(ctx, ctx.req, limitBytes)).toString('utf8');
    try {
      ctx.state.body = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      throw new AppError('BAD_JSON');
    }
    return next();
  };
}
