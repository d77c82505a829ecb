/** Dropping mangled C++ exports from a wasm binary, on small modules built here. */
import assert from "node:assert/strict";
import { dropMangledExports } from "./_wasm_exports.ts";

const encoder = new TextEncoder();

/** `bytes` with its length in front, as the wasm binary format writes vectors (all < 128 here). */
function sized(bytes: number[]): number[] {
  return [bytes.length, ...bytes];
}

/** A module with one function `() -> i32` returning 42, exported under each of `names`. */
function moduleExporting(names: string[]): Uint8Array<ArrayBuffer> {
  const exports = names.flatMap((name) => [...sized([...encoder.encode(name)]), 0x00, 0x00]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // `\0asm`, version 1
    ...[0x01, ...sized([0x01, 0x60, 0x00, 0x01, 0x7f])], // types: () -> i32
    ...[0x03, ...sized([0x01, 0x00])], // functions: one of type 0
    ...[0x07, ...sized([names.length, ...exports])], // exports: function 0 under each name
    ...[0x0a, ...sized([0x01, ...sized([0x00, 0x41, 0x2a, 0x0b])])], // code: i32.const 42
  ]);
}

Deno.test("mangled C++ names and their orig$ twins are dropped, the rest still work", async () => {
  const names = ["_Z3foov", "keep", "orig$_Z3foov", "_malloc", "orig$keep", "_", "_Z", "orig$"];
  const bytes = moduleExporting(names);
  const dropped = dropMangledExports(bytes);
  assert.equal(dropped.buffer, bytes.buffer, "rewritten in place");
  // each name with its length, the export's kind and the function's index
  const removed = ["_Z3foov", "orig$_Z3foov", "_Z"].reduce((sum, name) => sum + name.length + 3, 0);
  assert.equal(dropped.length, bytes.length - removed);
  const module = await WebAssembly.compile(dropped);
  assert.deepEqual(WebAssembly.Module.exports(module).map((entry) => entry.name), [
    "keep",
    "_malloc",
    "orig$keep",
    "_",
    "orig$",
  ]);
  const { exports } = await WebAssembly.instantiate(module);
  assert.equal((exports.keep as () => number)(), 42);
});

Deno.test("a module without mangled exports is left byte for byte", () => {
  const bytes = moduleExporting(["keep", "_malloc"]);
  const before = bytes.slice();
  assert.equal(dropMangledExports(bytes), bytes);
  assert.deepEqual(bytes, before);
});

Deno.test("dropping a single short export leaves a valid module", async () => {
  const module = await WebAssembly.compile(dropMangledExports(moduleExporting(["_Z"])));
  assert.deepEqual(WebAssembly.Module.exports(module), []);
});
