/**
 * A relation's {@linkcode Plan} as SQL for a destination's SQL client: `SELECT <columns> FROM
 * <source> WHERE … ORDER BY … LIMIT … OFFSET …`, values of `where()` written as literals (so
 * the statement is complete, as dlt's `to_sql()`), identifiers quoted, NULLs last in every order.
 *
 * @module
 */
import { quoteIdentifier, quoteLiteral } from "./load/sql.ts";
import { describeValue } from "./options.ts";
import {
  checkJoinLinks,
  type Filter,
  joinSteps,
  type Order,
  type Plan,
  type Source,
  wholeCount,
} from "./_relation_plan.ts";

/** What writing a plan as SQL needs to know of the dataset. */
export interface SqlNames {
  /** The SQL name of `table` in the dataset (quoted, qualified). */
  qualifiedName(table: string): string;
  /** The dataset's tables. */
  tables(): Promise<ReadonlySet<string>>;
  /** The columns of `table`, in order. */
  tableColumns(table: string): Promise<string[]>;
}

/** The alias of a wrapped source. */
const SOURCE_ALIAS = quoteIdentifier("_dlt_q");

/** `sql` without the semicolons and blanks it ends with, to be wrapped as a subquery. */
function bareStatement(sql: string): string {
  return sql.replace(/[\s;]+$/, "");
}

/** Whether `plan` is its SQL source as written: nothing added to the user's statement. */
export function isRawQuery(plan: Plan): boolean {
  return plan.source.kind === "sql" && plan.columns === undefined &&
    plan.aggregate === undefined && plan.filters.length === 0 && plan.orderBy.length === 0 &&
    plan.limit === undefined && wholeCount(plan.offset) === 0;
}

/** The parameters of the SQL query `plan` reads from, if any. */
export function paramsOf(plan: Plan): readonly unknown[] | undefined {
  const source = plan.source;
  if (source.kind === "sql") return source.params;
  return source.kind === "relation" ? paramsOf(source.plan) : undefined;
}

/** `plan` as one SQL statement (its query's own parameters left as placeholders). */
export async function planSql(plan: Plan, names: SqlNames): Promise<string> {
  if (isRawQuery(plan)) return (plan.source as { sql: string }).sql;
  const from = await fromSql(plan.source, names);
  let projection = "*";
  if (plan.aggregate !== undefined) {
    const column = quoteIdentifier(plan.columns![0]);
    projection = `${plan.aggregate}(${column}) AS ${column}`;
  } else if (plan.columns !== undefined) {
    projection = plan.columns.map(quoteIdentifier).join(", ");
  }
  let sql = `SELECT ${projection} FROM ${from}`;
  if (plan.filters.length > 0) sql += ` WHERE ${plan.filters.map(conditionSql).join(" AND ")}`;
  if (plan.orderBy.length > 0) sql += ` ORDER BY ${plan.orderBy.map(orderSql).join(", ")}`;
  if (plan.limit !== undefined) sql += ` LIMIT ${wholeCount(plan.limit)}`;
  if (wholeCount(plan.offset) > 0) sql += ` OFFSET ${wholeCount(plan.offset)}`;
  return sql;
}

/** The `FROM` item of `source`. */
async function fromSql(source: Source, names: SqlNames): Promise<string> {
  switch (source.kind) {
    case "table":
      return source.joins.length === 0
        ? names.qualifiedName(source.table)
        : `(${await joinSql(source.table, source.joins, names)}) AS ${SOURCE_ALIAS}`;
    case "sql":
      return `(${bareStatement(source.sql)}) AS ${SOURCE_ALIAS}`;
    case "relation":
      return `(${await planSql(source.plan, names)}) AS ${SOURCE_ALIAS}`;
  }
}

/**
 * The columns of a table with tables joined to it: each of the base table, then each of a joined
 * table as `{alias}__{column}`. An output name given twice is an `Error` asking for another
 * alias, as dlt's.
 */
export async function joinedColumns(
  base: string,
  joins: Extract<Source, { kind: "table" }>["joins"],
  tableColumns: (table: string) => Promise<string[]>,
): Promise<{ alias: string; table: string; column: string; name: string }[]> {
  const columns = (await tableColumns(base)).map((column) => ({
    alias: "",
    table: base,
    column,
    name: column,
  }));
  const names = new Set(columns.map((c) => c.name));
  const aliases = new Set<string>();
  for (const join of joins) {
    if (aliases.has(join.alias)) continue;
    aliases.add(join.alias);
    for (const column of await tableColumns(join.table)) {
      const name = `${join.alias}__${column}`;
      if (names.has(name)) {
        throw new Error(
          `Column "${name}" of join("${join.table}") is a column of the relation already; pass another alias: join("${join.table}", { alias: "…" })`,
        );
      }
      names.add(name);
      columns.push({ alias: join.alias, table: join.table, column, name });
    }
  }
  return columns;
}

/** `SELECT` of `base` joined with `joins` along dlt's parent/child keys. */
async function joinSql(
  base: string,
  joins: Extract<Source, { kind: "table" }>["joins"],
  names: SqlNames,
): Promise<string> {
  const tables = await names.tables();
  const qualifiers = new Map([[base, quoteIdentifier(base)]]);
  const clauses: string[] = [];
  let intermediate = 0;
  for (const join of joins) {
    const steps = joinSteps(base, join.table, tables);
    await checkJoinLinks(steps, (table) => names.tableColumns(table));
    for (const step of steps) {
      if (qualifiers.has(step.to)) continue;
      const qualifier = step.to === join.table
        ? quoteIdentifier(step.to)
        : quoteIdentifier(`_dlt_int_t${++intermediate}`);
      qualifiers.set(step.to, qualifier);
      const from = qualifiers.get(step.from)!;
      const [fromKey, toKey] = step.down
        ? ["_dlt_id", "_dlt_parent_id"]
        : ["_dlt_parent_id", "_dlt_id"];
      clauses.push(
        `${join.kind.toUpperCase()} JOIN ${
          names.qualifiedName(step.to)
        } AS ${qualifier} ON ${from}.${quoteIdentifier(fromKey)} = ${qualifier}.${
          quoteIdentifier(toKey)
        }`,
      );
    }
  }
  const columns = await joinedColumns(base, joins, (t) => names.tableColumns(t));
  const projection = columns.map((c) =>
    c.alias === ""
      ? `${qualifiers.get(base)}.${quoteIdentifier(c.column)}`
      : `${qualifiers.get(c.table)}.${quoteIdentifier(c.column)} AS ${quoteIdentifier(c.name)}`
  );
  return `SELECT ${projection.join(", ")} FROM ${names.qualifiedName(base)} AS ${
    qualifiers.get(base)
  } ${clauses.join(" ")}`;
}

/** SQL's comparison of each operator. */
const COMPARISONS = { eq: "=", ne: "<>", gt: ">", lt: "<", gte: ">=", lte: "<=" } as const;

/** One condition of `WHERE`. */
function conditionSql(filter: Filter): string {
  if ("sql" in filter) return `(${filter.sql})`;
  const column = quoteIdentifier(filter.column);
  const { operator, value } = filter;
  if (operator === "in" || operator === "not_in") {
    const values = (Array.isArray(value) ? value : [value]).map(sqlLiteral);
    if (values.length === 0) return operator === "in" ? "FALSE" : "TRUE";
    const list = `${column} IN (${values.join(", ")})`;
    return operator === "in" ? list : `NOT (${list})`;
  }
  if (value === null && (operator === "eq" || operator === "ne")) {
    return `${column} IS ${operator === "eq" ? "" : "NOT "}NULL`;
  }
  return `${column} ${COMPARISONS[operator]} ${sqlLiteral(value)}`;
}

/** One ordering of `ORDER BY`, NULLs last. */
function orderSql(order: Order): string {
  return `${quoteIdentifier(order.column)} ${order.direction.toUpperCase()} NULLS LAST`;
}

/**
 * `value` as an SQL literal: numbers and `bigint`s as digits, strings quoted, booleans as
 * `TRUE`/`FALSE`, `null` as `NULL`, a `Date` as its ISO text (which the database casts to the
 * column's type). Anything else is a `TypeError`.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null) return "NULL";
  switch (typeof value) {
    case "number":
      if (Number.isFinite(value)) return String(value);
      break;
    case "bigint":
      return String(value);
    case "string":
      return quoteLiteral(value);
    case "boolean":
      return value ? "TRUE" : "FALSE";
    case "object":
      if (value instanceof Date && !Number.isNaN(value.getTime())) {
        return quoteLiteral(value.toISOString());
      }
  }
  throw new TypeError(
    `The value of where() must be a string, a finite number, a bigint, a boolean, a Date or null (a list of them for "in", "not_in"); got ${
      describeValue(value)
    }: write other comparisons as raw SQL, where("…")`,
  );
}
