/**
 * The HTML of the pipeline page: the sections that `page.js` fills in from the JSON endpoints.
 * Kept in a module (not a file read at run time) so that the page works when the package is
 * imported by URL.
 *
 * @module
 */

/** The page's HTML document. */
export const PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dlt pipeline</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/page.css">
<script src="/page.js" defer></script>
</head>
<body>
<header class="top">
  <div class="brand">dlt <span class="muted">pipeline</span></div>
  <h1 id="pipeline-name">…</h1>
  <nav>
    <a href="#overview">Overview</a>
    <a href="#tables">Tables</a>
    <a href="#loads">Loads</a>
    <a href="#state">State</a>
    <a href="#trace">Last run</a>
  </nav>
</header>
<main>
  <section id="overview" class="card">
    <h2>Overview</h2>
    <dl id="overview-list" class="facts"></dl>
  </section>
  <div class="split">
    <section id="tables" class="card">
      <h2>Tables</h2>
      <ul id="table-tree" class="tree"></ul>
    </section>
    <section id="table" class="card">
      <h2>Table <span id="table-name" class="mono"></span></h2>
      <p id="table-hint" class="muted">Select a table to see its columns and rows.</p>
      <div id="table-detail" hidden>
        <p id="table-facts" class="muted"></p>
        <h3>Columns</h3>
        <div class="scroll"><table id="columns" class="grid"></table></div>
        <h3>Rows</h3>
        <div class="pager">
          <button type="button" id="prev">← Previous</button>
          <span id="page-info" class="muted"></span>
          <button type="button" id="next">Next →</button>
        </div>
        <div class="scroll"><table id="preview" class="grid data"></table></div>
      </div>
    </section>
  </div>
  <section id="loads" class="card">
    <h2>Loads</h2>
    <div class="scroll"><table id="loads-table" class="grid"></table></div>
  </section>
  <section id="state" class="card">
    <h2>State</h2>
    <pre id="state-json" class="json"></pre>
  </section>
  <section id="trace" class="card">
    <h2>Last run</h2>
    <div id="trace-body"></div>
  </section>
</main>
</body>
</html>
`;
