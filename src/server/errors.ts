/**
 * HTTP-level errors of the webhook, as a table of stable codes. These answer requests that are not a
 * usable AdmissionReview at all (no uid to echo). A review that carries a uid is always answered with an
 * AdmissionReview instead, even when it is invalid (see src/admission/response.ts `errored`).
 *
 * Body shape (Fastify's): {"statusCode": 400, "code": "REVIEW_NOT_JSON", "error": "Bad Request", "message": "..."}
 */
export const HTTP_ERRORS = {
  REVIEW_NOT_JSON: { statusCode: 400, error: 'Bad Request' },
  REVIEW_INVALID: { statusCode: 400, error: 'Bad Request' },
  NOT_FOUND: { statusCode: 404, error: 'Not Found' },
  METHOD_NOT_ALLOWED: { statusCode: 405, error: 'Method Not Allowed' },
  BODY_TOO_LARGE: { statusCode: 413, error: 'Payload Too Large' },
  UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, error: 'Unsupported Media Type' },
  INTERNAL: { statusCode: 500, error: 'Internal Server Error' },
  OVERLOADED: { statusCode: 503, error: 'Service Unavailable' },
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

export interface HttpErrorBody {
  readonly statusCode: number;
  readonly code: HttpErrorCode;
  readonly error: string;
  readonly message: string;
}

export function httpError(code: HttpErrorCode, message: string): HttpErrorBody {
  const { statusCode, error } = HTTP_ERRORS[code];
  return { statusCode, code, error, message };
}

/** Map Fastify's own error codes to ours, so every answer comes from the table above. */
export function fromFastifyError(err: { code?: string; statusCode?: number; message: string }): HttpErrorBody {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return httpError('REVIEW_NOT_JSON', `the body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return httpError('BODY_TOO_LARGE', err.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return httpError('UNSUPPORTED_MEDIA_TYPE', 'send the AdmissionReview as Content-Type: application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return httpError('REVIEW_INVALID', 'the body is shorter or longer than its Content-Length');
    default:
      if (err.statusCode === 400) return httpError('REVIEW_INVALID', err.message);
      return httpError('INTERNAL', 'internal error');
  }
}
