/**
 * A resource's table hints as extract records them in a package: the resource's own, its table
 * variants', the run's laid on them, and those computed per item by hint functions. Also what
 * `source.schema` shows before a run.
 *
 * @module
 */
import type { DltResource } from "../resource.ts";
import {
  DYNAMIC_HINTS,
  hasDynamicHints,
  keyColumns,
  type NormalizedHints,
  overlayHints,
  readHintOptions,
  RESOURCE_HINTS_SPEC,
  type ResourceHints,
} from "../resource_hints.ts";
import type { DltSource } from "../source.ts";
import type { ColumnHint, TableHints } from "../schema/schema.ts";
import { ResourceExtractionError } from "../errors.ts";
import { expandSchemaContract } from "../schema/contract.ts";

/** Table hints as extract records them, with the table name (or its function). */
export type ResolvedHints = TableHints & { tableName: ResourceHints["tableName"] };

/**
 * The hints of a resource (or of one of its table variants) with the run's laid on them:
 * resolved once (`fixed`) unless some are functions of the item.
 */
export interface HintsTemplate {
  /** The hints, some perhaps functions of the item. */
  hints: NormalizedHints;
  /** The resource's own schema contract (the run's and the source's are layered on it). */
  contract: NormalizedHints["schemaContract"];
  /** The resolved hints, when none is a function of the item. */
  fixed?: ResolvedHints;
}

/** The hints template of `r` (of its table variant `variant`, if it has one). */
export function hintsTemplate(
  r: DltResource,
  overrides: NormalizedHints,
  source: DltSource,
  variant: string | undefined,
): HintsTemplate {
  const own = (variant === undefined ? undefined : r.tableVariant(variant)) ?? r.hints;
  const hints = overlayHints(own, overrides);
  const template: HintsTemplate = { hints, contract: own.schemaContract };
  if (!hasDynamicHints(hints)) template.fixed = resolveHints(r, hints, template, overrides, source);
  return template;
}

/** The hints of `template` for `item`: its functions called and their results checked. */
export function itemHints(
  r: DltResource,
  template: HintsTemplate,
  item: unknown,
  overrides: NormalizedHints,
  source: DltSource,
): ResolvedHints {
  const computed: Record<string, unknown> = { ...template.hints };
  const where = `the hints resource "${r.name}" computed for an item`;
  let concrete: NormalizedHints;
  try {
    for (const key of DYNAMIC_HINTS) {
      const hint = computed[key];
      if (typeof hint !== "function") continue;
      const value = hint(item);
      if (typeof value === "function") {
        throw new TypeError(`The ${key} function returned a function, not a ${key}`);
      }
      computed[key] = value;
    }
    concrete = readHintOptions(computed, RESOURCE_HINTS_SPEC, where);
  } catch (error) {
    throw new ResourceExtractionError(r.name, (error as Error).message, { cause: error });
  }
  return resolveHints(r, concrete, template, overrides, source);
}

/** The table hints `h` (a resource's with `overrides`, the run options, laid on them) make. */
function resolveHints(
  r: DltResource,
  h: NormalizedHints,
  template: Pick<HintsTemplate, "contract">,
  overrides: NormalizedHints,
  source: DltSource,
): ResolvedHints {
  const strategy = h.writeDisposition === "merge" ? h.mergeStrategy : undefined;
  if (strategy === "upsert" || strategy === "insert-only") checkKeyedStrategy(r, h, strategy);
  // per entity: the source's contract, then the resource's, then the run's
  let contract = expandSchemaContract(source.schemaContract, `Source "${source.name}"`);
  contract = expandSchemaContract(template.contract, `Resource "${r.name}"`, contract);
  contract = expandSchemaContract(overrides.schemaContract, "The run options", contract);
  const scd2 = strategy === "scd2";
  const columns = fixed(h.columns);
  return {
    tableName: h.tableName ?? r.name,
    resource: r.name,
    writeDisposition: fixed(h.writeDisposition) ?? "append",
    primaryKey: keyColumns(fixed(h.primaryKey)),
    mergeKey: keyColumns(fixed(h.mergeKey)),
    columns: columns as TableHints["columns"],
    mergeStrategy: strategy,
    validityColumns: scd2 ? h.validityColumnNames : undefined,
    activeRecordTimestamp: scd2 ? isoTimestamp(h.activeRecordTimestamp) : undefined,
    boundaryTimestamp: scd2 ? isoTimestamp(h.boundaryTimestamp) : undefined,
    rowVersionColumn: scd2 ? h.rowVersionColumnName : undefined,
    deduplicated:
      h.writeDisposition === "merge" && (strategy ?? "delete-insert") === "delete-insert"
        ? h.deduplicated
        : undefined,
    maxTableNesting: h.maxTableNesting ?? source.maxTableNesting,
    fileFormat: h.fileFormat,
    // merge finds nested rows by their root: they need `_dlt_root_id`, as in dlt
    rootKey: h.rootKey || source.rootKey || h.writeDisposition === "merge" ? true : undefined,
    // a contract given in code replaces the table's; none keeps what the schema has
    schemaContract: source.schemaContract !== undefined || template.contract !== undefined ||
        overrides.schemaContract !== undefined
      ? contract
      : undefined,
    nestedHints: h.nestedHints?.map((nested) => ({
      path: nested.path,
      ...(nested.columns !== undefined ? { columns: nested.columns } : {}),
      ...(nested.primaryKey !== undefined ? { primaryKey: nested.primaryKey } : {}),
      ...(nested.mergeKey !== undefined ? { mergeKey: nested.mergeKey } : {}),
      ...(nested.writeDisposition !== undefined
        ? { writeDisposition: nested.writeDisposition }
        : {}),
      ...(nested.mergeStrategy !== undefined ? { mergeStrategy: nested.mergeStrategy } : {}),
      ...(nested.references !== undefined ? { references: nested.references } : {}),
      ...(nested.schemaContract !== undefined
        ? {
          schemaContract: expandSchemaContract(
            nested.schemaContract,
            `Nested table ${JSON.stringify(nested.path)} of resource "${r.name}"`,
          ),
        }
        : {}),
    })),
  };
}

/** `value` unless it is a function of the item (resolved hints have none). */
// deno-lint-ignore ban-types
function fixed<T>(value: T): Exclude<T, Function> | undefined {
  // deno-lint-ignore ban-types
  return typeof value === "function" ? undefined : value as Exclude<T, Function>;
}

/** Whether `columns` is a record of column hints (not a function of the item). */
export function isColumnRecord(columns: unknown): columns is Record<string, ColumnHint> {
  return typeof columns === "object" && columns !== null && !Array.isArray(columns);
}

/** `over`'s columns merged into `base`'s, column by column, as dlt's `merge_columns`. */
export function mergeColumns(
  base: Record<string, ColumnHint>,
  over: Record<string, ColumnHint>,
): Record<string, ColumnHint> {
  const merged: Record<string, ColumnHint> = { ...base };
  for (const [name, hint] of Object.entries(over)) merged[name] = { ...base[name], ...hint };
  return merged;
}

/** `over` laid on the hints `base` recorded for a table; their columns merged. */
export function mergeTableHints(base: TableHints, over: TableHints): TableHints {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value !== undefined) merged[key] = value;
  }
  if (base.columns !== undefined && over.columns !== undefined) {
    merged.columns = mergeColumns(base.columns, over.columns);
  }
  return merged as unknown as TableHints;
}

/** `upsert` and `insert-only` match rows by primary key only, as in dlt. */
function checkKeyedStrategy(r: DltResource, h: NormalizedHints, strategy: string): void {
  const keyed = h.primaryKey !== undefined ||
    Object.values(h.columns ?? {}).some((column) => column.primaryKey);
  if (!keyed) {
    throw new ResourceExtractionError(
      r.name,
      `merge strategy "${strategy}" needs a primaryKey (rows are matched by it)`,
    );
  }
  const mergeKey = h.mergeKey ?? Object.entries(h.columns ?? {}).find(([, c]) => c.mergeKey)?.[0];
  if (mergeKey !== undefined) {
    throw new ResourceExtractionError(
      r.name,
      `merge strategy "${strategy}" matches rows by primaryKey only and takes no mergeKey, as in dlt; use "delete-insert" to replace partitions`,
    );
  }
}

/** A timestamp hint as ISO 8601 text. */
function isoTimestamp(value: string | Date | undefined): string | undefined {
  return value === undefined ? undefined : new Date(value).toISOString();
}
