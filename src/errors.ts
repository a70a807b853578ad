// Every error a user can meet, with a stable code and the HTTP status it maps to, in one
// place (the Fastify lib/errors.js habit). Code raises ApiError; the server's error
// handler turns it into `{"error": code, "error_description": message}` with the status.

export const ERROR_STATUS = {
  invalid_request: 400, // missing or malformed parameter
  unsupported_grant_type: 400,
  invalid_grant: 401, // bad credentials or refresh token
  invalid_client: 401,
  invalid_token: 401, // missing, unknown, expired or revoked bearer token
  not_found: 404, // unknown path, or a resource that does not exist for this viewer
  method_not_allowed: 405,
  not_acceptable: 406, // no representation the Accept header allows (DICOMweb transfer syntaxes)
  range_not_satisfiable: 416,
  unsupported_media_type: 415, // a stored image this server cannot decode or render
  conflict: 409,
  too_many_requests: 429,
  server_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.headers = headers;
  }
}

export const badRequest = (message: string) => new ApiError('invalid_request', message);
export const notFound = (message: string) => new ApiError('not_found', message);

/** An error meant for the command line: printed as is, and the process exits non-zero. */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}
