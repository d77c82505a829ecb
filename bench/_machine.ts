/**
 * One line describing the machine a benchmark runs on, printed before its figures: their speed
 * follows the machine's load, and on Linux its transparent huge pages (with `always`, loads that
 * fault in much fresh memory run faster; see the README's "Where the time goes"), and the time it
 * takes to touch a fresh page of memory, which differs several times between virtual machines of
 * the same size and moves the ratios to native DuckDB (see the README's "Performance").
 *
 * @module
 */

/** Bytes of fresh memory {@linkcode freshPageMicroseconds} touches in each of its tries. */
const FRESH_BYTES = 32 << 20;

/** Bytes of one page of memory. */
const PAGE_BYTES = 4096;

/**
 * The machine's cores, memory, load average, the time to touch a fresh page and, on Linux, the
 * transparent huge pages mode.
 */
export function describeMachine(): string {
  const gib = Deno.systemMemoryInfo().total / 2 ** 30;
  const load = Deno.loadavg().map((value) => value.toFixed(2)).join(" ");
  const parts = [
    `${navigator.hardwareConcurrency} cores`,
    `${gib.toFixed(0)} GiB`,
    `load average ${load}`,
    `a fresh 4 KiB page touched in ${freshPageMicroseconds().toFixed(1)} µs`,
  ];
  const hugePages = transparentHugePages();
  if (hugePages !== undefined) parts.push(`transparent huge pages ${hugePages}`);
  return `machine: ${parts.join(", ")}`;
}

/**
 * Microseconds to touch one page of memory the process has not used before (the kernel's page
 * fault, most of it), the fastest of three tries over {@linkcode FRESH_BYTES}.
 */
function freshPageMicroseconds(): number {
  let best = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    const bytes = new Uint8Array(FRESH_BYTES);
    for (let offset = 0; offset < bytes.length; offset += PAGE_BYTES) bytes[offset] = 1;
    best = Math.min(best, performance.now() - started);
  }
  return best * 1000 / (FRESH_BYTES / PAGE_BYTES);
}

/** The kernel's transparent huge pages mode (`always`, `madvise`, `never`), where it says. */
function transparentHugePages(): string | undefined {
  try {
    const modes = Deno.readTextFileSync("/sys/kernel/mm/transparent_hugepage/enabled");
    return /\[(\w+)\]/.exec(modes)?.[1];
  } catch {
    return undefined;
  }
}
