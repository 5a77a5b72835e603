// Facts about the machine the suite runs on, for the report.
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

import { native } from '../../dist/index.js';
import { capture } from './proc.mjs';

function cpuModel() {
  const model = cpus()[0]?.model;
  if (model && model !== 'unknown') return model.trim();
  // aarch64: /proc/cpuinfo names no model; lscpu does.
  try {
    const m = /^Model name:\s+(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return 'unknown';
}

/** The CPUs this process may run on (its affinity), as ids. */
export function allowedCpus() {
  try {
    const list = /^Cpus_allowed_list:\s+(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
    const ids = list.split(',').flatMap((r) => {
      const [a, b] = r.split('-').map(Number);
      return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
    }).filter((n) => Number.isInteger(n));
    if (ids.length) return ids;
  } catch { /* not Linux */ }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}

export async function machineFacts() {
  const lscpu = (await capture('lscpu', [])) ?? '';
  const field = (name) => new RegExp(`^${name}:\\s+(.+)$`, 'm').exec(lscpu)?.[1]?.trim() ?? null;
  const ffmpeg = (await capture('ffmpeg', ['-hide_banner', '-version']))?.split('\n')[0]?.replace(/ Copyright.*$/, '') ?? null;
  return {
    cpu: field('Model name') ?? cpuModel(),
    arch: arch() === 'arm64' ? 'aarch64' : arch() === 'x64' ? 'x86_64' : arch(),
    vcpus: availableParallelism(),
    threadsPerCore: Number(field('Thread\\(s\\) per core')) || null,
    hypervisor: field('Hypervisor vendor'),
    l3: field('L3 cache'),
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    simd: native.simdLevel(),
    simdLevels: native.simdLevels(),
    node: process.version,
    ffmpeg,
    kernel: release(),
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
