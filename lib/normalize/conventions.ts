/**
 * The naming conventions a pipeline uses: the built-in ones by name, and custom ones a user
 * passes as factories (to `pipeline({ naming })` or `source({ naming })`), as dlt allows a custom
 * naming convention module. Schemas store a convention's name; a schema whose convention is custom
 * needs the same factory on every run.
 *
 * @module
 */
import { DltError } from "../errors.ts";
import { describeValue, invalidValue, type OptionCheck } from "../options.ts";
import {
  NAMING_CONVENTIONS,
  type NamingConvention,
  namingConvention,
  type NamingConventionName,
} from "./naming.ts";

/** Makes a naming convention for a destination's longest identifier, like `snakeCase()`. */
export type NamingConventionFactory = (options: { maxLength?: number }) => NamingConvention;

/** A naming convention as options give it: a built-in name or a factory. */
export type NamingOption = NamingConventionName | NamingConventionFactory;

/** Whether `name` is one of the built-in conventions. */
export function isBuiltInNaming(name: string): name is NamingConventionName {
  return (NAMING_CONVENTIONS as readonly string[]).includes(name);
}

/** The check of a `naming` option: a built-in name or a factory of a convention. */
export function namingOption(): OptionCheck<NamingOption> {
  return (value) => {
    if (typeof value === "string" && isBuiltInNaming(value)) return value;
    if (typeof value === "function") return value as NamingConventionFactory;
    return invalidValue(
      `one of ${
        NAMING_CONVENTIONS.map((n) => JSON.stringify(n)).join(", ")
      }, or a function making a NamingConvention (like snakeCaseNaming)`,
      typeof value === "string",
    );
  };
}

/** The conventions of one pipeline, for identifiers of at most `maxLength` characters. */
export class NamingConventions {
  #maxLength: number | undefined;
  #custom = new Map<string, NamingConventionFactory>();
  #made = new Map<string, NamingConvention>();
  /** The name of the pipeline's convention: new schemas use it unless their source says. */
  readonly defaultName: string;

  /** The conventions, `option` being the pipeline's. */
  constructor(option: NamingOption, maxLength: number | undefined) {
    this.#maxLength = maxLength;
    this.defaultName = this.nameOf(option);
  }

  /** The name of the convention `option` gives, registering a custom one. */
  nameOf(option: NamingOption): string {
    if (typeof option === "string") return option;
    const convention = option({ maxLength: this.#maxLength });
    const name = convention?.name;
    if (
      typeof name !== "string" || name === "" ||
      typeof convention.normalizeIdentifier !== "function" ||
      typeof convention.shortenFragments !== "function"
    ) {
      throw new TypeError(
        `A naming convention factory must return a NamingConvention (name, normalizeIdentifier, shortenFragments), got ${
          describeValue(convention)
        }`,
      );
    }
    if (isBuiltInNaming(name)) {
      throw new TypeError(
        `A custom naming convention cannot be called "${name}", the name of a built-in one`,
      );
    }
    const known = this.#custom.get(name);
    if (known !== undefined && known !== option) {
      throw new TypeError(`Two different naming conventions are called "${name}"`);
    }
    this.#custom.set(name, option);
    this.#made.set(name, convention);
    return name;
  }

  /** The convention called `name`; a custom one must have been given (a `DltError` if not). */
  get(name: string): NamingConvention {
    let convention = this.#made.get(name);
    if (convention === undefined) {
      if (!isBuiltInNaming(name)) {
        throw new DltError(
          `A schema uses the naming convention "${name}", which is not built in: pass its factory to pipeline({ naming }) or source({ naming })`,
        );
      }
      convention = namingConvention(name, this.#maxLength);
      this.#made.set(name, convention);
    }
    return convention;
  }
}
