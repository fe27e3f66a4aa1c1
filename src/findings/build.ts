/**
 * The one author of findings. Every check phrases its facts as a cause and a fix and hands them to
 * `finding`; the message, the kubectl warning (src/admission/messages.ts), the CLI line, SARIF and JUnit
 * (src/cli) are all made from what it returns, so each names the place ONE way, shows the image as
 * written, and says the cause and the fix. Pure.
 */
import type { FindingCode } from './codes.js';
import type { Finding, ImageSlot, ImageUse, PodSpecPlace } from './types.js';

/** A finding's `short` fits one kubectl Warning line after the code and subject. */
export const SHORT_MAX = 100;

const ELLIPSIS = '…';

const q = (s: string): string => JSON.stringify(s);

/** Shorten to `max` characters with an ellipsis. */
export function clip(s: string, max: number = SHORT_MAX): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}${ELLIPSIS}`;
}

/** The first candidate that fits `max`, else the last one clipped. */
export function fit(candidates: readonly string[], max: number = SHORT_MAX): string {
  for (const c of candidates) if (c.length <= max) return c;
  return clip(candidates[candidates.length - 1] ?? '', max);
}

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** What each pod spec list's entries are called (core/v1 field docs: "init container", "ephemeral container"). */
const SLOT_NOUN: Readonly<Record<ImageSlot, string>> = {
  containers: 'container',
  initContainers: 'init container',
  ephemeralContainers: 'ephemeral container',
  volumes: 'image volume',
};

/**
 * The one way to name where an image is used: `container "app"`, `init container "setup"`,
 * `ephemeral container "debug"`, `image volume "models"`; an unnamed entry by its index
 * (`container #2`); an entry that is not a container at all by its field (`spec.containers`). In a
 * custom resource, the project's own noun and the part of the object that makes the pod, when it
 * makes several: `container "main" of template "build"`, `step #0 of task "fetch"`.
 */
export function subjectOf(at: ImageUse | PodSpecPlace): string {
  if (at.slot === 'podSpec') return 'the pod spec';
  const noun = at.noun ?? SLOT_NOUN[at.slot];
  const of = at.within ? ` of ${at.within}` : '';
  if (at.container === '') return `${noun} at ${at.field}${of}`;
  if (/^#\d+$/.test(at.container)) return `${noun} ${at.container}${of}`;
  return `${noun} ${q(at.container)}${of}`;
}

/**
 * Subject and image, as every text starts: `container "app" (image "nginx:1.25")`; without an image,
 * the field that should hold it (`container "app" (spec.containers[0].image)`). `imageMax` clips a very
 * long image (a warning line has a length limit; the message always shows it whole).
 */
export function headline(f: Pick<Finding, 'subject' | 'image' | 'field'>, imageMax: number = Infinity): string {
  return `${f.subject} (${f.image !== '' ? `image ${q(clip(f.image, imageMax))}` : f.field})`;
}

/** How a check phrases one finding. */
export interface FindingText {
  /** What is wrong, one clause or more; no container or image (the headline says them). */
  readonly cause: string;
  /** What to do about it. */
  readonly fix: string;
  /**
   * Cause and fix for a kubectl Warning line, ≤ SHORT_MAX: a string (clipped when longer) or
   * candidates from the most to the least detailed (the first that fits is used). Default `cause; fix`.
   */
  readonly short?: string | readonly string[];
  /** A sentence after the fix that qualifies the finding (`Nodes may still pull it with …`). */
  readonly note?: string;
  readonly actionHint?: 'deny' | 'warn';
}

/** End a clause as a sentence (no double stop after `?` or `.`). */
function sentence(s: string): string {
  return /[.?!]$/.test(s) ? s : `${s}.`;
}

/** The finding builder: the only place a Finding is made. */
export function finding(code: FindingCode, at: ImageUse | PodSpecPlace, text: FindingText): Finding {
  const subject = subjectOf(at);
  const image = at.slot === 'podSpec' ? '' : (at.image ?? '');
  const place = { subject, image, field: at.field };
  const short = text.short === undefined ? clip(`${text.cause}; ${text.fix}`) : typeof text.short === 'string' ? clip(text.short) : fit(text.short);
  return {
    code,
    container: at.slot === 'podSpec' ? '' : at.container,
    field: at.field,
    image,
    subject,
    message: `${headline(place)}: ${sentence(text.cause)} ${sentence(capital(text.fix))}${text.note ? ` ${sentence(text.note)}` : ''}`,
    short,
    ...(text.actionHint ? { actionHint: text.actionHint } : {}),
  };
}
