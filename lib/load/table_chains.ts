/**
 * A package's table chains: each root table with its nested tables, the unit every destination
 * commits whole (created, emptied for `replace`, loaded), so a resumed package skips whole chains.
 *
 * @module
 */
import type { LoadJob, LoadPackage } from "../destination.ts";
import { rootTableOf, type TableSchema } from "../schema/schema.ts";

/** A root table with its nested tables: created and, for `replace`, emptied together. */
export interface TableChain {
  /** The root table's name. */
  root: string;
  /** The chain's tables that the package touches, in the package's order. */
  tables: TableSchema[];
  /** The jobs loading into the chain's tables. */
  jobs: LoadJob[];
  /** The chain's tables this package empties (`replace`, refresh `drop_data`). */
  replace: string[];
}

/**
 * Whether job files `a` and `b` can be copied in one statement: of one table, in one format,
 * with the same columns.
 */
export function copiedTogether(a: LoadJob, b: LoadJob): boolean {
  return a.table === b.table && a.format === b.format &&
    a.columns.join("\n") === b.columns.join("\n");
}

/** Groups the jobs and replaced tables of `pkg` by root table, in the package's order. */
export function tableChains(pkg: LoadPackage): TableChain[] {
  const chains = new Map<string, TableChain>();
  const chainOf = (name: string): TableChain => {
    const root = rootTableOf(pkg.schema, name).name;
    let chain = chains.get(root);
    if (chain === undefined) {
      chain = { root, tables: [], jobs: [], replace: [] };
      chains.set(root, chain);
    }
    const table = pkg.schema.tables[name];
    if (!chain.tables.includes(table)) chain.tables.push(table);
    return chain;
  };
  for (const name of pkg.replaceTables) chainOf(name).replace.push(name);
  for (const job of pkg.jobs) chainOf(job.table).jobs.push(job);
  return [...chains.values()];
}
