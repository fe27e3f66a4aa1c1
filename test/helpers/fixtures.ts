/** The real AdmissionReview bodies recorded from kube-apiserver v1.20.2, in ../shared (read-only). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED_FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/admission/', import.meta.url));

export const FIXTURE_NAMES = [
  'pod-create-good-pod.json',
  'pod-create-good-pod-dryrun.json',
  'pod-create-via-run.json',
  'deployment-create-good-deploy.json',
] as const;

export type Review = {
  apiVersion: string;
  kind: string;
  request: { uid: string; operation: string; object: any; oldObject?: any; [k: string]: unknown };
};

export function loadFixture(name: (typeof FIXTURE_NAMES)[number]): Review {
  return JSON.parse(readFileSync(SHARED_FIXTURES + name, 'utf8')) as Review;
}

/** A deep copy with the first container's image replaced (Pod or Deployment). */
export function withImage(review: Review, image: unknown): Review {
  const copy = structuredClone(review);
  const spec = copy.request.object.kind === 'Pod' ? copy.request.object.spec : copy.request.object.spec.template.spec;
  spec.containers[0].image = image;
  return copy;
}
