// @ts-check
// Cost per stream-hour from measured streams per instance and a table of instance prices.
// Pure.
//
// Streams on an instance type other than the measured machine are scaled linearly by
// vCPUs: streams(instance) = floor(streams measured x instance vCPUs / measured vCPUs).
// The measured figure already carries this machine's per-core efficiency at its core
// count; the assumption is that the efficiency stays the same at the instance's count,
// and that a vCPU of the instance is worth a vCPU here. Neither holds exactly (an x86
// vCPU is a hyperthread on c6i/c7i, a whole core on Graviton and this machine's kind may
// differ again), so rows say how they were obtained, and the way to a real figure is to
// run the suite on the instance itself with --instance NAME.

/** Hours in a month of continuous running (AWS's convention: 365 x 24 / 12). */
export const HOURS_PER_MONTH = 730;

/**
 * @typedef {object} Instance
 * @property {string} name
 * @property {number} vcpus
 * @property {string} arch x86_64 or aarch64
 * @property {number} pricePerHour USD, on demand
 *
 * @typedef {object} Measured
 * @property {number} vcpus of the machine the suite ran on
 * @property {string} arch of that machine
 * @property {string | null} [instance] the instance type that machine is, when known
 */

/**
 * Streams an instance runs, from the streams measured on this machine.
 * @param {Instance} inst
 * @param {number} streams measured here
 * @param {Measured} here
 * @returns {{ streams: number, basis: 'measured' | 'scaled' | 'scaled, other arch' }}
 */
export function streamsOn(inst, streams, here) {
  if (here.instance && here.instance === inst.name) return { streams, basis: 'measured' };
  const scaled = Math.floor((streams * inst.vcpus) / here.vcpus + 1e-9);
  return { streams: scaled, basis: inst.arch === here.arch ? 'scaled' : 'scaled, other arch' };
}

/**
 * USD per stream-hour and per 1,000 streams for a month (whole instances: 1,000 streams
 * need ceil(1000 / streams) of them). Null when the instance runs no stream.
 * @param {number} pricePerHour
 * @param {number} streams
 */
export function streamCost(pricePerHour, streams) {
  if (!(streams > 0)) return { perStreamHour: null, per1000Month: null, instancesPer1000: null };
  const instances = Math.ceil(1000 / streams);
  return { perStreamHour: pricePerHour / streams, per1000Month: instances * pricePerHour * HOURS_PER_MONTH, instancesPer1000: instances };
}

/**
 * The cost table: for each instance, each tool's streams and costs.
 * @param {Instance[]} instances
 * @param {Record<string, number | null>} measured streams per instance measured here, per tool (null: not measured)
 * @param {Measured} here
 */
export function costTable(instances, measured, here) {
  return instances.map((inst) => {
    /** @type {Record<string, { streams: number, basis: string, perStreamHour: number | null, per1000Month: number | null, instancesPer1000: number | null } | null>} */
    const tools = {};
    let basis = '';
    for (const [tool, streams] of Object.entries(measured)) {
      if (streams === null || streams === undefined) { tools[tool] = null; continue; }
      const on = streamsOn(inst, streams, here);
      basis = on.basis;
      tools[tool] = { streams: on.streams, basis: on.basis, ...streamCost(inst.pricePerHour, on.streams) };
    }
    return { name: inst.name, vcpus: inst.vcpus, arch: inst.arch, pricePerHour: inst.pricePerHour, basis, tools };
  });
}

/**
 * Checks an instance table (bench/instances.json) and returns its instances; throws with
 * what is wrong.
 * @param {unknown} table
 * @returns {Instance[]}
 */
export function checkInstances(table) {
  const t = /** @type {{ instances?: unknown }} */ (table);
  if (!t || typeof t !== 'object' || !Array.isArray(t.instances)) throw new Error('instance table: expected { "instances": [...] }');
  return t.instances.map((/** @type {any} */ i, /** @type {number} */ k) => {
    const where = `instance table: entry ${k}${i && typeof i.name === 'string' ? ` (${i.name})` : ''}`;
    if (!i || typeof i.name !== 'string' || !i.name) throw new Error(`${where}: name missing`);
    if (!(Number.isInteger(i.vcpus) && i.vcpus > 0)) throw new Error(`${where}: vcpus must be a positive integer`);
    if (i.arch !== 'x86_64' && i.arch !== 'aarch64') throw new Error(`${where}: arch must be x86_64 or aarch64`);
    if (!(typeof i.pricePerHour === 'number' && i.pricePerHour > 0)) throw new Error(`${where}: pricePerHour must be a positive number (USD)`);
    return i;
  });
}
