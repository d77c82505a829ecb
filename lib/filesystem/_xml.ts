/**
 * The little XML that S3's REST API speaks: pulling elements out of a response (a listing, an
 * error, an upload id) and escaping text for a request body. Not a general XML parser: an element
 * looked up must not contain another element of the same name, which holds for every element S3
 * returns that is read here.
 *
 * @module
 */

/**
 * The raw content (entities not decoded) of every `<name>` element in `xml`, in order; an empty
 * element (`<name/>`) has `""`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { xmlElements } from "./_xml.ts";
 * const xml = "<R><Contents><Key>a</Key></Contents><Contents><Key>b</Key></Contents><KeyCount>2</KeyCount></R>";
 * assert.deepEqual(xmlElements(xml, "Contents"), ["<Key>a</Key>", "<Key>b</Key>"]);
 * assert.deepEqual(xmlElements(xml, "Key"), ["a", "b"]);
 * ```
 */
export function xmlElements(xml: string, name: string): string[] {
  const element = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}\\s*>)`, "g");
  return Array.from(xml.matchAll(element), (match) => match[1] ?? "");
}

/**
 * The text of the first `<name>` element in `xml`, entities decoded; `undefined` when there is
 * none.
 *
 * @example
 * ```ts
 * import { xmlText } from "./_xml.ts";
 * if (xmlText("<Key>a &amp; b &#x27;c&#39;</Key>", "Key") !== "a & b 'c'") throw new Error();
 * if (xmlText("<Key>a</Key>", "Size") !== undefined) throw new Error();
 * ```
 */
export function xmlText(xml: string, name: string): string | undefined {
  const [first] = xmlElements(xml, name);
  return first === undefined ? undefined : decodeXml(first);
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * `text` (the content of an element) with XML's five named entities, character references
 * (`&#39;`, `&#x1F600;`) and CDATA sections resolved. An unknown entity is kept as written.
 *
 * @example
 * ```ts
 * import { decodeXml } from "./_xml.ts";
 * if (decodeXml("&lt;a&gt; &quot;&#x1F600;&quot; <![CDATA[&amp;]]>") !== '<a> "😀" &amp;') {
 *   throw new Error();
 * }
 * ```
 */
export function decodeXml(text: string): string {
  return text.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/).map((part) =>
    part.startsWith("<![CDATA[") ? part.slice(9, -3) : part.replace(
      /&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi,
      (entity, body: string) => {
        if (!body.startsWith("#")) return ENTITIES[body] ?? entity;
        const code = body[1] === "x" || body[1] === "X"
          ? parseInt(body.slice(2), 16)
          : parseInt(body.slice(1), 10);
        return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
      },
    )
  ).join("");
}

/**
 * `text` fit to stand as the content of an XML element.
 *
 * @example
 * ```ts
 * import { escapeXml } from "./_xml.ts";
 * if (escapeXml('"a" & <b>') !== "&quot;a&quot; &amp; &lt;b&gt;") throw new Error();
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${Object.keys(ENTITIES).find((k) => ENTITIES[k] === c)};`,
  );
}
