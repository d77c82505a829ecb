/**
 * Which of a pipeline's schemas is its default one, as dlt's `default_schema_name`.
 *
 * @module
 */

/**
 * The default schema among `schemas`: `first` (the schema of the first source extracted into
 * the empty pipeline) when it is there; else the schema named `pipelineName` (the one
 * `run(data)` fills); else the first by name, as dlt falls back to the first of its sorted
 * `schema_names`. `undefined` when there is no schema.
 *
 * dlt keeps the name in the pipeline state; here a pipeline that ran before picks it again by
 * these rules, which give the same schema unless a pipeline holds several sources' schemas.
 *
 * @example
 * ```ts
 * import { pickDefaultSchemaName } from "./default_schema_name.ts";
 * const schemas = new Map([["zoo", 1], ["github", 2], ["events", 3]]);
 * if (pickDefaultSchemaName(schemas, undefined, "events") !== "events") throw new Error();
 * if (pickDefaultSchemaName(schemas, undefined, "other") !== "events") throw new Error();
 * if (pickDefaultSchemaName(schemas, "zoo", "events") !== "zoo") throw new Error();
 * if (pickDefaultSchemaName(new Map(), "zoo", "events") !== undefined) throw new Error();
 * ```
 */
export function pickDefaultSchemaName(
  schemas: ReadonlyMap<string, unknown>,
  first: string | undefined,
  pipelineName: string,
): string | undefined {
  if (first !== undefined && schemas.has(first)) return first;
  if (schemas.has(pipelineName)) return pipelineName;
  return [...schemas.keys()].sort()[0];
}
