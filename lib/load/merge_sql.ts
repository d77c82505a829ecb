/**
 * The merge SQL every SQL destination shares: dlt's `delete-insert`, `upsert`, `insert-only` and
 * `scd2`, run on rows a package staged in `<dataset>_staging` inside the table chain's
 * transaction. Written portably (explicit column lists, `row_number()` in narrow subqueries
 * instead of DuckDB's `QUALIFY`, `BY NAME` and `SELECT * REPLACE`); where dialects differ, the
 * dialect says how (`insertOrder`, `columnType`).
 *
 * @module
 */
import { type ColumnSchema, DLT, nestedTablesOf, type TableSchema } from "../schema/schema.ts";
import type { LoadPackage } from "../destination.ts";
import { columnList, quoteIdentifier, quoteLiteral, typedColumns } from "./sql.ts";
import type { SqlConnection, SqlDialect } from "./sql_dialect.ts";

/** Where a merge runs: the job client's connection, dialect and table names. */
export interface MergeTarget {
  /** The connection, inside the chain's transaction. */
  connection: SqlConnection;
  /** The destination's dialect. */
  dialect: SqlDialect;
  /** The SQL name of a table of the dataset. */
  name(table: string): string;
  /** The SQL name of a table's staging copy. */
  stagingName(table: string): string;
  /** Whether the dataset has `table`. */
  tableExists(table: string): Promise<boolean>;
}

/** The column a window function numbers rows in, in merge SQL. */
const ROW_NUMBER = "_dlt_row_number";
/** The column that carries a row's place in insert order, in merge SQL. */
const ROW_ID = "_dlt_row_id";

/** Whether `root`'s chain merges (merge without a primary or merge key appends, as in dlt). */
export function mergesChain(root: TableSchema): boolean {
  return root.writeDisposition === "merge" &&
    (root.mergeStrategy === "scd2" ||
      Object.values(root.columns).some((c) => c.primaryKey || c.mergeKey));
}

/**
 * The SQL condition that keeps rows a `hardDelete` column of `table` does not flag (`true`, or
 * not null for other types); empty when it has none.
 */
function hardDeleteFilter(table: TableSchema): string {
  return typedColumns(table).filter((c) => c.hardDelete).map((c) =>
    c.dataType === "bool"
      ? `NOT coalesce(${quoteIdentifier(c.name)}, false)`
      : `${quoteIdentifier(c.name)} IS NULL`
  ).join(" AND ");
}

/**
 * Merges the staged rows of `root`'s chain by its strategy, then drops the staging tables.
 */
export async function mergeChain(
  db: MergeTarget,
  pkg: LoadPackage,
  root: TableSchema,
  staged: TableSchema[],
): Promise<void> {
  if (root.mergeStrategy === "scd2") {
    await mergeScd2(db, pkg, root, staged);
  } else {
    await deleteInsert(db, pkg, root, staged);
  }
  for (const table of staged) {
    await db.connection.run(`DROP TABLE IF EXISTS ${db.stagingName(table.name)}`);
  }
}

/**
 * `INSERT INTO target (columns) SELECT … FROM source WHERE where` (`source` a table), keeping
 * only the first row of each `partition` in `order` when a partition is given. The rows to keep
 * are found by their insert order over the partition and order columns alone: a window over
 * every column of a wide table (hundreds of columns of flattened JSON) would hold them all in
 * memory. `select` maps a column to the expression inserted into it (the column itself unless
 * it says otherwise).
 */
async function insertSelect(db: MergeTarget, options: {
  target: string;
  columns: ColumnSchema[];
  source: string;
  where?: string;
  partition?: string;
  order?: string;
  select?: (column: ColumnSchema) => string;
}): Promise<void> {
  const { target, columns, source, partition, order } = options;
  const select = options.select ?? ((c: ColumnSchema) => quoteIdentifier(c.name));
  const conditions = options.where ? [options.where] : [];
  if (partition !== undefined) {
    const rowId = db.dialect.insertOrder;
    const over = `PARTITION BY ${partition}${order ? ` ORDER BY ${order}` : ""}`;
    const filter = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
    conditions.push(
      `${rowId} IN (SELECT ${ROW_ID} FROM (SELECT ${rowId} AS ${ROW_ID}, row_number() OVER (${over}) AS ${ROW_NUMBER} FROM ${source}${filter}) AS numbered WHERE ${ROW_NUMBER} = 1)`,
    );
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
  await db.connection.run(
    `INSERT INTO ${target} (${columnList(columns)}) SELECT ${
      columns.map((c) => `${select(c)} AS ${quoteIdentifier(c.name)}`).join(", ")
    } FROM ${source}${where}`,
  );
}

/**
 * dlt's `delete-insert` merge of the staged rows of `root`'s chain: rows (and their nested
 * rows) sharing a primary key or merge key with incoming rows are deleted; incoming rows are
 * deduplicated by primary key (`dedupSort`, else the last one wins), hard-deleted ones dropped,
 * and the rest inserted with their nested rows. `upsert` (whose root ids are hashes of the
 * primary key, so an updated row keeps its `_dlt_id`) matches by primary key only;
 * `insert-only` leaves rows whose primary key is in the table already alone and deletes nothing.
 */
async function deleteInsert(
  db: MergeTarget,
  pkg: LoadPackage,
  root: TableSchema,
  staged: TableSchema[],
): Promise<void> {
  const columns = typedColumns(root);
  const primaryKey = columns.filter((c) => c.primaryKey);
  const keyed = root.mergeStrategy === "upsert" || root.mergeStrategy === "insert-only";
  const mergeKey = keyed ? [] : columns.filter((c) => c.mergeKey);
  const stage = db.stagingName(root.name);
  const target = db.name(root.name);
  const conditions = [hardDeleteFilter(root)];
  if (root.mergeStrategy === "insert-only") {
    conditions.push(
      `(${columnList(primaryKey)}) NOT IN (SELECT ${columnList(primaryKey)} FROM ${target})`,
    );
  } else {
    const match = [primaryKey, mergeKey].filter((key) => key.length > 0).map((key) =>
      `(${columnList(key)}) IN (SELECT ${columnList(key)} FROM ${stage})`
    ).join(" OR ");
    for (const nested of nestedTablesOf(pkg.schema, root.name)) {
      if (!await db.tableExists(nested.name)) continue;
      await db.connection.run(
        `DELETE FROM ${db.name(nested.name)} WHERE ${quoteIdentifier(DLT.rootId)} IN (SELECT ${
          quoteIdentifier(DLT.id)
        } FROM ${target} WHERE ${match})`,
      );
    }
    await db.connection.run(`DELETE FROM ${target} WHERE ${match}`);
  }
  const sort = columns.find((c) => c.dedupSort !== undefined);
  const order = sort === undefined
    ? `${db.dialect.insertOrder} DESC`
    : `${quoteIdentifier(sort.name)} ${sort.dedupSort === "desc" ? "DESC" : "ASC"}`;
  const dedup = primaryKey.length > 0 && !root.deduplicated;
  await insertSelect(db, {
    target,
    columns,
    source: stage,
    where: conditions.filter((c) => c !== "").join(" AND "),
    partition: dedup ? columnList(primaryKey) : undefined,
    order,
  });
  // rows sharing a primary key share their (hashed) root id, so their nested rows share ids too
  await insertNested(db, pkg, root, staged, keyed);
}

/**
 * Inserts the staged nested rows of the root rows this package inserted; `unique` keeps one
 * row per `_dlt_id` (the last staged), for root ids that incoming duplicates share.
 */
async function insertNested(
  db: MergeTarget,
  pkg: LoadPackage,
  root: TableSchema,
  staged: TableSchema[],
  unique = false,
): Promise<void> {
  const inserted = `SELECT ${quoteIdentifier(DLT.id)} FROM ${db.name(root.name)} WHERE ${
    quoteIdentifier(DLT.loadId)
  } = ${quoteLiteral(pkg.loadId)}`;
  for (const nested of staged) {
    if (nested.name === root.name || typedColumns(nested).length === 0) continue;
    await insertSelect(db, {
      target: db.name(nested.name),
      columns: typedColumns(nested),
      source: db.stagingName(nested.name),
      where: `${quoteIdentifier(DLT.rootId)} IN (${inserted})`,
      partition: unique ? quoteIdentifier(DLT.id) : undefined,
      order: `${db.dialect.insertOrder} DESC`,
    });
  }
}

/**
 * dlt's `scd2`: root ids are hashes of the row's content (or a row version column identifies
 * versions). Current rows (valid-to NULL, or the active record timestamp) that the extract no
 * longer has are retired (valid-to set to the boundary: the load's time unless a boundary
 * timestamp is given; with a merge key, only in the partitions that arrived); incoming rows not
 * current yet are inserted, valid from the boundary, with their nested rows.
 */
async function mergeScd2(
  db: MergeTarget,
  pkg: LoadPackage,
  root: TableSchema,
  staged: TableSchema[],
): Promise<void> {
  const [fromName, toName] = root.validityColumns ?? ["_dlt_valid_from", "_dlt_valid_to"];
  const to = quoteIdentifier(toName);
  const version = quoteIdentifier(root.rowVersionColumn ?? DLT.id);
  const stage = db.stagingName(root.name);
  const target = db.name(root.name);
  const columns = typedColumns(root);
  const typeOf = (name: string) =>
    db.dialect.columnType(root.columns[name] ?? { name, dataType: "timestamp" });
  const timestamp = (iso: string, column: string) =>
    `CAST(${quoteLiteral(iso)} AS ${typeOf(column)})`;
  const at = (column: string) =>
    root.boundaryTimestamp === undefined
      ? `CAST(to_timestamp(${Number(pkg.loadId)}) AS ${typeOf(column)})`
      : timestamp(root.boundaryTimestamp, column);
  const active = root.activeRecordTimestamp === undefined
    ? `CAST(NULL AS ${typeOf(toName)})`
    : timestamp(root.activeRecordTimestamp, toName);
  const current = root.activeRecordTimestamp === undefined ? `${to} IS NULL` : `${to} = ${active}`;
  const mergeKey = columns.filter((c) => c.mergeKey);
  const keys = columnList(mergeKey);
  const partition = mergeKey.length === 0 ? "" : ` AND (${keys}) IN (SELECT ${keys} FROM ${stage})`;
  // rows flagged by a hardDelete column retire their record and are not inserted, as in dlt
  const live = hardDeleteFilter(root);
  const liveWhere = live ? ` WHERE ${live}` : "";
  await db.connection.run(
    `UPDATE ${target} SET ${to} = ${
      at(toName)
    } WHERE ${current} AND ${version} NOT IN (SELECT ${version} FROM ${stage}${liveWhere})${partition}`,
  );
  await insertSelect(db, {
    target,
    columns,
    source: stage,
    where: [live, `${version} NOT IN (SELECT ${version} FROM ${target} WHERE ${current})`]
      .filter((c) => c !== "").join(" AND "),
    partition: version,
    select: (c) =>
      c.name === fromName ? at(fromName) : c.name === toName ? active : quoteIdentifier(c.name),
  });
  await insertNested(db, pkg, root, staged);
}
