/**
 * The stylesheet of the pipeline page (no fonts or images fetched from anywhere).
 *
 * @module
 */

/** The page's CSS. */
export const PAGE_CSS = String.raw`:root {
  --bg: #f4f5f7; --card: #fff; --ink: #1d2330; --muted: #6b7280; --line: #e3e6eb;
  --accent: #4f46e5; --accent-soft: #eef2ff; --bad: #b42318; --bad-soft: #fef3f2; --ok: #067647;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 14px;
  color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
.mono, code, pre, .data td, .grid td.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
header.top { display: flex; align-items: center; gap: 1.25rem; padding: .75rem 1.5rem; background: #111827; color: #fff; position: sticky; top: 0; z-index: 1; }
header.top .brand { font-weight: 700; letter-spacing: .02em; }
header.top .brand .muted { color: #9ca3af; font-weight: 400; }
header.top h1 { font-size: 1.1rem; margin: 0; font-weight: 600; }
header.top nav { margin-left: auto; display: flex; gap: 1rem; }
header.top nav a { color: #c7d2fe; text-decoration: none; }
header.top nav a:hover { color: #fff; }
main { padding: 1.25rem 1.5rem 3rem; display: flex; flex-direction: column; gap: 1.25rem; max-width: 1500px; margin: 0 auto; }
.card { scroll-margin-top: 4rem; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; box-shadow: 0 1px 2px rgba(16,24,40,.05); min-width: 0; }
.card h2 { font-size: 1rem; margin: 0 0 .75rem; }
.card h3 { font-size: .9rem; margin: 1rem 0 .5rem; }
.split { display: grid; grid-template-columns: minmax(220px, 320px) 1fr; gap: 1.25rem; align-items: start; }
@media (max-width: 800px) { .split { grid-template-columns: 1fr; } }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.25rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding: 0; }
ul.tree ul { margin-left: 1rem; border-left: 1px dashed var(--line); padding-left: .5rem; }
ul.tree button { all: unset; box-sizing: border-box; cursor: pointer; display: flex; justify-content: space-between; gap: .75rem; width: 100%; padding: .3rem .5rem; border-radius: 6px; }
ul.tree button:hover { background: var(--bg); }
ul.tree button:focus-visible { outline: 2px solid var(--accent); }
ul.tree li.selected > button { background: var(--accent-soft); color: var(--accent); font-weight: 600; }
ul.tree .name { font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
ul.tree .count { color: var(--muted); white-space: nowrap; font-variant-numeric: tabular-nums; }
.scroll { overflow: auto; max-height: 32rem; border: 1px solid var(--line); border-radius: 8px; }
table.grid { border-collapse: collapse; width: 100%; }
table.grid th, table.grid td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
table.grid th { background: #f9fafb; position: sticky; top: 0; font-weight: 600; white-space: nowrap; }
table.grid tr:last-child td { border-bottom: 0; }
table.data td { max-width: 28rem; overflow-wrap: anywhere; white-space: pre-wrap; }
td.null { color: var(--muted); font-style: italic; }
td.flag { text-align: center; color: var(--ok); }
.pager { display: flex; align-items: center; gap: .75rem; margin-bottom: .5rem; }
.pager button { border: 1px solid var(--line); background: var(--card); border-radius: 6px; padding: .3rem .75rem; cursor: pointer; font: inherit; }
.pager button:disabled { opacity: .45; cursor: default; }
pre.json { margin: 0; padding: .75rem; background: #f9fafb; border: 1px solid var(--line); border-radius: 8px; overflow: auto; max-height: 28rem; }
.error { color: var(--bad); background: var(--bad-soft); border: 1px solid #fecdca; border-radius: 8px; padding: .5rem .75rem; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; background: var(--accent-soft); color: var(--accent); }
.badge.ok { background: #ecfdf3; color: var(--ok); }
.badge.bad { background: var(--bad-soft); color: var(--bad); }
`;
