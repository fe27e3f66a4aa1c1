/**
 * The engine: one object in, its images and findings out, then the policy decision. The webhook and the
 * CLI both call `evaluate`; neither decides anything on its own.
 *
 *   object ─► workload (pod spec, image uses) ─► reference (syntax) ─► credentials ─► registry ─► verdict
 *
 * The engine itself does no I/O. Credential data and registry answers come through the interfaces in
 * `EngineDeps`, which the server and CLI wire to real adapters (informers, the distribution client) or
 * leave out (offline, no cluster).
 */
import type { Config, Mode } from '../config/schema.js';
import type { ImageCredentials } from '../credentials/resolve.js';
import type { ImageReference } from '../reference/types.js';
import { compileImagePatterns, decide, type Decision } from '../verdict/policy.js';
import { carrierFor, type Carrier, type CarrierEnvironment, type CredentialsElsewhere } from '../workload/carriers.js';
import { extractCarrier, imageFields } from '../workload/extract.js';
import { checkSyntax } from './syntax.js';
import { finding } from '../findings/build.js';
import type { CredentialSourceReport, Finding, ImageReport, ImageUse } from '../findings/types.js';

/** What is being admitted or checked. */
export interface Subject {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly object: unknown;
  /**
   * Images the object already had before this change (UPDATE). They are not checked again, so scaling,
   * relabelling or deleting is never blocked by a problem that was already there.
   */
  readonly previousImages?: ReadonlySet<string>;
  /**
   * Kind of the controller that created this Pod (ReplicaSet, Job, …), when it was. Its template was
   * already checked where the user saw the answer, so the registry step answers from its cache only.
   */
  readonly controller?: string;
}

/** One valid image, ready for the credential and registry checks. */
export interface ValidImage {
  readonly use: ImageUse;
  readonly ref: ImageReference;
}

/**
 * The credentials step (src/checks/credentials.ts): which credentials the kubelet would offer each
 * image, and what is wrong with the pull secrets. Returns one entry per image, in the order given.
 */
export interface CredentialStep {
  resolve(input: {
    readonly subject: Subject;
    readonly podSpec: Readonly<Record<string, unknown>>;
    readonly images: readonly ValidImage[];
    /** PodGroup.credentialsElsewhere: a missing credential is then undecided (a warning), not a failure. */
    readonly elsewhere?: CredentialsElsewhere | undefined;
  }): CredentialResult;
}

export interface CredentialResult {
  /** Per image: its credentials in kubelet order (values kept in memory only, never printed). */
  readonly images: readonly ImageCredentials[];
  readonly findings: readonly Finding[];
  /**
   * Why the credentials the kubelet will offer are not all known — some of the pod's pull secrets could
   * not be read (no cluster data), or the controller may add some (PodGroup.credentialsElsewhere) — or
   * null when they are.
   */
  readonly unknown: string | null;
  /** How to make them known, when that is not "give pullguard cluster access". */
  readonly unknownFix?: string;
}

/** The registry step (src/checks/registry.ts): asks registries, within the deadline. */
export interface RegistryStep {
  check(input: {
    readonly subject: Subject;
    readonly images: readonly ValidImage[];
    readonly podSpec: Readonly<Record<string, unknown>>;
    /** Same order as `images`; absent when no credential step ran. */
    readonly credentials: readonly ImageCredentials[] | undefined;
    /** CredentialResult.unknown and unknownFix: why the credentials are not all known, or null. */
    readonly credentialsUnknown?: string | null;
    readonly credentialsUnknownFix?: string | undefined;
    readonly deadline: number;
  }): Promise<readonly Finding[]>;
}

export interface EngineDeps {
  readonly config: Config;
  /**
   * What carriers' controllers take from outside the object, when known (Tekton config-defaults, the
   * WorkflowTemplates an Argo templateRef names): `pullguard check` builds it from its inputs, `serve`
   * and `audit` from the cluster. A function: it is read once per object, and changes while the
   * dependencies stay (a watched ConfigMap).
   */
  readonly environment?: () => CarrierEnvironment;
  readonly credentials?: CredentialStep;
  readonly registry?: RegistryStep;
}

export interface Evaluation {
  /** False for kinds pullguard does not read (not in the carrier table nor the configuration's `carriers:`). */
  readonly carrier: boolean;
  /** Why a pod spec could not be read (carrier kinds only). */
  readonly problem: string | null;
  readonly images: readonly ImageReport[];
  readonly findings: readonly Finding[];
  /** Image uses not checked because the object already had them before this update. */
  readonly unchanged: number;
  /** Image uses not checked because an exemption pattern matched. */
  readonly exempt: number;
  /** Image uses not checked because the controller substitutes parameters in them first (Argo `{{…}}`, Tekton `$(…)`). */
  readonly substituted: number;
  /**
   * Fields named `image` that hold a string but that pullguard did not read (outside metadata and
   * status): all of them for a kind it does not read, the ones the table does not point at for a kind
   * it does. Nothing is checked there; the report says so.
   */
  readonly unread: readonly string[];
  /**
   * What could not be read inside a carrier and why, when it is not a finding (an Argo podSpecPatch
   * substituted at run time, a templateRef to another object): the report shows each as a note.
   */
  readonly notes?: readonly { readonly field: string; readonly message: string }[];
}

export interface Outcome {
  readonly evaluation: Evaluation;
  readonly decision: Decision;
  /** The mode that applied (config default, or a namespace override). */
  readonly mode: Mode;
  /** Set when the whole object was skipped (exempt namespace, mode off). */
  readonly skipped: 'namespace-exempt' | 'mode-off' | null;
}

const NOTHING: Omit<Evaluation, 'carrier'> = { problem: null, images: [], findings: [], unchanged: 0, exempt: 0, substituted: 0, unread: [] };

/** The carrier row for the subject's kind, with the configuration's own carriers. */
export function subjectCarrier(subject: Pick<Subject, 'group' | 'kind'>, config: Pick<Config, 'carriers'>): Carrier | undefined {
  return carrierFor(subject.group, subject.kind, config.carriers);
}

function unreadable(kind: string, field: string, problem: string): Finding {
  return finding('WORKLOAD_UNREADABLE', { slot: 'podSpec', field }, {
    cause: `no pod spec could be read from this ${kind} at ${field}: ${problem}; nothing there was checked`,
    fix: `give it the shape its kind defines at ${field}`,
    short: `no pod spec at ${field}: ${problem}; nothing there was checked`,
  });
}

export interface EvaluateOptions {
  /**
   * Find the image fields that are not read (`Evaluation.unread`): a walk of the whole object, for
   * reports (`pullguard check`). The webhook leaves it off; it answers for the kinds its rules send.
   */
  readonly unread?: boolean;
}

export async function evaluate(subject: Subject, deps: EngineDeps, deadline: number, opts: EvaluateOptions = {}): Promise<Evaluation> {
  const carrier = subjectCarrier(subject, deps.config);
  if (!carrier) return { carrier: false, ...NOTHING, unread: opts.unread ? imageFields(subject.object).map((f) => f.field) : [] };
  const workload = extractCarrier(subject.object, carrier, deps.environment?.());
  const unread = opts.unread
    ? imageFields(subject.object)
        .map((f) => f.field)
        .filter((f) => !workload.read.has(f))
    : [];
  if (workload.missing !== null) {
    const field = carrier.podSpecs[0]?.text ?? 'spec';
    const missing = finding('WORKLOAD_UNREADABLE', { slot: 'podSpec', field }, {
      cause: `no pod spec could be read from this ${subject.kind}: ${workload.missing}; nothing was checked`,
      fix: `give it a pod spec at ${field}`,
      short: `no pod spec: ${workload.missing}; nothing was checked`,
    });
    return { carrier: true, ...NOTHING, problem: workload.missing, findings: [missing], unread, notes: workload.notes };
  }

  const isExempt = compileImagePatterns(deps.config.exemptions.images);
  const findings: Finding[] = workload.problems.map((p) => unreadable(subject.kind, p.field, p.problem));
  const reports: { use: ImageUse; ref: ImageReference | null; credentials: CredentialSourceReport[] }[] = [];
  let unchanged = 0;
  let exempt = 0;
  // Each pod is checked with its own pull secrets, ServiceAccount and node selection.
  for (const pod of workload.pods) {
    const valid: ValidImage[] = [];
    const podReports: typeof reports = [];
  for (const use of pod.uses) {
    if (use.image !== null && subject.previousImages?.has(use.image)) {
      unchanged++;
      continue;
    }
    const { ref, finding: invalid } = checkSyntax(use);
    if (use.image !== null && isExempt(ref ? [use.image, ref.name] : [use.image])) {
      exempt++;
      continue;
    }
    const report = { use, ref, credentials: [] as CredentialSourceReport[] };
    podReports.push(report);
    if (invalid) findings.push(invalid);
    if (ref) valid.push({ use, ref });
  }
    reports.push(...podReports);

    let credentials: readonly ImageCredentials[] | undefined;
    let credentialsUnknown: string | null = null;
    let credentialsUnknownFix: string | undefined;
    // A cluster-scoped carrier (ClusterWorkflowTemplate) has no namespace of its own: its pods run in
    // the namespace of whatever uses it, so there are no pull secrets to look up yet.
    if (deps.credentials && valid.length > 0 && carrier.namespaced) {
      const result = deps.credentials.resolve({ subject, podSpec: pod.podSpec, images: valid, elsewhere: pod.credentialsElsewhere });
      credentials = result.images;
      credentialsUnknown = result.unknown;
      credentialsUnknownFix = result.unknownFix;
      const byUse = new Map(podReports.map((r) => [r.use, r]));
      valid.forEach((v, i) => {
        const report = byUse.get(v.use);
        if (report) report.credentials = [...(result.images[i]?.sources ?? [])];
      });
      findings.push(...result.findings);
    }
    if (deps.registry && valid.length > 0) {
      findings.push(...(await deps.registry.check({ subject, images: valid, podSpec: pod.podSpec, credentials, credentialsUnknown, credentialsUnknownFix, deadline })));
    }
  }
  const problem = workload.problems[0]?.problem ?? null;
  return { carrier: true, problem, images: reports, findings, unchanged, exempt, substituted: workload.substituted.length, unread, notes: workload.notes };
}

/** Evaluate and decide: the single entry point for the webhook and the CLI. */
export async function review(
  subject: Subject,
  deps: EngineDeps,
  opts: { readonly deadline: number; readonly modeOverride?: Mode | undefined; readonly unread?: boolean },
): Promise<Outcome> {
  const mode = opts.modeOverride ?? deps.config.mode;
  const skip = (skipped: Outcome['skipped']): Outcome => ({
    evaluation: { carrier: subjectCarrier(subject, deps.config) !== undefined, ...NOTHING },
    decision: { verdict: 'allow', decided: [] },
    mode,
    skipped,
  });
  if (deps.config.exemptions.namespaces.includes(subject.namespace)) return skip('namespace-exempt');
  if (mode === 'off') return skip('mode-off');
  const evaluation = await evaluate(subject, deps, opts.deadline, { unread: opts.unread === true });
  return { evaluation, decision: decide(evaluation.findings, deps.config, mode), mode, skipped: null };
}
