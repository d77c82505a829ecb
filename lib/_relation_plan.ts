/**
 * What a {@linkcode Relation} of `lib/dataset.ts` reads, as data: its source (a table with the
 * tables joined to it, an SQL query, or another relation it aggregates) and the clauses of one
 * `SELECT` on it, as dlt's relation builds them with sqlglot: the columns, the conditions (all
 * must hold), the order, `LIMIT` and `OFFSET`. The order the clauses were added in does not
 * matter, as in SQL; only {@linkcode Plan.aggregate} reads the rows of the relation before it.
 *
 * `_relation_sql.ts` writes a plan as SQL; `_relation_rows.ts` computes it from a table reader.
 *
 * @module
 */

/** The comparison operators of `where(column, operator, value)`, as dlt names them. */
export const OPERATORS = ["eq", "ne", "gt", "lt", "gte", "lte", "in", "not_in"] as const;

/** A comparison operator of `where(column, operator, value)`. */
export type Operator = typeof OPERATORS[number];

/** SQL's spelling of the operators, which `where()` takes too. */
const SQL_OPERATORS: Readonly<Record<string, Operator>> = {
  "=": "eq",
  "==": "eq",
  "!=": "ne",
  "<>": "ne",
  ">": "gt",
  "<": "lt",
  ">=": "gte",
  "<=": "lte",
  "not in": "not_in",
};

/**
 * `operator` as one of {@linkcode OPERATORS} (SQL's `=`, `!=`, `<>`, `>`, `<`, `>=`, `<=`, `not
 * in` taken too, in any case); anything else is a `RangeError` listing the operators.
 */
export function readOperator(operator: unknown): Operator {
  if (typeof operator === "string") {
    const name = operator.trim().toLowerCase();
    if ((OPERATORS as readonly string[]).includes(name)) return name as Operator;
    const sql = SQL_OPERATORS[name.replace(/\s+/g, " ")];
    if (sql !== undefined) return sql;
  }
  throw new RangeError(
    `Operator ${JSON.stringify(operator) ?? String(operator)} of where() is not known; use one of ${
      OPERATORS.map((o) => `"${o}"`).join(", ")
    } (or =, !=, <>, >, <, >=, <=)`,
  );
}

/** One condition of a relation: a comparison of a column with a value, or raw SQL. */
export type Filter =
  | { readonly column: string; readonly operator: Operator; readonly value: unknown }
  | { readonly sql: string };

/** One ordering of a relation. */
export interface Order {
  /** The column. */
  readonly column: string;
  /** Ascending or descending; NULLs come last either way. */
  readonly direction: "asc" | "desc";
}

/** The SQL join kinds `join()` takes, as dlt's. */
export const JOIN_KINDS = ["inner", "left", "right", "full"] as const;

/** A table joined to the base table of a relation, along dlt's parent/child keys. */
export interface Join {
  /** The joined table. */
  readonly table: string;
  /** The prefix of its columns in the relation: `{alias}__{column}`. */
  readonly alias: string;
  /** The SQL join. */
  readonly kind: typeof JOIN_KINDS[number];
}

/** Where a relation's rows come from. */
export type Source =
  | { readonly kind: "table"; readonly table: string; readonly joins: readonly Join[] }
  | { readonly kind: "sql"; readonly sql: string; readonly params?: readonly unknown[] }
  | { readonly kind: "relation"; readonly plan: Plan };

/** A relation: its source and the clauses of one `SELECT` on it. */
export interface Plan {
  /** The rows it selects from. */
  readonly source: Source;
  /** Only these columns of the source, in this order. @default {every column} */
  readonly columns?: readonly string[];
  /** The minimum or maximum of the one column of the source (a relation): one row. */
  readonly aggregate?: "min" | "max";
  /** Conditions every row meets. */
  readonly filters: readonly Filter[];
  /** The order of the rows, by these columns in turn. */
  readonly orderBy: readonly Order[];
  /** At most this many rows (a fraction is cut, a negative number is 0). */
  readonly limit?: number;
  /** Rows skipped first (a fraction is cut, a negative number is 0). @default {0} */
  readonly offset: number;
}

/** A plan reading every row of `source`. */
export function planOf(source: Source): Plan {
  return { source, filters: [], orderBy: [], offset: 0 };
}

/** `n` as SQL's `LIMIT`/`OFFSET` take it: a whole number ≥ 0. */
export function wholeCount(n: number): number {
  return Math.max(0, Math.floor(n));
}

/** Whether computing `plan` takes SQL (a query, or a raw SQL condition, anywhere in it). */
export function needsSql(plan: Plan): boolean {
  if (plan.filters.some((f) => "sql" in f)) return true;
  if (plan.source.kind === "sql") return true;
  return plan.source.kind === "relation" && needsSql(plan.source.plan);
}

/** The columns of its source that `plan` names (selected, compared, ordered by). */
export function referencedColumns(plan: Plan): string[] {
  const names = [
    ...plan.columns ?? [],
    ...plan.filters.flatMap((f) => "column" in f ? [f.column] : []),
    ...plan.orderBy.map((o) => o.column),
  ];
  return [...new Set(names)];
}

/** The tables `plan` reads by name (its base table and the ones joined to it). */
export function tablesOf(plan: Plan): string[] {
  const source = plan.source;
  if (source.kind === "table") return [source.table, ...source.joins.map((j) => j.table)];
  return source.kind === "relation" ? tablesOf(source.plan) : [];
}

/**
 * The parent of `table` among `tables`, by dlt's naming of nested tables: the longest name
 * before one of its `__` separators that is a table (`issues__user__tags` → `issues` when there
 * is no `issues__user` table).
 */
export function parentTable(table: string, tables: ReadonlySet<string>): string | undefined {
  let end = table.lastIndexOf("__");
  while (end > 0) {
    const candidate = table.slice(0, end);
    if (tables.has(candidate)) return candidate;
    end = table.lastIndexOf("__", end - 1);
  }
  return undefined;
}

/**
 * Fails unless every child table of `steps` links to its parent by `_dlt_parent_id`: a nested
 * table with a key of its own (a `nestedHints` primary or merge key) is a table of its own, whose
 * rows carry no parent id.
 */
export async function checkJoinLinks(
  steps: readonly JoinStep[],
  columnsOf: (table: string) => Promise<readonly string[]>,
): Promise<void> {
  for (const step of steps) {
    const [parent, child] = step.down ? [step.from, step.to] : [step.to, step.from];
    if (!(await columnsOf(child)).includes("_dlt_parent_id")) {
      throw new Error(
        `Table "${child}" has no _dlt_parent_id to join it to "${parent}": it is a table of its own (a nested table with its own key); relate them by their columns in dataset.query() instead`,
      );
    }
  }
}

/** One step of a join chain: `parent._dlt_id = child._dlt_parent_id`, from `from` to `to`. */
export interface JoinStep {
  /** The table joined so far, which the step starts at. */
  readonly from: string;
  /** The table the step joins. */
  readonly to: string;
  /** Whether `to` is the child of `from` (else its parent). */
  readonly down: boolean;
}

/**
 * The steps joining `target` to `base` along parent/child keys (`_dlt_id`, `_dlt_parent_id`): down
 * to a descendant, or up to an ancestor. A table that is neither is an `Error` naming the tables
 * `base` joins.
 */
export function joinSteps(
  base: string,
  target: string,
  tables: ReadonlySet<string>,
): JoinStep[] {
  const ancestors = (table: string): string[] => {
    const chain = [table];
    for (let t = parentTable(table, tables); t !== undefined; t = parentTable(t, tables)) {
      chain.push(t);
    }
    return chain;
  };
  if (target === base) throw new Error(`Cannot join table "${base}" to itself`);
  const up = ancestors(base);
  const atUp = up.indexOf(target);
  if (atUp > 0) {
    return up.slice(0, atUp).map((from, i) => ({ from, to: up[i + 1], down: false }));
  }
  const down = ancestors(target);
  const atDown = down.indexOf(base);
  if (atDown > 0) {
    const chain = down.slice(0, atDown + 1).reverse();
    return chain.slice(1).map((to, i) => ({ from: chain[i], to, down: true }));
  }
  const related = [...tables].filter((t) =>
    t !== base && (up.includes(t) || ancestors(t).includes(base))
  )
    .sort();
  throw new Error(
    `Table "${target}" is neither a parent nor a child of table "${base}"; ${
      related.length === 0
        ? `"${base}" has no related tables`
        : `tables it joins: ${related.join(", ")}`
    }`,
  );
}
