// @ts-check
// Command-line options of bench/run.mjs. Pure.

export const SECTIONS = ['throughput', 'kernels', 'handoff', 'scaling', 'fanout', 'streams', 'memory', 'cost'];

export const USAGE = `usage: npm run bench -- [options]    (or: npx vqmon bench [options], node bench/run.mjs [options])
  --quick              fewer runs, shorter clips, a smaller ramp (under 10 minutes on 2 cores)
  --write-results      also write bench/RESULTS.md and bench/results.svg (the whole suite only)
  --instance NAME      this machine is instance type NAME of the price table: its cost row is measured, not scaled
  --instances FILE     price table [bench/instances.json]
  --only a,b           sections: ${SECTIONS.join(', ')} [all]
  --runs N             runs per throughput case [quick 3, full 5]
  --no-shared          leave out the real clips of test/media
results: bench/results/latest.json (and the Markdown report on stdout)`;

/**
 * @param {string[]} argv
 * @returns {{ quick: boolean, writeResults: boolean, instance: string | null, instances: string | null,
 *             only: string[] | null, runs: number | null, shared: boolean, help: boolean }}
 */
export function parseArgs(argv) {
  const a = { quick: false, writeResults: false, instance: /** @type {string | null} */ (null), instances: /** @type {string | null} */ (null),
    only: /** @type {string[] | null} */ (null), runs: /** @type {number | null} */ (null), shared: true, help: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${x} needs a value\n${USAGE}`);
      return v;
    };
    if (x === '--quick') a.quick = true;
    else if (x === '--write-results') a.writeResults = true;
    else if (x === '--instance') a.instance = value();
    else if (x === '--instances') a.instances = value();
    else if (x === '--no-shared') a.shared = false;
    else if (x === '--runs') {
      const n = Number(value());
      if (!(Number.isInteger(n) && n >= 1 && n <= 50)) throw new Error(`--runs must be an integer in [1, 50]\n${USAGE}`);
      a.runs = n;
    } else if (x === '--only') {
      const names = value().split(',').map((s) => s.trim()).filter(Boolean);
      const bad = names.filter((n) => !SECTIONS.includes(n));
      if (bad.length || !names.length) throw new Error(`unknown section ${bad.join(', ')}; sections: ${SECTIONS.join(', ')}\n${USAGE}`);
      a.only = names;
    } else if (x === '-h' || x === '--help') a.help = true;
    else throw new Error(`unknown option ${x}\n${USAGE}`);
  }
  if (a.writeResults && a.only) throw new Error('--write-results records the whole suite: leave out --only');
  return a;
}
