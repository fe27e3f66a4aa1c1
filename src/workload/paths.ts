/**
 * The field-path language of the carrier table (src/workload/carriers.ts) and of user carriers in the
 * configuration (`carriers:`): where, inside an object, its pod specs, containers and image fields are.
 *
 *   path    = segment *( "." segment )
 *   segment = name *( "[*]" )
 *   name    = 1*( ALPHA / DIGIT / "_" / "-" )          ; a JSON field name, as written in the CRD
 *
 * `[*]` stands for every entry of a list (`spec.steps[*]`) or every value of a map
 * (`spec.pytorchReplicaSpecs[*]`, keyed by replica type). A matched place is named the way the rest of
 * pullguard names fields: list entries by index, map values by key (`spec.steps[2]`,
 * `spec.pytorchReplicaSpecs.Master`), which src/workload/manifests.ts turns back into a line.
 *
 * Pure. Shapes are not trusted: a field on the way that exists but has the wrong type is reported, not
 * thrown; a field that is absent matches nothing (most carrier fields are optional: a Rollout with
 * `workloadRef` has no `spec.template`).
 */

type Json = Record<string, unknown>;

/** One field name followed by how many `[*]`. */
export interface PathStep {
  readonly name: string;
  readonly each: number;
}

export type ParsedPath = { readonly ok: true; readonly steps: readonly PathStep[] } | { readonly ok: false; readonly error: string };

/** Longest path accepted from a configuration (a CRD nests deep, but not this deep). */
export const MAX_PATH_LENGTH = 512;

const NAME = /^[A-Za-z0-9_-]+$/;
const SEGMENT = /^([^[\]]*)((?:\[\*\])*)$/;

export function parsePath(text: string): ParsedPath {
  if (text === '') return { ok: false, error: 'the path is empty' };
  if (text.length > MAX_PATH_LENGTH) return { ok: false, error: `the path is longer than ${MAX_PATH_LENGTH} characters` };
  const steps: PathStep[] = [];
  const parts = text.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const m = SEGMENT.exec(part);
    const name = m?.[1] ?? '';
    if (!m) {
      const bracket = /\[[^\]]*\]/.exec(part)?.[0] ?? part;
      const why = !bracket.startsWith('[') ? 'unbalanced brackets' : bracket === '[*]' ? 'only more [*] may follow [*] in a segment (start a new one with ".")' : `only [*] may follow a field name, not ${bracket}`;
      return { ok: false, error: `segment ${i + 1} ("${part}"): ${why}` };
    }
    if (name === '') return { ok: false, error: part === '' ? `segment ${i + 1} is empty (two dots, or a dot at an end)` : `segment ${i + 1} ("${part}") has [*] without a field name before it` };
    if (!NAME.test(name)) return { ok: false, error: `segment ${i + 1} ("${name}") may hold only letters, digits, "_" and "-"` };
    steps.push({ name, each: (m[2]?.length ?? 0) / 3 });
  }
  return { ok: true, steps };
}

/** A parsed path, for the built-in table: throws on a typo, which the table's own test catches. */
export function path(text: string): readonly PathStep[] {
  const parsed = parsePath(text);
  if (!parsed.ok) throw new Error(`carrier path "${text}": ${parsed.error}`);
  return parsed.steps;
}

/** A place a path matched: its concrete field path and what is there. */
export interface Match {
  /** `spec.tasks[0].taskSpec`, `spec.mpiReplicaSpecs.Launcher.template.spec`. */
  readonly field: string;
  /** The same place as keys and indexes, for walking back up (`['spec', 'tasks', 0, 'taskSpec']`). */
  readonly keys: readonly (string | number)[];
  readonly value: unknown;
}

/** A field on the way that is there but has a type the path cannot go through. */
export interface PathProblem {
  readonly field: string;
  readonly problem: string;
}

export interface Resolved {
  readonly matches: readonly Match[];
  readonly problems: readonly PathProblem[];
}

/** A JSON object (not null, not a list): what a YAML mapping parses to. */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object, or an empty one for anything else (a field that is absent or of another shape). */
export function obj(v: unknown): Json {
  return isObject(v) ? v : {};
}

/** What a value is, for messages: `null`, `a list`, `an object`, `a string`. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Keys from the object's root → its field path (`spec.templates[2].container`). */
export function fieldOf(keys: readonly (string | number)[]): string {
  return keys.reduce<string>((f, k) => join(f, k), '');
}

/** `a.b` + `c` → `a.b.c`; map keys that are not plain names are still joined with a dot. */
function join(field: string, key: string | number): string {
  if (typeof key === 'number') return `${field}[${key}]`;
  return field === '' ? key : `${field}.${key}`;
}

/**
 * Every place `steps` reaches from `root` (whose own field path is `field`, '' for the object).
 * Absent fields and nulls match nothing; present fields of the wrong type are problems.
 */
export function resolve(root: unknown, steps: readonly PathStep[], field = '', keys: readonly (string | number)[] = []): Resolved {
  let here: Match[] = [{ field, keys, value: root }];
  const problems: PathProblem[] = [];
  for (const step of steps) {
    const next: Match[] = [];
    for (const at of here) {
      if (!isObject(at.value)) {
        problems.push({ field: at.field === '' ? '(the object)' : at.field, problem: `is ${describe(at.value)}, not an object` });
        continue;
      }
      const value = Object.hasOwn(at.value, step.name) ? at.value[step.name] : undefined;
      if (value === undefined || value === null) continue;
      let level: Match[] = [{ field: join(at.field, step.name), keys: [...at.keys, step.name], value }];
      for (let e = 0; e < step.each; e++) {
        const expanded: Match[] = [];
        for (const m of level) {
          if (Array.isArray(m.value)) {
            m.value.forEach((v: unknown, i: number) => {
              if (v !== undefined && v !== null) expanded.push({ field: join(m.field, i), keys: [...m.keys, i], value: v });
            });
          } else if (isObject(m.value)) {
            for (const [k, v] of Object.entries(m.value)) {
              if (v !== undefined && v !== null) expanded.push({ field: join(m.field, k), keys: [...m.keys, k], value: v });
            }
          } else {
            problems.push({ field: m.field, problem: `is ${describe(m.value)}, not a list or a map` });
          }
        }
        level = expanded;
      }
      next.push(...level);
    }
    here = next;
  }
  return { matches: here, problems };
}

/** The value at concrete `keys` under `root`, or undefined. */
export function valueAt(root: unknown, keys: readonly (string | number)[]): unknown {
  let node: unknown = root;
  for (const k of keys) {
    if (typeof k === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[k];
    } else {
      if (!isObject(node) || !Object.hasOwn(node, k)) return undefined;
      node = node[k];
    }
  }
  return node;
}
