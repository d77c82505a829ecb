/**
 * Merging schemas that evolved in parallel from one base (normalize workers): new tables and
 * columns are united; a column two workers typed differently keeps the first type, and the
 * other worker's values either load into it (when they widen losslessly, e.g. bigint into
 * double or anything into text) or move to the variant column `<column>__v_<type>`. Values of
 * job files that keep their types (Parquet) load into a text column by the destination's cast,
 * whose text is not the value's as normalize would have written it (a timestamp's offset, a
 * decimal's digits): for such tables they move to a variant column instead.
 *
 * @module
 */
import type { NamingConvention } from "../normalize/naming.ts";
import type { DataType, StoredSchema } from "./schema.ts";

/** The merged schema and, per update, the columns whose values must be moved. */
export interface MergedSchemas {
  /** Base plus every update. */
  schema: StoredSchema;
  /** For each update (same order): `table` → `column` → column to load its values into. */
  renames: Map<string, Map<string, string>>[];
}

/**
 * Whether values written for a column of type `from` load without loss into a column of type
 * `to`, as the normalizer would have coerced them had it seen the `to` values first (`typed`:
 * the values were written with their type, not as text).
 */
function widens(from: DataType, to: DataType | undefined, typed: boolean): boolean {
  if (from === to) return true;
  if (to === "text") return from !== "binary" && !typed;
  if (from === "bigint") return to === "double" || to === "decimal";
  return from === "double" && to === "decimal";
}

/** Options of {@linkcode mergeSchemas}. */
export interface MergeSchemasOptions {
  /** Whether the job files of table `table` keep their values' types (Parquet). */
  typedFiles?: (table: string) => boolean;
}

/**
 * Merges `updates` (each `base` evolved separately) into a copy of `base`.
 *
 * @example
 * ```ts
 * import { mergeSchemas } from "./merge.ts";
 * import { newSchema } from "./schema.ts";
 * import { snakeCaseNaming } from "../normalize/naming.ts";
 * const base = newSchema("s");
 * const a = { ...base, tables: { t: { name: "t", columns: { x: { name: "x", dataType: "bigint" as const } } } } };
 * const b = { ...base, tables: { t: { name: "t", columns: { x: { name: "x", dataType: "text" as const } } } } };
 * const { schema, renames } = mergeSchemas(base, [a, b], snakeCaseNaming());
 * if (schema.tables.t.columns.x__v_text?.dataType !== "text") throw new Error();
 * if (renames[1].get("t")?.get("x") !== "x__v_text") throw new Error();
 * ```
 */
export function mergeSchemas(
  base: StoredSchema,
  updates: readonly StoredSchema[],
  naming: NamingConvention,
  options: MergeSchemasOptions = {},
): MergedSchemas {
  const schema = structuredClone(base);
  const renames = updates.map((update) => {
    const moved = new Map<string, Map<string, string>>();
    for (const table of Object.values(update.tables)) {
      let target = schema.tables[table.name];
      if (target === undefined) {
        target = { ...structuredClone(table), columns: {} };
        schema.tables[table.name] = target;
      }
      const typed = options.typedFiles?.(table.name) ?? false;
      for (const column of Object.values(table.columns)) {
        const existing = target.columns[column.name];
        if (existing === undefined || existing.dataType === undefined) {
          target.columns[column.name] = { ...existing, ...structuredClone(column) };
          continue;
        }
        if (column.dataType === undefined || widens(column.dataType, existing.dataType, typed)) {
          continue;
        }
        const variant = naming.shortenFragments(column.name, `v_${column.dataType}`);
        target.columns[variant] ??= {
          name: variant,
          dataType: column.dataType,
          nullable: true,
          variant: true,
        };
        if (!moved.has(table.name)) moved.set(table.name, new Map());
        moved.get(table.name)!.set(column.name, variant);
      }
    }
    return moved;
  });
  return { schema, renames };
}
