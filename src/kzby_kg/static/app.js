// The query page: an editor, the stored questions as examples, results as a table.
// Everything it loads comes from this server.
(function () {
  "use strict";
  const editor = CodeMirror.fromTextArea(document.getElementById("editor"), {
    mode: "application/sparql-query", lineNumbers: true, viewportMargin: Infinity,
  });
  const examples = document.getElementById("examples");
  const status = document.getElementById("status");
  const summary = document.getElementById("summary");
  const results = document.getElementById("results");
  let storedText = null;

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

  function show(data) {
    results.innerHTML = "";
    if ("boolean" in data) { results.textContent = String(data.boolean); return; }
    const table = document.createElement("table");
    table.id = "result-table";
    const head = table.insertRow();
    data.head.vars.forEach(function (v) {
      const th = document.createElement("th"); th.textContent = v; head.appendChild(th);
    });
    data.results.bindings.forEach(function (b) {
      const row = table.insertRow();
      data.head.vars.forEach(function (v) { row.appendChild(cell(b[v])); });
    });
    results.appendChild(table);
    setStatus(data.results.bindings.length + " rows");
  }

  async function run() {
    setStatus("running…");
    results.innerHTML = "";
    const text = editor.getValue();
    let response;
    try {
      if (examples.value && text === storedText) {
        response = await fetch("/api/" + encodeURIComponent(examples.value),
          { headers: { Accept: "application/sparql-results+json" } });
      } else {
        response = await fetch("/sparql", {
          method: "POST",
          headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
          body: text,
        });
      }
      if (!response.ok) { setStatus("error " + response.status + ": " + (await response.text())); return; }
      const type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") >= 0) { show(await response.json()); }
      else { const pre = document.createElement("pre"); pre.textContent = await response.text(); results.appendChild(pre); setStatus("done"); }
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
    const params = new URLSearchParams(window.location.search);
    if (params.get("example")) {
      examples.value = params.get("example");
      await choose(examples.value);
      if (params.get("run")) { await run(); }
    }
  }
  init();
}());
