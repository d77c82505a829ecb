/**
 * One run of the 1-row benchmark: appends one row to the pipeline `one` in `<dir>` (the default
 * duckdb destination, native DuckDB under `-A`, whose file `one.duckdb` is put in the working
 * directory), as a scheduled incremental run does.
 *
 *     deno run -A bench/_one_row_ours.ts <dir> [mod.ts URL]
 */
const [dir, modUrl] = Deno.args;
const { pipeline, resource } = await import(modUrl ?? new URL("../mod.ts", import.meta.url).href);
const p = pipeline({ pipelineName: "one", destination: "duckdb", pipelinesDir: dir });
await p.run(resource([{ id: Date.now(), name: "x" }], { name: "items" }));
