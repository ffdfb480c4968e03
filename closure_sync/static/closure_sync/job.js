// Live progress of a push job: poll its status until it is done.
(function () {
  var box = document.getElementById("job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  function set(id, value) {
    var el = document.querySelector('[data-testid="' + id + '"]');
    if (el) el.textContent = value;
  }
  function tick() {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("job-progress").value = s.percent;
        set("job-state", s.state_label);
        set("job-percent", s.percent);
        set("job-processed", s.processed);
        set("job-total", s.total);
        set("sum-pushed", s.pushed);
        set("sum-already", s.already);
        set("sum-failed", s.failed);
        if (s.state === "done" || s.state === "failed") {
          var list = document.getElementById("job-failures");
          list.innerHTML = "";
          s.failures.forEach(function (f) {
            var li = document.createElement("li");
            li.textContent = f.reference + ": " + f.message;
            list.appendChild(li);
          });
          document.getElementById("job-summary").hidden = false;
          var error = document.getElementById("job-error");
          if (error && s.error) {
            error.textContent = s.error;
            error.hidden = false;
          }
        } else {
          setTimeout(tick, 500);
        }
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  tick();
})();
