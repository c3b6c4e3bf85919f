// ordo dashboard: live refresh over Server-Sent Events, actions as POSTs
// with the X-Ordo-Dashboard header (the CSRF guard), and on-demand logs.
"use strict";
(function () {
  const live = document.getElementById("live");
  const content = document.getElementById("content");
  const flash = document.getElementById("flash");

  // refresh fetches the page's content again (the server renders it for
  // this user) and swaps it in, keeping open <details>.
  let refreshing = false, again = false, last = 0, cost = 0, timer = null;
  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    const start = Date.now();
    try {
      const open = [...content.querySelectorAll("details[open]")].map(d => d.dataset.log);
      const r = await fetch(location.href, {headers: {"X-Ordo-Fragment": "1"}, credentials: "same-origin"});
      if (r.ok) {
        content.innerHTML = await r.text();
        for (const d of content.querySelectorAll("details[data-log]")) {
          if (open.includes(d.dataset.log)) { d.open = true; loadLog(d); }
        }
        document.body.dataset.refreshed = String(Date.now());
      }
    } finally {
      refreshing = false;
      last = Date.now();
      cost = last - start;
      if (again) { again = false; later(); }
    }
  }

  // later refreshes after a change, but no sooner than a second, or three
  // times what the last refresh took, after it: a big page (1000
  // CronJobs) under a stream of changes costs the server at most a
  // quarter of its time, and an isolated change still shows at once.
  function later() {
    if (timer) return;
    const wait = Math.max(0, last + Math.max(1000, 3 * cost) - Date.now());
    timer = setTimeout(() => { timer = null; refresh(); }, wait);
  }

  const kinds = live && live.dataset.kinds;
  if (kinds) {
    const es = new EventSource("/ui/live?kinds=" + encodeURIComponent(kinds));
    es.addEventListener("open", () => { live.classList.add("on"); document.body.dataset.live = "on"; });
    es.addEventListener("error", () => { live.classList.remove("on"); });
    es.addEventListener("change", later);
  }

  function say(text, ok) {
    flash.textContent = text;
    flash.className = ok ? "ok" : "error";
  }

  async function act(button) {
    const b = button.dataset;
    if (b.confirm && !window.confirm(b.confirm)) return;
    const url = "/ui/actions/" + b.action + "/" + encodeURIComponent(b.ns) + "/" + encodeURIComponent(b.name);
    const r = await fetch(url, {method: "POST", headers: {"X-Ordo-Dashboard": "1"}, credentials: "same-origin"});
    let msg = r.statusText;
    try { msg = (await r.json()).message; } catch (e) { /* not JSON */ }
    say(msg, r.ok);
    if (r.ok) refresh();
  }

  async function loadLog(details) {
    const pre = details.querySelector("pre");
    const r = await fetch(details.dataset.log, {credentials: "same-origin"});
    pre.textContent = await r.text();
  }

  document.addEventListener("click", e => {
    const button = e.target.closest("button[data-action]");
    if (button) { e.preventDefault(); act(button); }
  });
  document.addEventListener("toggle", e => {
    if (e.target.matches && e.target.matches("details[data-log]") && e.target.open) loadLog(e.target);
  }, true);
})();
