import { AppError } from '../../errors';
import type { AppMiddleware } from '../context';

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;

/**
 * Reads a JSON request body up to `limitBytes` into `ctx.state.body`. Oversized bodies are refused from the
 * Content-Length header when it is present, and otherwise as soon as the stream passes the limit, so a
 * huge body is never buffered whole.
 */
export function jsonBody(limitBytes: number): AppMiddleware {
  return async (ctx, next) => {
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > limitBytes) throw new AppError('PAYLOAD_TOO_LARGE', `Request body exceeds ${limitBytes} bytes`);
    const contentType = ctx.get('content-type');
    if (!JSON_TYPE.test(contentType)) {
      if (declared === 0 && !ctx.get('transfer-encoding')) {
        ctx.state.body = undefined;
        return next();
      }
      throw new AppError('UNSUPPORTED_MEDIA_TYPE');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) {
        ctx.req.resume();
        throw new AppError('PAYLOAD_TOO_LARGE', `Request body exceeds ${limitBytes} bytes`);
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      ctx.state.body = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      throw new AppError('BAD_JSON');
    }
    return next();
  };
}

/** Parses sizes written like `1mb`, `512kb` or `1000b` (BODY_LIMIT). */
export function parseByteSize(text: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(text);
  if (!match) throw new Error(`not a byte size: ${text}`);
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[match[2]!.toLowerCase() as 'b' | 'kb' | 'mb'];
  return Number(match[1]) * unit;
}
