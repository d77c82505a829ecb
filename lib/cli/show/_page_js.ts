/**
 * The script of the pipeline page: it reads the JSON endpoints and builds the sections. Every
 * name and value from the pipeline is user data, so the DOM is built with `textContent` and
 * text nodes only (never `innerHTML`), and the page's Content-Security-Policy allows no inline
 * script.
 *
 * @module
 */

/** The page's JavaScript (no template literals inside, so it sits in one here). */
export const PAGE_JS = String.raw`"use strict";
(function () {
  var PAGE_ROWS = 50;
  var current = { table: null, offset: 0, total: 0, request: 0 };

  function $(id) { return document.getElementById(id); }

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === undefined || value === null || value === false) return;
        if (key === "class") node.className = value;
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function clear(node) { node.replaceChildren(); return node; }

  function getJson(path) {
    return fetch(path, { headers: { accept: "application/json" } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body && body.error ? body.error : response.statusText);
        return body;
      });
    });
  }

  function showError(section, container, error) {
    clear(container).append(el("p", { class: "error" }, error.message || String(error)));
    section.setAttribute("data-error", error.message || String(error));
    section.setAttribute("data-loaded", "true");
  }

  function done(section) { section.setAttribute("data-loaded", "true"); }

  function fact(list, name, value, mono) {
    list.append(el("dt", null, name), el("dd", { class: mono ? "mono" : null }, value));
  }

  function plural(n, one, many) { return n.toLocaleString("en-US") + " " + (n === 1 ? one : many); }

  function loadOverview() {
    var section = $("overview");
    var list = $("overview-list");
    return getJson("/api/overview").then(function (o) {
      document.title = "dlt pipeline " + o.pipelineName;
      $("pipeline-name").textContent = o.pipelineName;
      clear(list);
      fact(list, "Pipeline", o.pipelineName, true);
      fact(list, "Dataset", o.datasetName, true);
      fact(list, "Destination", o.destination.type, true);
      fact(list, "Location", o.destination.location === null ? "—" : o.destination.location, true);
      fact(list, "Working folder", o.workingDir, true);
      fact(list, "State version", o.stateVersion === null ? "— (not loaded yet)" : o.stateVersion);
      var schemas = el("dd");
      if (o.schemas.length === 0) schemas.append("none yet");
      o.schemas.forEach(function (s, i) {
        if (i > 0) schemas.append(el("br"));
        schemas.append(
          el("span", { class: "mono", "data-schema": s.name }, s.name),
          " version " + s.version + " ",
          el("span", { class: "badge mono", title: "version hash" }, s.versionHash),
          " " + plural(s.tables, "table", "tables"),
        );
      });
      list.append(el("dt", null, "Schemas"), schemas);
      done(section);
    }).catch(function (error) { showError(section, list, error); });
  }

  function tableItem(node) {
    var count = node.rowCount === null ? "not loaded" : plural(node.rowCount, "row", "rows");
    var button = el("button", { type: "button", title: node.name },
      el("span", { class: "name" }, node.name), el("span", { class: "count" }, count));
    var item = el("li", {
      "data-table": node.name,
      "data-row-count": node.rowCount === null ? null : node.rowCount,
    }, button);
    button.addEventListener("click", function () { selectTable(node.name); });
    if (node.children.length > 0) {
      item.append(el.apply(null, ["ul", null].concat(node.children.map(tableItem))));
    }
    return item;
  }

  function loadTables() {
    var section = $("tables");
    var tree = $("table-tree");
    return getJson("/api/tables").then(function (t) {
      clear(tree);
      if (t.tables.length === 0) tree.append(el("li", { class: "muted" }, "No tables yet"));
      t.tables.forEach(function (node) { tree.append(tableItem(node)); });
      if (t.countError !== null) {
        section.append(el("p", { class: "error" }, "Row counts: " + t.countError));
      }
      done(section);
      var wanted = /^#table=(.+)$/.exec(location.hash);
      if (wanted) selectTable(decodeURIComponent(wanted[1]));
    }).catch(function (error) { showError(section, tree, error); });
  }

  function flag(on) { return el("td", { class: "flag" }, on ? "✓" : ""); }

  function selectTable(name) {
    document.querySelectorAll("#table-tree li.selected").forEach(function (li) {
      li.classList.remove("selected");
    });
    document.querySelectorAll("#table-tree li").forEach(function (li) {
      if (li.getAttribute("data-table") === name) li.classList.add("selected");
    });
    history.replaceState(null, "", "#table=" + encodeURIComponent(name));
    current.table = name;
    current.offset = 0;
    var section = $("table");
    section.removeAttribute("data-loaded");
    section.removeAttribute("data-error");
    section.setAttribute("data-table", name);
    $("table-name").textContent = name;
    $("table-hint").hidden = true;
    $("table-detail").hidden = false;
    var columns = clear($("columns"));
    return getJson("/api/tables/" + encodeURIComponent(name)).then(function (t) {
      if (current.table !== name) return;
      var facts = [];
      if (t.parent !== null) facts.push("nested in " + t.parent);
      if (t.resource !== null) facts.push("resource " + t.resource);
      if (t.writeDisposition !== null) facts.push("write disposition " + t.writeDisposition);
      if (t.mergeStrategy !== null) facts.push("merge strategy " + t.mergeStrategy);
      facts.push("schema " + t.schema);
      $("table-facts").textContent = facts.join(" · ");
      columns.append(el("thead", null, el("tr", null, el("th", null, "Column"), el("th", null, "Type"),
        el("th", null, "Nullable"), el("th", null, "Primary key"), el("th", null, "Merge key"),
        el("th", null, "Unique"), el("th", null, "Precision"), el("th", null, "Scale"),
        el("th", null, "Timezone"), el("th", null, "Other"))));
      var body = el("tbody");
      t.columns.forEach(function (c) {
        var other = [];
        if (c.hardDelete) other.push("hard delete");
        if (c.dedupSort !== null) other.push("dedup sort " + c.dedupSort);
        if (c.variant) other.push("variant");
        body.append(el("tr", { "data-column": c.name },
          el("td", { class: "mono" }, c.name),
          el("td", { class: "mono" }, c.dataType === null ? "—" : c.dataType),
          flag(c.nullable), flag(c.primaryKey), flag(c.mergeKey), flag(c.unique),
          el("td", null, c.precision === null ? "" : c.precision),
          el("td", null, c.scale === null ? "" : c.scale),
          el("td", null, c.timezone === null ? "" : c.timezone ? "yes" : "no"),
          el("td", null, other.join(", "))));
      });
      columns.append(body);
      return loadRows();
    }).catch(function (error) {
      if (current.table === name) showError(section, columns, error);
    });
  }

  function loadRows() {
    var name = current.table;
    var offset = current.offset;
    var request = ++current.request;
    var section = $("table");
    var preview = $("preview");
    section.removeAttribute("data-loaded");
    $("prev").disabled = true;
    $("next").disabled = true;
    var path = "/api/tables/" + encodeURIComponent(name) + "/rows?offset=" + offset + "&limit=" + PAGE_ROWS;
    return getJson(path).then(function (page) {
      if (request !== current.request) return;
      current.total = page.total;
      clear(preview);
      preview.setAttribute("data-offset", page.offset);
      preview.append(el("thead", null, el.apply(null, ["tr", null].concat(page.columns.map(function (c) {
        return el("th", { class: "mono" }, c);
      })))));
      var body = el("tbody");
      page.rows.forEach(function (row) {
        body.append(el.apply(null, ["tr", null].concat(row.map(function (value) {
          return value === null ? el("td", { class: "null" }, "NULL") : el("td", null, value);
        }))));
      });
      preview.append(body);
      $("page-info").textContent = page.rows.length === 0
        ? "No rows" + (page.total > 0 ? " here (" + plural(page.total, "row", "rows") + " in all)" : "")
        : "Rows " + (page.offset + 1).toLocaleString("en-US") + "–" +
          (page.offset + page.rows.length).toLocaleString("en-US") + " of " +
          page.total.toLocaleString("en-US");
      $("prev").disabled = page.offset === 0;
      $("next").disabled = page.offset + page.rows.length >= page.total;
      done(section);
    }).catch(function (error) {
      if (request !== current.request) return;
      clear(preview);
      $("page-info").textContent = "";
      showError(section, preview, error);
    });
  }

  function loadLoads() {
    var section = $("loads");
    var table = $("loads-table");
    return getJson("/api/loads").then(function (l) {
      clear(table);
      if (l.loads.length === 0) {
        table.append(el("tbody", null, el("tr", null, el("td", { class: "muted" }, "No loads yet"))));
        done(section);
        return;
      }
      table.append(el("thead", null, el("tr", null, el("th", null, "Load id"), el("th", null, "Schema"),
        el("th", null, "Status"), el("th", null, "Inserted at"), el("th", null, "Schema version hash"))));
      var body = el("tbody");
      l.loads.forEach(function (load) {
        var ok = load.status === "0";
        body.append(el("tr", { "data-load-id": load.loadId },
          el("td", { class: "mono" }, load.loadId),
          el("td", { class: "mono" }, load.schemaName),
          el("td", null, el("span", { class: ok ? "badge ok" : "badge" }, ok ? "loaded" : "status " + load.status)),
          el("td", { class: "mono" }, load.insertedAt),
          el("td", { class: "mono" }, load.schemaVersionHash)));
      });
      table.append(body);
      done(section);
    }).catch(function (error) { showError(section, table, error); });
  }

  function loadState() {
    var section = $("state");
    var pre = $("state-json");
    return getJson("/api/state").then(function (s) {
      pre.textContent = s.state === null ? "No state yet" : JSON.stringify(s.state, null, 2);
      done(section);
    }).catch(function (error) { showError(section, pre, error); });
  }

  function loadTrace() {
    var section = $("trace");
    var box = $("trace-body");
    return getJson("/api/trace").then(function (t) {
      clear(box);
      var trace = t.trace;
      if (trace === null) {
        box.append(el("p", { class: "muted" }, "No trace: the pipeline has not run since traces were kept"));
        done(section);
        return;
      }
      var list = el("dl", { class: "facts" });
      fact(list, "Run", trace.transactionId, true);
      fact(list, "Started", trace.startedAt, true);
      fact(list, "Finished", trace.finishedAt, true);
      var ms = Date.parse(trace.finishedAt) - Date.parse(trace.startedAt);
      if (!isNaN(ms)) fact(list, "Took", (ms / 1000).toFixed(2) + " s");
      box.append(list);
      if (trace.error) box.append(el("p", { class: "error" }, trace.error.name + ": " + trace.error.message));
      var table = el("table", { class: "grid" }, el("thead", null, el("tr", null, el("th", null, "Step"),
        el("th", null, "Started"), el("th", null, "Took"), el("th", null, "Load ids"),
        el("th", null, "Rows"), el("th", null, "Error"))));
      var body = el("tbody");
      trace.steps.forEach(function (step) {
        var rows = Object.keys(step.rowCounts || {}).map(function (table) {
          return table + ": " + step.rowCounts[table];
        }).join(", ");
        body.append(el("tr", { "data-step": step.step },
          el("td", null, step.step),
          el("td", { class: "mono" }, step.startedAt),
          el("td", null, (step.durationMs / 1000).toFixed(2) + " s"),
          el("td", { class: "mono" }, (step.loadIds || []).join(", ")),
          el("td", { class: "mono" }, rows),
          el("td", { class: step.error ? "error" : null }, step.error ? step.error.name + ": " + step.error.message : "")));
      });
      table.append(body);
      box.append(el("h3", null, "Steps"), el("div", { class: "scroll" }, table));
      var config = trace.resolvedConfig || [];
      if (config.length > 0) {
        var configBody = el("tbody");
        config.forEach(function (c) {
          configBody.append(el("tr", { "data-config": c.key },
            el("td", { class: "mono" }, c.key),
            el("td", { class: "mono" }, typeof c.value === "string" ? c.value : JSON.stringify(c.value)),
            el("td", { class: "mono" }, c.provider)));
        });
        box.append(el("h3", null, "Resolved config (secrets are never recorded)"), el("div", { class: "scroll" },
          el("table", { class: "grid" }, el("thead", null, el("tr", null, el("th", null, "Key"),
            el("th", null, "Value"), el("th", null, "From"))), configBody)));
      }
      done(section);
    }).catch(function (error) { showError(section, box, error); });
  }

  $("prev").addEventListener("click", function () {
    current.offset = Math.max(0, current.offset - PAGE_ROWS);
    loadRows();
  });
  $("next").addEventListener("click", function () {
    current.offset += PAGE_ROWS;
    loadRows();
  });

  loadOverview();
  loadTables();
  loadLoads();
  loadState();
  loadTrace();
})();
`;
