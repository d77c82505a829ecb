/**
 * A temporary folder for one test of the duckdb destination's drivers.
 *
 * @module
 */

/** Runs `test` with a new temporary folder named with `prefix`, removed when it ends. */
export async function withTempDir(
  prefix: string,
  test: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
