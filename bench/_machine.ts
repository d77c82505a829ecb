/**
 * One line describing the machine a benchmark runs on, printed before its figures: their speed
 * follows the machine's load, and on Linux its transparent huge pages (with `always`, loads that
 * fault in much fresh memory run faster; see the README's "Where the time goes").
 *
 * @module
 */

/** The machine's cores, memory, load average and, on Linux, transparent huge pages mode. */
export function describeMachine(): string {
  const gib = Deno.systemMemoryInfo().total / 2 ** 30;
  const load = Deno.loadavg().map((value) => value.toFixed(2)).join(" ");
  const parts = [
    `${navigator.hardwareConcurrency} cores`,
    `${gib.toFixed(0)} GiB`,
    `load average ${load}`,
  ];
  const hugePages = transparentHugePages();
  if (hugePages !== undefined) parts.push(`transparent huge pages ${hugePages}`);
  return `machine: ${parts.join(", ")}`;
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
