/**
 * Run a child under a real memory limit, as the kubelet runs the pod: a memory cgroup of the bench's
 * own (cgroup v2 `memory.max`, or v1 `memory.limit_in_bytes`) below the bench's cgroup. Node sizes
 * V8's heap from that limit itself (libuv `uv_get_constrained_memory`), exactly as in the pod, so
 * nothing has to be emulated with heap flags. Needs write access to the cgroup tree (root on these
 * machines); `memoryCgroup` returns the reason when it cannot, and the bench says so.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** @returns {{ dir: string, procs: string, remove(): void } | { reason: string }} */
export function memoryCgroup(name, limitBytes) {
  let lines;
  try {
    lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  } catch (err) {
    return { reason: `cannot read /proc/self/cgroup: ${err.message}` };
  }
  const candidates = [];
  for (const line of lines) {
    const [, controllers, path] = line.split(':');
    if (controllers === 'memory') candidates.push({ base: join('/sys/fs/cgroup/memory', path), limitFile: 'memory.limit_in_bytes' });
    if (controllers === '' && existsSync('/sys/fs/cgroup/cgroup.controllers')) candidates.push({ base: join('/sys/fs/cgroup', path), limitFile: 'memory.max' });
  }
  const reasons = [];
  for (const { base, limitFile } of candidates) {
    const dir = join(base, name);
    try {
      mkdirSync(dir);
    } catch (err) {
      reasons.push(`${dir}: ${err.code ?? err.message}`);
      continue;
    }
    try {
      writeFileSync(join(dir, limitFile), String(limitBytes));
      return { dir, procs: join(dir, 'cgroup.procs'), remove: () => rmdirSync(dir) };
    } catch (err) {
      reasons.push(`${join(dir, limitFile)}: ${err.code ?? err.message}`);
      try {
        rmdirSync(dir);
      } catch {
        // left behind; harmless and empty
      }
    }
  }
  return { reason: reasons.length > 0 ? reasons.join('; ') : 'no memory cgroup found in /proc/self/cgroup' };
}

/** Arguments that start `cmd args…` inside the cgroup: a shell moves itself in, then execs (same PID). */
export function inCgroup(procs, cmd, args) {
  return ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, cmd, ...args]];
}
