import assert from "node:assert/strict";
import { Type } from "../../lib/deps/apache_arrow.ts";
import { ARROW_TYPE_IDS } from "./_values.ts";

Deno.test("the Arrow type ids of _values.ts are apache-arrow's", () => {
  for (const [name, id] of Object.entries(ARROW_TYPE_IDS)) {
    assert.equal(id, Type[name as keyof typeof Type], name);
  }
});
