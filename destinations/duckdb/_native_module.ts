/**
 * Loads native DuckDB's driver (`_native_database.ts`, which loads `@duckdb/node-api`) with the
 * options of its memory allocator that suit loading.
 *
 * Native DuckDB allocates through its own jemalloc, which reads its options from
 * `DUCKDB_JE_MALLOC_CONF` once, when DuckDB's library loads. By default it does not reuse a
 * large free extent for a much smaller allocation (`lg_extent_max_active_fit`: 64 times), and it
 * gives each thread that calls DuckDB an arena of its own (statements run on the runtime's pool
 * of threads, one or another). So the memory one copy into a wide table frees was seldom used
 * by the next one, which faulted in fresh pages instead: copying 20,000 GitHub events (596
 * columns) into a file took 118,000–146,000 page faults and 407–455 MiB at peak, against
 * 70,000–96,000 and 317–375 MiB with one arena and any free extent reused, in 12% less time.
 *
 * @module
 */

/** The environment variable DuckDB's jemalloc reads its options from. */
const ALLOCATOR_VARIABLE = "DUCKDB_JE_MALLOC_CONF";

/** One arena; free extents of any size reused for smaller allocations. */
const ALLOCATOR_OPTIONS = "narenas:1,lg_extent_max_active_fit:30";

/**
 * The native driver's module. Its first import (which loads DuckDB's library) has DuckDB's
 * allocator take {@linkcode ALLOCATOR_OPTIONS}, unless the process's environment sets its own
 * or Deno may not set environment variables; the variable is removed again afterwards, so that
 * nothing else (child processes included) sees it.
 */
export async function importNativeDatabase(): Promise<typeof import("./_native_database.ts")> {
  const permission = Deno.permissions.querySync({ name: "env", variable: ALLOCATOR_VARIABLE });
  const setHere = permission.state === "granted" && Deno.env.get(ALLOCATOR_VARIABLE) === undefined;
  if (setHere) Deno.env.set(ALLOCATOR_VARIABLE, ALLOCATOR_OPTIONS);
  try {
    return await import("./_native_database.ts");
  } finally {
    if (setHere) Deno.env.delete(ALLOCATOR_VARIABLE);
  }
}
