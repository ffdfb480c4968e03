// The signing page: asks the local signer (on this computer) for the token's certificates,
// starts the portal's signing session, relays each round's digests to the signer's /v1/sign
// and posts the values back; a remote signature waits for the approval on the user's app.
// Only digests go to the signer; the portal checks every value before anything is sent.
(function () {
  "use strict";
  const root = document.getElementById("signing");
  if (!root) { return; }
  const config = JSON.parse(document.getElementById("signing-config").textContent);
  const text = config.text;
  const progress = document.getElementById("progress");
  const errorBox = document.getElementById("error");
  const status = document.getElementById("signer-status");
  const select = document.getElementById("certificate");
  const find = document.getElementById("find-certificates");
  const signToken = document.getElementById("sign-token");
  const signRemote = document.getElementById("sign-remote");
  const csrf = document.querySelector("#csrf-holder input[name=csrfmiddlewaretoken]").value;
  let busy = false;

  function say(message) { progress.textContent = message; }
  function fail(code, message) {
    errorBox.textContent = message;
    errorBox.dataset.code = code;
    errorBox.hidden = false;
    progress.textContent = "";
    busy = false;
    buttons();
  }
  function clearError() { errorBox.hidden = true; errorBox.textContent = ""; errorBox.dataset.code = ""; }
  function buttons() {
    if (signToken) { signToken.disabled = busy || !select.value; }
    if (signRemote) { signRemote.disabled = busy; }
    if (find) { find.disabled = busy; }
  }
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (m, k) => (k in values ? String(values[k]) : m));
  }

  // A refusal of the local signer as the page's message (the protocol's codes).
  class SignerError extends Error {
    constructor(code, message) { super(message); this.code = code; }
  }
  const SIGNER_TEXT = {
    "signer.token_absent": "token_absent",
    "signer.pin_wrong": "pin_wrong",
    "signer.pin_locked": "pin_locked",
    "signer.declined": "declined",
    "signer.origin_refused": "origin_refused",
    "signer.busy": "busy",
    "signer.certificate_unknown": "certificate_unknown",
  };
  async function signer(path, body) {
    let response;
    try {
      response = await fetch(config.signer + path, body === undefined ? { method: "GET" } : {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new SignerError("signer.unreachable", text.signer_down);
    }
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = {}; }
    if (!response.ok) {
      const code = answer.code || "signer.error";
      const key = SIGNER_TEXT[code];
      throw new SignerError(code, key ? text[key] : format(text.signer_error, { message: answer.message || response.status }));
    }
    return answer;
  }

  class PortalError extends Error {
    constructor(code, message) { super(message); this.code = code; }
  }
  async function portal(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(body || {}),
      });
    } catch (error) {
      throw new PortalError("network", text.network);
    }
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = {}; }
    if (!response.ok) {
      throw new PortalError(answer.code || String(response.status), answer.message || text.network);
    }
    return answer;
  }

  function finish(answer) {
    say(text.done);
    window.location.assign(answer.redirect);
  }

  // --- USB token -------------------------------------------------------------------------
  // quiet: the lookup on opening a page that also offers remote signing; a signer not
  // running is then said in the token's section, not as an error of the page.
  async function certificates(quiet) {
    if (!select) { return; }
    clearError();
    select.disabled = true;
    select.replaceChildren();
    status.textContent = text.looking;
    status.dataset.code = "";
    try {
      const state = await signer("/v1/status");
      if (!state.token_present) { throw new SignerError("signer.token_absent", text.token_absent); }
      const list = (await signer("/v1/certificates")).certificates || [];
      if (!list.length) { throw new SignerError("signer.no_certificate", text.no_certificate); }
      list.forEach(c => {
        const known = config.registered.includes(c.der);
        const option = new Option(c.subject + " — " + c.serial + " (" + (known ? text.registered : text.unregistered) + ")", c.id);
        option.dataset.der = c.der;
        option.dataset.registered = known ? "1" : "0";
        select.add(option);
      });
      // A dossier is signed with the registered certificate; a renewal with a new one.
      const wanted = config.renewal ? "0" : "1";
      const first = Array.from(select.options).find(o => o.dataset.registered === wanted);
      if (first) { select.value = first.value; }
      select.disabled = false;
      status.textContent = format(text.found, { count: list.length });
    } catch (error) {
      status.textContent = "";
      if (quiet === true) {
        status.textContent = error.message;
        status.dataset.code = error.code || "signer.error";
      } else {
        fail(error.code || "signer.error", error.message);
      }
    }
    buttons();
  }

  async function relay(answer, certificateId) {
    // Each round: the session's digests to the signer, its values back to the portal.
    while (!answer.done) {
      say(config.renewal ? text.renewal : (config.one_form ? text.one_form : (answer.round === 1 ? text.round1 : text.round2)));
      const signed = await signer("/v1/sign", {
        certificate_id: certificateId,
        algorithm: "rsa-pkcs1-sha256",
        digests: answer.digests,
        summary: answer.summary,
      });
      say(answer.round === 2 ? text.sending : text.starting);
      answer = await portal(config.round, { round: answer.round, signatures: signed.signatures });
    }
    finish(answer);
  }

  async function withToken() {
    const option = select.options[select.selectedIndex];
    if (!option) { fail("choose", text.choose); return; }
    busy = true; buttons(); clearError();
    say(text.starting);
    try {
      const answer = await portal(config.start, { method: "token", certificate_der: option.dataset.der });
      await relay(answer, option.value);
    } catch (error) {
      fail(error.code || "error", error.message);
    }
  }

  // --- remote signing (CSC) ---------------------------------------------------------------
  function pause(ms) { return new Promise(resolve => setTimeout(resolve, ms)); }
  async function remotely() {
    const chosen = document.querySelector("input[name=remote]:checked");
    if (!chosen) { fail("choose", text.choose); return; }
    busy = true; buttons(); clearError();
    say(text.starting);
    try {
      let answer = await portal(config.start, { method: "remote", remote_id: Number(chosen.value) });
      while (!answer.done) {
        say(config.one_form ? text.remote_wait_one : format(text.remote_wait, { round: answer.round || 1 }));
        await pause(config.poll_ms);
        answer = await portal(config.remote, {});
      }
      finish(answer);
    } catch (error) {
      fail(error.code || "error", error.message);
    }
  }

  if (find) { find.addEventListener("click", () => certificates(false)); }
  if (select) { select.addEventListener("change", buttons); }
  if (signToken) { signToken.addEventListener("click", withToken); }
  if (signRemote) { signRemote.addEventListener("click", remotely); }
  buttons();
  if (select) { certificates(Boolean(signRemote)); }
})();
