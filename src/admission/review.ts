/**
 * The incoming AdmissionReview (admission.k8s.io/v1), validated with ajv. Pure.
 *
 * Only the fields pullguard reads are constrained; everything else the API server sends (userInfo,
 * options, resource, …) passes through untouched. Source: k8s.io/api/admission/v1/types.go.
 */
import { Ajv } from 'ajv';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: Operation;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
}

export interface AdmissionReview {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly request: AdmissionRequest;
}

export const ADMISSION_REVIEW_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'request'],
  properties: {
    apiVersion: { const: 'admission.k8s.io/v1' },
    kind: { const: 'AdmissionReview' },
    request: {
      type: 'object',
      required: ['uid', 'kind', 'operation'],
      properties: {
        uid: { type: 'string', minLength: 1 },
        kind: {
          type: 'object',
          required: ['group', 'version', 'kind'],
          properties: { group: { type: 'string' }, version: { type: 'string' }, kind: { type: 'string', minLength: 1 } },
        },
        subResource: { type: 'string' },
        name: { type: 'string' },
        namespace: { type: 'string' },
        operation: { enum: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] },
        dryRun: { type: 'boolean' },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validateReview = ajv.compile(ADMISSION_REVIEW_SCHEMA);

export type ReviewParse =
  | { readonly ok: true; readonly review: AdmissionReview }
  /** `uid` is the request's uid when one could be read, so even a rejection can be echoed. */
  | { readonly ok: false; readonly uid: string; readonly problems: readonly string[] };

/** The request uid of anything that looks like a review, or ''. */
export function uidOf(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const request = (body as Record<string, unknown>)['request'];
  if (typeof request !== 'object' || request === null) return '';
  const uid = (request as Record<string, unknown>)['uid'];
  return typeof uid === 'string' ? uid : '';
}

/** Validate a parsed JSON body as an AdmissionReview v1. */
export function parseReview(body: unknown): ReviewParse {
  if (validateReview(body)) return { ok: true, review: body as unknown as AdmissionReview };
  const problems = (validateReview.errors ?? []).map((e) => {
    const at = e.instancePath === '' ? 'the body' : e.instancePath.slice(1).replaceAll('/', '.');
    if (e.keyword === 'required') return `${at}: missing "${String(e.params['missingProperty'])}"`;
    if (e.keyword === 'const') return `${at}: must be ${JSON.stringify(e.params['allowedValue'])}`;
    if (e.keyword === 'enum') return `${at}: must be one of ${(e.params['allowedValues'] as unknown[]).join(', ')}`;
    return `${at}: ${e.message ?? 'is invalid'}`;
  });
  return { ok: false, uid: uidOf(body), problems };
}
