// The client's typed exceptions. Each carries what the server said (its OAuth2-style
// `error` code and `error_description`, or the text body NBIA's Java original sends), so a
// caller can show the server's own words and branch on the kind of failure.

/** Any failure of an NBIA request. */
export class NbiaError extends Error {
  override readonly name: string = 'NbiaError';
}

/** The server answered with an HTTP error status. */
export class NbiaHttpError extends NbiaError {
  override readonly name: string = 'NbiaHttpError';
  constructor(
    /** The HTTP status, e.g. 400. */
    readonly status: number,
    /** The server's error code (`invalid_request`, `invalid_token`, ...) when it sent one. */
    readonly code: string | undefined,
    /** The server's message (error_description, or its text body), or the status text. */
    readonly serverMessage: string,
    /** The URL asked, without its query string (which may hold UIDs or user input). */
    readonly url: string,
  ) {
    super(`${status}${code ? ` ${code}` : ''}: ${serverMessage} (${url})`);
  }
}

/** 400: the request was refused as bad input. */
export class NbiaBadRequestError extends NbiaHttpError {
  override readonly name: string = 'NbiaBadRequestError';
}

/** 401/403: the credentials or the token were refused (wrong password, revoked session...). */
export class NbiaAuthError extends NbiaHttpError {
  override readonly name: string = 'NbiaAuthError';
}

/** 404: no such thing, or one the account may not see (NBIA answers both alike). */
export class NbiaNotFoundError extends NbiaHttpError {
  override readonly name: string = 'NbiaNotFoundError';
}

/** The server could not be reached, or the connection broke. */
export class NbiaNetworkError extends NbiaError {
  override readonly name: string = 'NbiaNetworkError';
  constructor(message: string, readonly url: string, options?: { cause?: unknown }) {
    super(`${message} (${url})`, options);
  }
}

/** The server answered 200 with a body this client cannot read as the endpoint's answer. */
export class NbiaResponseError extends NbiaError {
  override readonly name: string = 'NbiaResponseError';
}

/** The error class for an HTTP status. */
export function httpError(status: number, code: string | undefined, message: string, url: string): NbiaHttpError {
  if (status === 400) return new NbiaBadRequestError(status, code, message, url);
  if (status === 401 || status === 403) return new NbiaAuthError(status, code, message, url);
  if (status === 404) return new NbiaNotFoundError(status, code, message, url);
  return new NbiaHttpError(status, code, message, url);
}
