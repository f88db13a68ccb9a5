// The query page: an editor, the stored questions as examples, results as a table, a page of
// 100 rows at a time. Everything it loads comes from this server.
(function () {
  "use strict";
  const editor = CodeMirror.fromTextArea(document.getElementById("editor"), {
    mode: "application/sparql-query", lineNumbers: true, viewportMargin: Infinity,
  });
  const examples = document.getElementById("examples");
  const status = document.getElementById("status");
  const summary = document.getElementById("summary");
  const results = document.getElementById("results");
  const pager = document.getElementById("pager");
  const range = document.getElementById("range");
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  const PAGE = 100;
  let storedText = null;
  // what the page shows: a stored question is asked for a page at a time (/api/NAME?limit=&offset=);
  // an ad-hoc query's answer (capped by the server's row limit) is paged here
  let view = null;

  function setStatus(text) { status.textContent = text; }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      const local = term.value.startsWith("https://w3id.org/kzby-kg/id/")
        ? "/id/" + term.value.slice("https://w3id.org/kzby-kg/id/".length) : term.value;
      a.href = local;
      a.textContent = term.value.replace("https://w3id.org/kzby-kg/id/", "kzd:");
      td.appendChild(a);
    } else {
      td.textContent = term.value + (term["xml:lang"] ? " @" + term["xml:lang"] : "");
    }
    return td;
  }

  function table(vars, bindings) {
    const table = document.createElement("table");
    table.id = "result-table";
    const head = table.insertRow();
    vars.forEach(function (v) {
      const th = document.createElement("th"); th.textContent = v; head.appendChild(th);
    });
    bindings.forEach(function (b) {
      const row = table.insertRow();
      vars.forEach(function (v) { row.appendChild(cell(b[v])); });
    });
    return table;
  }

  // rows first–last, "of N" where the total is known: always for an ad-hoc answer, and for a
  // stored question once a page comes back short (the last page) or the server says it
  function showPage(vars, bindings, offset, total, more) {
    results.innerHTML = "";
    results.appendChild(table(vars, bindings));
    const shown = bindings.length
      ? "rows " + (offset + 1) + "–" + (offset + bindings.length) : "no rows";
    range.textContent = shown + (total !== null ? " of " + total : "");
    setStatus(total !== null ? total + " rows" : bindings.length + " rows shown; more follow");
    prev.disabled = offset === 0;
    next.disabled = !more;
    pager.hidden = offset === 0 && !more;
  }

  function showLocal() {
    const rows = view.data.results.bindings;
    showPage(view.data.head.vars, rows.slice(view.offset, view.offset + PAGE), view.offset,
      rows.length, view.offset + PAGE < rows.length);
  }

  async function fetchStored() {
    setStatus("running…");
    const url = "/api/" + encodeURIComponent(view.name) + "?limit=" + PAGE + "&offset=" + view.offset;
    const response = await fetch(url, { headers: { Accept: "application/sparql-results+json" } });
    if (!response.ok) { setStatus("error " + response.status + ": " + (await response.text())); return; }
    const data = await response.json();
    if ("boolean" in data) { results.textContent = String(data.boolean); setStatus("done"); return; }
    const rows = data.results.bindings;
    const header = response.headers.get("X-Total-Rows");
    const total = header !== null ? Number(header) : (rows.length < PAGE ? view.offset + rows.length : null);
    showPage(data.head.vars, rows, view.offset, total, rows.length === PAGE);
  }

  async function turn(step) {
    if (!view) return;
    view.offset = Math.max(0, view.offset + step * PAGE);
    try {
      if (view.name) { await fetchStored(); } else { showLocal(); }
    } catch (error) { setStatus("error: " + error); }
  }

  async function run() {
    setStatus("running…");
    results.innerHTML = "";
    pager.hidden = true;
    view = null;
    const text = editor.getValue();
    try {
      if (examples.value && text === storedText) {
        view = { name: examples.value, offset: 0 };
        await fetchStored();
        return;
      }
      const response = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
        body: text,
      });
      if (!response.ok) { setStatus("error " + response.status + ": " + (await response.text())); return; }
      const type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") < 0) {
        const pre = document.createElement("pre"); pre.textContent = await response.text();
        results.appendChild(pre); setStatus("done"); return;
      }
      const data = await response.json();
      if ("boolean" in data) { results.textContent = String(data.boolean); setStatus("done"); return; }
      view = { name: null, offset: 0, data: data };
      showLocal();
    } catch (error) { setStatus("error: " + error); }
  }

  async function choose(name) {
    if (!name) { storedText = null; summary.textContent = ""; return; }
    const response = await fetch("/api/" + encodeURIComponent(name) + ".rq");
    storedText = await response.text();
    editor.setValue(storedText);
    const option = examples.querySelector("option[value='" + name + "']");
    summary.textContent = option ? option.title : "";
  }

  async function init() {
    const list = await (await fetch("/api")).json();
    list.forEach(function (q) {
      const option = document.createElement("option");
      option.value = q.name; option.textContent = q.name + " — " + q.summary; option.title = q.description;
      examples.appendChild(option);
    });
    examples.addEventListener("change", function () { choose(examples.value); });
    document.getElementById("run").addEventListener("click", run);
    prev.addEventListener("click", function () { turn(-1); });
    next.addEventListener("click", function () { turn(1); });
    const params = new URLSearchParams(window.location.search);
    if (params.get("example")) {
      examples.value = params.get("example");
      await choose(examples.value);
      if (params.get("run")) { await run(); }
    }
  }
  init();
}());
