/**
 * Errors with a stable `code` and an HTTP status. The error middleware turns them into
 * `{"error": message, "code": code}`; any other error becomes a 500 whose details stay in the log.
 */
export class AppError extends Error {
  override readonly name: string = "AppError";
  readonly code: string;
  readonly status: number;

  constructor(status: number, code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}

export class ValidationError extends AppError {
  override readonly name = "ValidationError";
  constructor(message: string, code = "validation_failed") {
    super(400, code, message);
  }
}

export class NotFoundError extends AppError {
  override readonly name = "NotFoundError";
  constructor(message = "Not found", code = "not_found") {
    super(404, code, message);
  }
}

export class UpstreamError extends AppError {
  override readonly name = "UpstreamError";
  constructor(
    status: 502 | 503 | 504,
    message: string,
    code = "upstream_unavailable",
    options?: ErrorOptions,
  ) {
    super(status, code, message, options);
  }
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * An error as one line of text, for where text is stored or returned (a column, a reason attribute). Logs
 * take the error itself as `{ err }`: pino's serializer keeps its type, message and stack.
 */
export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
