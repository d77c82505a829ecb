// One part of the test suite: the test modules tests/_suite.ts deals to this file.
import { importPart } from "../_suite.ts";

await importPart(import.meta.url);
