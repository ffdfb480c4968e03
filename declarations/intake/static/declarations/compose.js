// The compose page, enhanced: rows, TK1-TS declarations and household members are added and
// removed in place and checked live as they change; the download waits for a clean check
// (the server checks again on download: it is the real guard). The lists are sent as two
// JSON fields, so a 5,000-row list stays under the server's limit on the number of fields.
(function () {
  "use strict";
  const form = document.getElementById("compose");
  if (!form) { return; }
  const config = JSON.parse(document.getElementById("compose-config").textContent);
  const body = document.querySelector("#rows tbody");
  const peopleBox = document.getElementById("tk1-people");
  const tk1Section = document.getElementById("tk1");
  const offers = document.getElementById("tk1-offers");
  const live = document.getElementById("live");
  const download = document.getElementById("download");
  const hint = document.getElementById("download-hint");
  const procedure = document.getElementById("procedure");
  const period = document.getElementById("period");
  const replace = document.getElementById("import-replace");
  const confirmLabel = document.getElementById("confirm-replace-label");
  let timer = null;
  let sequence = 0;

  function hidden(name) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name;
    form.appendChild(input);
    return input;
  }
  const rowsJson = hidden("rows_json");
  const peopleJson = hidden("people_json");

  // Cells keep their values for the script only: the form sends the JSON fields instead.
  function detach(scope) {
    scope.querySelectorAll("[data-field], [data-key], [data-owner]").forEach(c => c.removeAttribute("name"));
  }
  function clone(id) {
    const node = document.getElementById(id).content.firstElementChild.cloneNode(true);
    detach(node);
    return node;
  }
  function values(scope) {
    const row = {};
    scope.querySelectorAll("[data-field]").forEach(c => { row[c.dataset.field] = c.value.trim(); });
    return row;
  }
  function persons() { return Array.from(peopleBox.querySelectorAll(":scope > [data-person]")); }
  function members(person) { return Array.from(person.querySelector("[data-members]").rows); }
  function rows() { return Array.from(body.rows).map(values); }
  function people() {
    return persons().map(p => {
      const person = values(p.querySelector(".tk1-fields"));
      person.household = members(p).map(values);
      return person;
    });
  }
  function setValue(control, value) {
    if (control.tagName === "SELECT" && value && !Array.from(control.options).some(o => o.value === value)) {
      control.add(new Option(value, value));
    }
    control.value = value;
  }
  function fill(scope, data) {
    scope.querySelectorAll("[data-field]").forEach(c => {
      if (data[c.dataset.field] !== undefined) { setValue(c, data[c.dataset.field]); }
    });
  }

  // Ids follow the place: d02-<row>-<field>, tk1-<person>-<field>, hh-<person>-<member>-<field>.
  function setIds(scope, prefix) {
    scope.querySelectorAll(".cell").forEach(cell => {
      const control = cell.querySelector("[data-field]");
      const id = prefix + "-" + control.dataset.field;
      control.id = id;
      cell.querySelector("label").htmlFor = id;
      const error = cell.querySelector(".cell-error");
      if (error) { error.id = id + "-error"; control.setAttribute("aria-describedby", error.id); }
    });
  }
  function renumber() {
    Array.from(body.rows).forEach((tr, i) => {
      tr.querySelectorAll("[data-n]").forEach(s => { s.textContent = i + 1; });
      setIds(tr, "d02-" + (i + 1));
    });
    persons().forEach((person, i) => {
      const n = i + 1;
      person.querySelectorAll("legend [data-n]").forEach(s => { s.textContent = n; });
      person.querySelector("[data-add-member]").value = "hh-add:" + n;
      setIds(person.querySelector(".tk1-fields"), "tk1-" + n);
      members(person).forEach((tr, j) => {
        tr.querySelectorAll("[data-m]").forEach(s => { s.textContent = j + 1; });
        setIds(tr, "hh-" + n + "-" + (j + 1));
      });
    });
  }

  function plansRefresh(scope) {
    const plans = config.plans[procedure.value] || [];
    scope.querySelectorAll("select[data-field='PA']").forEach(select => {
      const value = select.value;
      select.length = 0;
      select.add(new Option("—", ""));
      plans.forEach(([code, text]) => select.add(new Option(text, code)));
      setValue(select, value);
    });
  }
  function tk1Toggle() {
    tk1Section.hidden = !(config.tk1.includes(procedure.value) || persons().length);
  }

  function addRow() {
    const tr = clone("row-template");
    plansRefresh(tr);
    body.appendChild(tr);
    return tr;
  }
  function addPerson(data) {
    const person = clone("person-template");
    fill(person.querySelector(".tk1-fields"), data);
    person.querySelector("[data-person-name]").textContent = data.HoTen || "—";
    peopleBox.appendChild(person);
    return person;
  }
  function addMember(person) {
    const tr = clone("member-template");
    person.querySelector("[data-members]").appendChild(tr);
    return tr;
  }
  function firstEmpty(scope) {
    const controls = Array.from(scope.querySelectorAll("[data-field]"));
    return controls.find(c => !c.value) || controls[0];
  }

  function renderOffers(list) {
    offers.textContent = "";
    if (!list.length) { return; }
    const ul = document.createElement("ul");
    list.forEach(offer => {
      const li = clone("offer-template");
      li.querySelector("[data-offer-text]").textContent =
        config.text.offer.replace("%(n)s", offer.n).replace("%(name)s", offer.name || "—");
      const button = li.querySelector("[data-offer]");
      button.dataset.offer = offer.n;
      button.value = "tk1:" + offer.n;
      ul.appendChild(li);
    });
    offers.appendChild(ul);
  }

  function mark(control, message) {
    const id = control.id + "-error";
    let span = document.getElementById(id);
    if (span) { span.append(" "); } else {
      span = document.createElement("span");
      span.className = "cell-error"; span.id = id;
      control.after(span);
    }
    span.append(message);
    control.setAttribute("aria-invalid", "true");
    control.setAttribute("aria-describedby", id);
    const tr = control.closest("tr[data-row]");
    if (tr) { tr.classList.add("row-error"); }
  }
  function show(errors) {
    form.querySelectorAll(".cell-error").forEach(s => s.remove());
    form.querySelectorAll("[aria-invalid]").forEach(c => {
      c.removeAttribute("aria-invalid"); c.removeAttribute("aria-describedby");
    });
    body.querySelectorAll(".row-error").forEach(tr => tr.classList.remove("row-error"));
    live.textContent = "";
    live.classList.toggle("ok", !errors.length);
    if (!errors.length) { live.textContent = config.text.ok; return; }
    const list = document.createElement("ul");
    errors.forEach(e => {
      const li = document.createElement("li");
      li.dataset.code = e.code;
      const control = e.cell && document.getElementById(e.cell);
      if (control) {
        mark(control, e.message);
        const link = document.createElement("a");
        link.href = "#" + e.cell; link.dataset.cell = e.cell; link.textContent = e.where;
        li.append(link, ": " + e.message);
      } else {
        li.textContent = (e.where ? e.where + ": " : "") + e.message;
      }
      list.appendChild(li);
    });
    live.appendChild(list);
  }

  function sync() {
    rowsJson.value = JSON.stringify(rows());
    peopleJson.value = JSON.stringify(people());
  }
  function downloadAllowed(allowed) {
    download.disabled = !allowed;
    hint.hidden = allowed;
    // A hidden description is still read out: tie the hint only while it applies.
    if (allowed) { download.removeAttribute("aria-describedby"); } else { download.setAttribute("aria-describedby", hint.id); }
  }
  async function check() {
    clearTimeout(timer);
    sync();
    const mine = ++sequence;
    const data = new FormData();
    data.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    data.set("procedure", procedure.value);
    data.set("period", period.value);
    data.set("rows_json", rowsJson.value);
    data.set("people_json", peopleJson.value);
    let result;
    try {
      const response = await fetch(form.dataset.checkUrl, { method: "POST", body: data, credentials: "same-origin" });
      if (!response.ok) { throw new Error(String(response.status)); }
      result = await response.json();
    } catch (error) {
      // No answer: the server checks the download anyway.
      if (mine === sequence) { downloadAllowed(true); }
      return;
    }
    if (mine !== sequence) { return; }
    show(result.errors);
    renderOffers(result.offers || []);
    downloadAllowed(!result.errors.length);
  }
  function edited() {
    download.disabled = true;
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }
  // Rows or declarations added or removed: the ids follow the new places.
  function changed() {
    renumber();
    tk1Toggle();
    edited();
  }

  form.addEventListener("click", event => {
    const target = event.target;
    const link = target.closest("a[data-cell]");
    if (link) {
      const control = document.getElementById(link.dataset.cell);
      if (control) { event.preventDefault(); control.focus(); }
      return;
    }
    const button = target.closest("button");
    if (!button) { return; }
    if (button.id === "check") {
      event.preventDefault();
      check().then(() => live.focus());
    } else if (button.id === "add-row") {
      event.preventDefault();
      const tr = addRow();
      changed();
      tr.querySelector("[data-field]").focus();
    } else if (button.matches("[data-remove]")) {
      const tr = button.closest("tr");
      const next = tr.nextElementSibling || tr.previousElementSibling;
      tr.remove();
      changed();
      (next ? next.querySelector("[data-field]") : document.getElementById("add-row")).focus();
    } else if (button.matches("[data-offer]")) {
      event.preventDefault();
      const row = rows()[Number(button.dataset.offer) - 1] || {};
      const person = addPerson({ HoTen: row.HoTen, NgaySinh: row.NgaySinh, GioiTinh: row.GioiTinh, CMND: row.CMND });
      button.closest("li").remove();
      changed();
      firstEmpty(person.querySelector(".tk1-fields")).focus();
    } else if (button.matches("[data-add-member]")) {
      event.preventDefault();
      const tr = addMember(button.closest("[data-person]"));
      changed();
      tr.querySelector("[data-field]").focus();
    } else if (button.matches("[data-remove-member]")) {
      const person = button.closest("[data-person]");
      button.closest("tr").remove();
      changed();
      person.querySelector("[data-add-member]").focus();
    } else if (button.matches("[data-remove-person]")) {
      button.closest("[data-person]").remove();
      changed();
      tk1Section.querySelector("h2").focus();
    }
  });
  form.addEventListener("input", event => {
    const target = event.target;
    if (target === period || target.dataset.field !== undefined) {
      if (target.dataset.field === "HoTen" && target.closest(".tk1-fields")) {
        target.closest("[data-person]").querySelector("[data-person-name]").textContent = target.value || "—";
      }
      edited();
    }
  });
  procedure.addEventListener("change", () => { plansRefresh(body); changed(); });
  form.addEventListener("change", event => {
    if (event.target.name === "import_mode") { confirmLabel.hidden = !replace.checked; }
  });
  form.addEventListener("submit", sync);

  // Rows past the ones the server rendered come as JSON: added here, sent back in the lists.
  function more(kind) {
    const input = form.querySelector("input[data-more='" + kind + "']");
    if (!input) { return []; }
    input.removeAttribute("name");
    return JSON.parse(input.value || "[]");
  }
  more("rows").forEach(data => fill(addRow(), data));
  more("people").forEach(data => {
    const person = addPerson(data);
    (data.household || []).forEach(member => fill(addMember(person), member));
  });
  renumber();
  detach(form);
  live.tabIndex = -1;
  tk1Section.querySelector("h2").tabIndex = -1;
  confirmLabel.hidden = !replace.checked;
  const typed = rows().some(r => Object.values(r).some(Boolean)) || persons().length;
  if (typed) { check(); } else { download.disabled = true; }
})();
