// The D02-LT composer: rows as inputs, kept in rows_json, checked live as they change.
(function () {
  const fields = JSON.parse(document.getElementById("d02-fields").textContent);
  const hidden = document.getElementById("rows_json");
  const body = document.querySelector("#rows tbody");
  const live = document.getElementById("live");
  const form = document.getElementById("compose");
  const removeLabel = form.dataset.removeLabel;
  const okLabel = form.dataset.okLabel;
  let timer = null;

  function rows() {
    return Array.from(body.rows).map(tr => {
      const row = {};
      fields.forEach((f, i) => { row[f] = tr.cells[i + 1].firstChild.value; });
      return row;
    });
  }
  function renumber() { Array.from(body.rows).forEach((tr, i) => { tr.cells[0].textContent = i + 1; }); }
  function addRow(values) {
    const tr = body.insertRow();
    tr.insertCell().textContent = body.rows.length;
    fields.forEach(f => {
      const input = document.createElement("input");
      input.name = "cell-" + f; input.value = values[f] || ""; input.setAttribute("aria-label", f);
      input.size = f === "HoTen" ? 18 : 9;
      input.addEventListener("input", schedule);
      tr.insertCell().appendChild(input);
    });
    const button = document.createElement("button");
    button.type = "button"; button.className = "button-link"; button.textContent = removeLabel;
    button.addEventListener("click", () => { tr.remove(); renumber(); schedule(); });
    tr.insertCell().appendChild(button);
  }
  function sync() { hidden.value = JSON.stringify(rows()); }
  function schedule() { sync(); clearTimeout(timer); timer = setTimeout(check, 300); }
  async function check() {
    const data = new FormData(form);
    data.set("rows_json", hidden.value);
    const response = await fetch(form.dataset.checkUrl, { method: "POST", body: data });
    if (!response.ok) { return; }
    const result = await response.json();
    live.innerHTML = "";
    Array.from(body.rows).forEach(tr => tr.classList.remove("row-error"));
    if (!result.errors.length) { live.textContent = okLabel; return; }
    const list = document.createElement("ul");
    result.errors.forEach(e => {
      const li = document.createElement("li");
      li.dataset.code = e.code;
      li.textContent = e.code + (e.location.row ? " · " + e.location.row : "") + (e.location.field ? " · " + e.location.field : "") + ": " + e.message;
      list.appendChild(li);
      if (e.location.row && body.rows[e.location.row - 1]) { body.rows[e.location.row - 1].classList.add("row-error"); }
    });
    live.appendChild(list);
  }
  JSON.parse(hidden.value || "[{}]").forEach(addRow);
  document.getElementById("add-row").addEventListener("click", () => { addRow({}); schedule(); });
  document.getElementById("period").addEventListener("input", schedule);
  document.getElementById("procedure").addEventListener("change", schedule);
  form.addEventListener("submit", sync);
  schedule();
})();
