/**
 * Every error the API can answer, one row each: the stable `code` clients may branch on, its HTTP status,
 * and the default message. Handlers throw `AppError`s; the error middleware renders
 * `{ error, code, ...details }` and nothing else.
 */
export const ERROR_CODES = {
  BAD_JSON: { status: 400, message: 'Request body is not valid JSON' },
  VALIDATION_FAILED: { status: 400, message: 'Request validation failed' },
  UNAUTHENTICATED: { status: 401, message: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, message: 'Email or password is incorrect' },
  FORBIDDEN: { status: 403, message: 'You do not have permission to do this' },
  CSRF_REJECTED: { status: 403, message: 'Cross-site request refused: a change made with the session cookie must come from this site' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  ASSET_NOT_FOUND: { status: 404, message: 'Asset not found' },
  TICKET_NOT_FOUND: { status: 404, message: 'Ticket not found' },
  CONTACT_NOT_FOUND: { status: 404, message: 'Contact not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  PRECONDITION_FAILED: { status: 412, message: 'The asset changed since you read it (If-Match does not match its current version)' },
  PRECONDITION_REQUIRED: { status: 428, message: 'This write needs an If-Match header with the version you read (REQUIRE_IF_MATCH)' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Request body must be application/json' },
  RATE_LIMITED: { status: 429, message: 'Too many failed sign-in attempts; try again later' },
  INTERNAL: { status: 500, message: 'Internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service temporarily unavailable' },
  STREAM_LIMIT: { status: 503, message: 'This instance has as many live widget streams open as it allows; retry (another instance may have room)' },
  CACHE_UNAVAILABLE: { status: 503, message: 'The asset cache is not available right now' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A field-level problem, named so that a form can show it next to the field. */
export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  /** Whether `message` may be shown to the client; unexpected errors never are. */
  readonly expose: boolean;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: { fields?: FieldError[]; retryAfterSeconds?: number; currentVersion?: string },
  ) {
    const row = ERROR_CODES[code];
    super(message ?? row.message);
    this.name = 'AppError';
    this.status = row.status;
    this.expose = row.status !== 500;
  }

  /**
   * The same error as RFC 9457 problem details, for clients that ask for `application/problem+json`: the
   * standard members, plus our stable `code` (and `fields`, `current_version`) as extension members.
   */
  toProblem(): Record<string, unknown> {
    const { error, ...rest } = this.toBody();
    return { type: `urn:asset-widget-cache:error:${this.code}`, title: ERROR_CODES[this.code].message, status: this.status, detail: error, ...rest };
  }

  /** The response body: the documented shape, with field errors when there are some. */
  toBody(): Record<string, unknown> {
    return {
      error: this.message,
      code: this.code,
      ...(this.details?.fields ? { fields: this.details.fields } : {}),
      ...(this.details?.currentVersion ? { current_version: this.details.currentVersion } : {}),
    };
  }
}

/** A 400 naming the fields at fault, with a message that lists them for humans reading raw JSON. */
export function validationError(fields: FieldError[]): AppError {
  const names = [...new Set(fields.map((f) => f.field))].join(', ');
  return new AppError('VALIDATION_FAILED', `Invalid or missing fields: ${names}`, { fields });
}
