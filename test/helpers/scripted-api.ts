/**
 * A scripted API client for reflector-based watches (src/cluster/reflector.ts ListWatchClient): the
 * test sets what lists answer, sends watch events, and ends the open watch with an error; every list
 * (path, parameters) and every watch's field selector is recorded.
 */
import type { ListParams, ListResult, WatchEventType, WatchParams } from '../../src/cluster/client.js';

/** An API client whose list answers and watch events the test scripts. */
export function scriptedClient() {
  const lists: { path: string; params: ListParams }[] = [];
  const watches: string[] = [];
  let listAnswer: (path: string) => ListResult | Error = () => ({ items: [], metadata: { resourceVersion: '1' } });
  let send: ((type: WatchEventType, object: unknown) => void) | null = null;
  let endWatch: ((err?: Error) => void) | null = null;
  return {
    lists,
    watches,
    answerLists(fn: (path: string) => ListResult | Error) {
      listAnswer = fn;
    },
    event(type: WatchEventType, object: unknown) {
      if (!send) throw new Error('no watch open');
      send(type, object);
    },
    /** End the open watch with an error (a refused or dropped watch). */
    failWatch(err: Error) {
      endWatch?.(err);
    },
    get watching() {
      return send !== null;
    },
    client: {
      async list(path: string, params: ListParams): Promise<ListResult> {
        lists.push({ path, params });
        const a = listAnswer(path);
        if (a instanceof Error) throw a;
        return a;
      },
      watch(_path: string, params: WatchParams, onEvent: (type: WatchEventType, object: unknown) => void, signal: AbortSignal): Promise<void> {
        watches.push(params.fieldSelector ?? '');
        send = onEvent;
        return new Promise<void>((resolve, reject) => {
          endWatch = (err) => {
            send = null;
            if (err) reject(err);
            else resolve();
          };
          signal.addEventListener('abort', () => {
            send = null;
            resolve();
          });
        });
      },
    },
  };
}

/** A client whose one GET answers `answer` (or throws it), recording the paths asked (the one-shot reads). */
export function scriptedGet(answer: Record<string, unknown> | Error): { readonly paths: string[]; readonly client: { get(path: string): Promise<Record<string, unknown>> } } {
  const paths: string[] = [];
  return {
    paths,
    client: {
      async get(path: string) {
        paths.push(path);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
  };
}
