/**
 * Pure builders for AdmissionReview answers, after controller-runtime pkg/webhook/admission
 * (response.go): allowed, denied, errored, each with optional warnings and audit annotations.
 *
 * "Denied" (policy decided no: 403 Forbidden) is never confused with "errored" (pullguard could not
 * decide, or the request itself was malformed: 4xx/5xx). The request uid is echoed on every path; an
 * answer without it is rejected by the API server.
 */
export interface Status {
  readonly code: number;
  readonly reason?: string;
  readonly message: string;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: Status;
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

export interface AdmissionReviewResponse {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

export interface Extras {
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

function review(response: AdmissionResponse, extras: Extras): AdmissionReviewResponse {
  const r: { -readonly [K in keyof AdmissionResponse]: AdmissionResponse[K] } = { ...response };
  if (extras.warnings && extras.warnings.length > 0) r.warnings = extras.warnings;
  if (extras.auditAnnotations && Object.keys(extras.auditAnnotations).length > 0) r.auditAnnotations = extras.auditAnnotations;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: r };
}

export function allowed(uid: string, extras: Extras = {}): AdmissionReviewResponse {
  return review({ uid, allowed: true }, extras);
}

export function denied(uid: string, message: string, extras: Extras = {}): AdmissionReviewResponse {
  return review({ uid, allowed: false, status: { code: 403, reason: 'Forbidden', message } }, extras);
}

/** pullguard could not answer: a malformed request (400) or an internal failure (500). */
export function errored(uid: string, code: number, message: string, extras: Extras = {}): AdmissionReviewResponse {
  return review({ uid, allowed: false, status: { code, message } }, extras);
}
