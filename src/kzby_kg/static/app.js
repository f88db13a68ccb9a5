// The query page: an editor, the stored questions with a form for their parameters, results as
// a table of labels (in the page's language) linked to each entity's page, 100 rows at a time.
// Everything it loads comes from this server.
(function () {
  "use strict";
  const LANGUAGES = ["en", "ru", "kk", "be"];
  const editor = CodeMirror.fromTextArea(document.getElementById("editor"), {
    mode: "application/sparql-query", lineNumbers: true, viewportMargin: Infinity,
  });
  const examples = document.getElementById("examples");
  const status = document.getElementById("status");
  const summary = document.getElementById("summary");
  const form = document.getElementById("params");
  const entities = document.getElementById("entities");
  const edited = document.getElementById("edited");
  const results = document.getElementById("results");
  const pager = document.getElementById("pager");
  const range = document.getElementById("range");
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  const langSelect = document.getElementById("lang");
  const PAGE = 100;
  const urlParams = new URLSearchParams(window.location.search);
  const lang = LANGUAGES.indexOf(urlParams.get("lang")) >= 0 ? urlParams.get("lang") : "en";
  const catalogue = {};
  // label and link of each IRI shown, in this page's language (asked once a page of results)
  const labels = new Map();
  let storedText = null;
  let entitiesLoaded = false;
  let wordTable = {};
  // what the page shows: a stored question is asked for a page at a time
  // (/api/NAME?PARAM=VALUE&limit=&offset=); an ad-hoc query's answer (capped by the server's
  // row limit) is paged here
  let view = null;

  function setStatus(text) { status.textContent = text; }

  // the server's refusal is one line: show that line
  async function refusal(response) {
    const text = (await response.text()).trim().split("\n")[0];
    return "error " + response.status + ": " + text;
  }

  // a word of the page in its language; {name} holes filled from values
  function word(key, otherwise, values) {
    const entry = wordTable[key];
    let text = entry ? entry[lang] || entry.en : otherwise;
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("{" + name + "}", String(values[name]));
    });
    return text;
  }

  async function words() {
    document.documentElement.lang = lang;
    langSelect.value = lang;
    if (lang !== "en") {
      document.getElementById("home").href = "/?lang=" + lang;
      document.getElementById("report").href = "/report?lang=" + lang;
    }
    try {
      wordTable = await (await fetch("/static/strings.json")).json();
      document.querySelectorAll("[data-word]").forEach(function (element) {
        element.textContent = word(element.dataset.word, element.textContent);
      });
    } catch (error) { /* the English words of the page stay */ }
  }

  async function fetchLabels(vars, bindings) {
    const wanted = [];
    const seen = new Set();
    bindings.forEach(function (b) {
      vars.forEach(function (v) {
        const term = b[v];
        if (term && term.type === "uri" && !labels.has(term.value) && !seen.has(term.value)) {
          seen.add(term.value); wanted.push(term.value);
        }
      });
    });
    for (let start = 0; start < wanted.length; start += 1000) {
      const response = await fetch("/labels", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ lang: lang, iris: wanted.slice(start, start + 1000) }),
      });
      if (!response.ok) { return; }  // the cells keep their CURIEs
      const data = await response.json();
      Object.keys(data.labels).forEach(function (iri) { labels.set(iri, data.labels[iri]); });
    }
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const known = labels.get(term.value);
      const curie = known ? known.curie : term.value.replace("https://w3id.org/kzby-kg/id/", "kzd:");
      const href = known ? known.href : null;
      const element = document.createElement(href ? "a" : "span");
      if (href) { element.href = href; }
      if (known && known.external) { element.rel = "external"; }
      element.textContent = known ? known.label : curie;
      element.title = curie;
      element.dataset.iri = term.value;
      td.appendChild(element);
    } else {
      td.textContent = term.value + (term["xml:lang"] ? " @" + term["xml:lang"] : "");
      if (term.datatype) { td.title = term.datatype.replace("http://www.w3.org/2001/XMLSchema#", "xsd:"); }
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
  async function showPage(vars, bindings, offset, total, more) {
    try { await fetchLabels(vars, bindings); } catch (error) { /* CURIEs, then */ }
    results.innerHTML = "";
    results.appendChild(table(vars, bindings));
    const shown = bindings.length
      ? word("rows_range", "rows {first}–{last}", { first: offset + 1, last: offset + bindings.length })
      : word("no_rows", "no rows");
    range.textContent = shown + (total !== null ? " " + word("of_total", "of {total}", { total: total }) : "");
    setStatus(total !== null ? word("rows_total", "{total} rows", { total: total })
      : word("rows_more", "{count} rows shown; more follow", { count: bindings.length }));
    prev.disabled = offset === 0;
    next.disabled = !more;
    pager.hidden = offset === 0 && !more;
  }

  async function showLocal() {
    const rows = view.data.results.bindings;
    await showPage(view.data.head.vars, rows.slice(view.offset, view.offset + PAGE), view.offset,
      rows.length, view.offset + PAGE < rows.length);
  }

  // the form's values: what the user typed, else nothing (the server fills in defaults)
  function formValues() {
    const values = new URLSearchParams();
    for (const input of form.querySelectorAll("input")) {
      if (input.validity.badInput) {
        throw new Error("parameter '" + input.name + "': not a " + input.dataset.kind);
      }
      if (input.value.trim() !== "") { values.set(input.name, input.value.trim()); }
    }
    return values;
  }

  async function fetchStored() {
    setStatus(word("running", "running…"));
    const query = new URLSearchParams(view.values);
    query.set("limit", PAGE); query.set("offset", view.offset);
    const url = "/api/" + encodeURIComponent(view.name) + "?" + query.toString();
    const response = await fetch(url, { headers: { Accept: "application/sparql-results+json" } });
    if (!response.ok) { setStatus(await refusal(response)); return; }
    const data = await response.json();
    if ("boolean" in data) { results.textContent = String(data.boolean); setStatus(word("done", "done")); return; }
    const rows = data.results.bindings;
    const header = response.headers.get("X-Total-Rows");
    const total = header !== null ? Number(header) : (rows.length < PAGE ? view.offset + rows.length : null);
    await showPage(data.head.vars, rows, view.offset, total, rows.length === PAGE);
  }

  async function turn(step) {
    if (!view) return;
    view.offset = Math.max(0, view.offset + step * PAGE);
    try {
      if (view.name) { await fetchStored(); } else { await showLocal(); }
    } catch (error) { setStatus("error: " + error.message); }
  }

  // the address names the question, its values and the language: a result can be linked to
  function remember(values) {
    const address = new URLSearchParams();
    if (examples.value) { address.set("example", examples.value); }
    if (lang !== "en") { address.set("lang", lang); }
    if (values) { values.forEach(function (value, key) { address.set(key, value); }); }
    const search = address.toString();
    window.history.replaceState(null, "", search ? "?" + search : "/");
  }

  async function run() {
    results.innerHTML = "";
    pager.hidden = true;
    view = null;
    const text = editor.getValue();
    try {
      if (examples.value && text === storedText) {
        const values = formValues();
        remember(values);
        view = { name: examples.value, offset: 0, values: values };
        await fetchStored();
        return;
      }
      setStatus(word("running", "running…"));
      const response = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
        body: text,
      });
      if (!response.ok) { setStatus(await refusal(response)); return; }
      const type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") < 0) {
        const pre = document.createElement("pre"); pre.textContent = await response.text();
        results.appendChild(pre); setStatus(word("done", "done")); return;
      }
      const data = await response.json();
      if ("boolean" in data) { results.textContent = String(data.boolean); setStatus(word("done", "done")); return; }
      view = { name: null, offset: 0, data: data };
      await showLocal();
    } catch (error) { setStatus("error: " + error.message); }
  }

  async function loadEntities() {
    if (entitiesLoaded) return;
    entitiesLoaded = true;
    const list = await (await fetch("/entities?lang=" + lang)).json();
    list.forEach(function (entity) {
      const option = document.createElement("option");
      option.value = entity.curie; option.label = entity.label; option.textContent = entity.label;
      entities.appendChild(option);
    });
  }

  // one input per parameter, typed as the CLI types it, with the question's default
  function input(parameter, value) {
    const element = document.createElement("input");
    element.name = parameter.name;
    element.id = "param-" + parameter.name;
    element.dataset.kind = parameter.type;
    if (parameter.type === "integer" || parameter.type === "year") {
      element.type = "number"; element.step = "1";
    } else if (parameter.type === "decimal") {
      element.type = "number"; element.step = "any";
    } else if (parameter.type === "date") {
      element.type = "date";
    } else {
      element.type = "text";
      if (parameter.type === "iri") {
        element.setAttribute("list", "entities"); element.size = 28; element.placeholder = "kzd:…";
      }
    }
    element.required = parameter.required;
    // the default as the input's own value attribute: a reset goes back to it
    if (value !== null && value !== undefined) { element.defaultValue = String(value); }
    return element;
  }

  async function showForm(question) {
    form.innerHTML = "";
    const parameters = question ? question.parameters : [];
    form.hidden = parameters.length === 0;
    if (parameters.some(function (p) { return p.type === "iri"; })) {
      try { await loadEntities(); } catch (error) { /* typing a CURIE still works */ }
    }
    parameters.forEach(function (parameter) {
      const label = document.createElement("label");
      label.htmlFor = "param-" + parameter.name;
      const given = urlParams.get(parameter.name);
      label.append(parameter.name + " ");
      const kind = document.createElement("small");
      kind.textContent = "(" + parameter.type + (parameter.required ? "" : ", " + word("optional", "optional")) + ")";
      label.appendChild(kind);
      const field = document.createElement("span");
      field.className = "param";
      field.appendChild(label);
      field.appendChild(input(parameter, given !== null ? given : parameter.default));
      form.appendChild(field);
    });
  }

  async function choose(name) {
    edited.hidden = true;
    if (!name) {
      storedText = null; summary.textContent = ""; await showForm(null); return;
    }
    const response = await fetch("/api/" + encodeURIComponent(name) + ".rq");
    storedText = await response.text();
    editor.setValue(storedText);
    const question = catalogue[name];
    summary.textContent = question ? question.description : "";
    await showForm(question);
  }

  function noticeEdits() {
    const changed = Boolean(examples.value) && storedText !== null && editor.getValue() !== storedText;
    const question = catalogue[examples.value];
    edited.hidden = !(changed && question && question.parameters.length);
    form.querySelectorAll("input").forEach(function (i) { i.disabled = changed; });
  }

  async function init() {
    await words();
    const list = await (await fetch("/api")).json();
    list.forEach(function (q) {
      catalogue[q.name] = q;
      const option = document.createElement("option");
      option.value = q.name; option.textContent = q.name + " — " + q.summary; option.title = q.description;
      examples.appendChild(option);
    });
    examples.addEventListener("change", function () { choose(examples.value); remember(null); });
    document.getElementById("run").addEventListener("click", run);
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    editor.on("change", noticeEdits);
    langSelect.addEventListener("change", function () {
      const address = new URLSearchParams(window.location.search);
      address.set("lang", langSelect.value);
      window.location.search = address.toString();
    });
    prev.addEventListener("click", function () { turn(-1); });
    next.addEventListener("click", function () { turn(1); });
    if (urlParams.get("example")) {
      examples.value = urlParams.get("example");
      await choose(examples.value);
      if (urlParams.get("run")) { await run(); }
    }
  }
  init();
}());
