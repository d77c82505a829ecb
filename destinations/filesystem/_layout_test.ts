import assert from "node:assert/strict";
import { checkLayout, DEFAULT_LAYOUT, jobPath, loadIdPattern, tablePrefix } from "./_layout.ts";

const values = {
  schemaName: "github",
  tableName: "events",
  loadId: "1717171717.123456",
  fileId: "w0_2",
  ext: "jsonl.gz",
  // a Sunday in the second quarter, 09:05:07.089 UTC
  time: new Date("2024-06-02T09:05:07.089Z"),
};

Deno.test("the date and time placeholders are pendulum's tokens of the package time, lowercased", () => {
  const layout = "{table_name}/{YYYY}|{YY}|{Y}|{MMMM}|{MMM}|{MM}|{M}|{DD}|{D}|{HH}|{H}|{mm}|{m}|" +
    "{ss}|{s}|{SSSS}|{SSS}|{SS}|{S}|{Q}|{dddd}|{ddd}|{dd}|{d}/{load_id}.{file_id}.{ext}";
  assert.equal(
    jobPath(layout, values),
    "events/2024|24|2024|june|jun|06|6|02|2|09|9|05|5|07|7|0890|089|08|0|2|sunday|sun|su|0/" +
      "1717171717.123456.w0_2.jsonl.gz",
  );
  assert.equal(
    jobPath(
      "{table_name}/{curr_date}/{timestamp}-{timestamp_ms}-{load_package_timestamp}/{load_id}.{file_id}.{ext}",
      values,
    ),
    "events/2024-06-02/1717319107-1717319107089-1717319107/1717171717.123456.w0_2.jsonl.gz",
  );
});

Deno.test("a layout without {ext} gets the extension appended; extra placeholders fill in", () => {
  assert.equal(
    jobPath("{table_name}/{region}/{load_id}-{file_id}", { ...values, extra: { region: "eu" } }),
    "events/eu/1717171717.123456-w0_2.jsonl.gz",
  );
});

Deno.test("the table prefix and the load id of a path follow the layout", () => {
  const layout = "{schema_name}/{table_name}.{YYYY}.{load_id}.{file_id}.{ext}";
  assert.equal(tablePrefix(layout, "github", "events"), "github/events.");
  const pattern = loadIdPattern(layout, "github", "events");
  assert.equal(pattern.exec(jobPath(layout, values))?.[1], values.loadId);
  // a nested table's files are not the table's
  assert.equal(pattern.exec("github/events__payload.2024.1717171717.1.1.jsonl"), null);
  assert.equal(loadIdPattern(DEFAULT_LAYOUT, "s", "a.b").exec("aXb/1.2.3.csv"), null);
});

Deno.test("layout rules: known placeholders, {load_id} and {file_id}, {table_name} with a separator", () => {
  checkLayout(DEFAULT_LAYOUT, [], "layout");
  checkLayout("{table_name}-{load_id}-{file_id}", [], "layout");
  assert.throws(
    () => checkLayout("{table_name}/{a}/{b}/{load_id}.{file_id}", ["a"], "where"),
    {
      name: "RangeError",
      message:
        /^Layout "\{table_name\}\/\{a\}\/\{b\}\/\{load_id\}\.\{file_id\}" \(where\) has unknown placeholder "b"; known placeholders: .*\{a\}$/,
    },
  );
  assert.throws(
    () => checkLayout("{load_id}.{file_id}.{ext}", [], "layout"),
    /lacks \{table_name\}/,
  );
  assert.throws(() => checkLayout("{table_name}/{file_id}", [], "layout"), /lacks \{load_id\}/);
  assert.throws(() => checkLayout("{table_name}{load_id}.{file_id}", [], "layout"), /separator/);
  assert.throws(() => checkLayout("x/{table_name}", [], "layout"), /lacks/);
  assert.throws(() => checkLayout("{table_name}", [], "layout"), /lacks/);
});
