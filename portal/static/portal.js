// OneStop portal: small improvements on top of server-rendered pages that work without it.
// Live name check, the capital sum as you type, ID numbers checked as typed, and the case page
// kept up to date by server-sent events.
(function () {
  "use strict";
  var lang = document.body.getAttribute("data-lang") || "zh";
  document.documentElement.classList.add("js");

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }
  function byName(name) { return document.querySelector('[name="' + name + '"]'); }
  function val(name) { var el = byName(name); return el ? el.value.trim() : ""; }
  function say(el, text, ok) {
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("ok", ok === true);
    el.classList.toggle("bad", ok === false);
  }
  function pick(message) { return lang === "en" ? message.en : message.zh; }

  // ---- company name: preview and live check
  var builder = document.querySelector("[data-name-check]");
  if (builder) {
    var parts = ["name.division", "name.trade_name", "name.industry", "name.organisational_form"];
    var preview = document.getElementById("name-preview");
    var note = document.getElementById("name-check");
    var check = debounce(function () {
      var query = new URLSearchParams({
        division: val("name.division"), trade_name: val("name.trade_name"),
        industry: val("name.industry"), organisational_form: val("name.organisational_form"),
        industry_code: val("name.industry_code"), enterprise_type: val("enterprise_type")
      });
      if (!val("name.trade_name")) { say(note, "", null); return; }
      say(note, note.getAttribute("data-checking"), null);
      fetch(builder.getAttribute("data-name-check") + "?" + query.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { say(note, "", null); return; }
          if (data.available) { say(note, "✔ " + note.getAttribute("data-ok") + "：" + data.full_name, true); }
          else { say(note, "✘ " + data.messages.map(pick).join("；"), false); }
        })
        .catch(function () { say(note, "", null); });
    }, 400);
    var update = function () {
      if (preview) preview.textContent = parts.map(val).join("");
      check();
    };
    parts.concat(["name.industry_code", "enterprise_type"]).forEach(function (name) {
      var el = byName(name);
      if (el) { el.addEventListener("input", update); el.addEventListener("change", update); }
    });
    if (val("name.trade_name")) check();
  }

  // ---- capital: contributions add up to the registered capital (in cents, no floats)
  function cents(text) {
    var m = /^\s*(\d{1,15})(?:\.(\d{0,2}))?\s*$/.exec(String(text).replace(/,/g, ""));
    if (!m) return null;
    return BigInt(m[1]) * 100n + BigInt(((m[2] || "") + "00").slice(0, 2));
  }
  function yuan(c) {
    var s = c.toString().padStart(3, "0");
    return s.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + s.slice(-2);
  }
  var sumLine = document.getElementById("capital-sum");
  if (sumLine && typeof BigInt === "function") {
    var recompute = function () {
      var total = cents(val("registered_capital.amount"));
      var sum = 0n, complete = true, any = false;
      document.querySelectorAll(".subscription input").forEach(function (el) {
        if (!el.value.trim()) return;
        any = true;
        var c = cents(el.value);
        if (c === null) complete = false; else sum += c;
      });
      if (!any) { say(sumLine, "", null); return; }
      var text = sumLine.getAttribute("data-label") + " " + yuan(sum) + " " + sumLine.getAttribute("data-unit");
      if (!complete || total === null) { say(sumLine, text, null); return; }
      var ok = sum === total;
      say(sumLine, text + " — " + sumLine.getAttribute(ok ? "data-ok" : "data-bad"), ok);
    };
    document.addEventListener("input", function (e) {
      if (e.target.closest && (e.target.closest(".subscription") || e.target.name === "registered_capital.amount")) recompute();
    });
    recompute();
  }

  // ---- ID numbers checked as typed (citizen IDs only; other documents are checked on submit)
  function checkId(input) {
    var note = document.getElementById(input.id + "-live");
    var typeSelect = byName(input.name.replace(/id_number$/, "id_type"));
    var value = input.value.trim().toUpperCase();
    if (!note) return;
    if (!value || (typeSelect && typeSelect.value && typeSelect.value !== "CITIZEN_ID")) { say(note, "", null); return; }
    if (value.length < 18) { say(note, "", null); return; }
    fetch("/api/check-id?value=" + encodeURIComponent(value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) say(note, (data.ok ? "✔ " : "✘ ") + pick(data), data.ok); })
      .catch(function () { say(note, "", null); });
  }
  // One timer per field: typing in the next ID field must not cancel this one's check.
  var idTimers = new WeakMap();
  function idCheck(input) {
    clearTimeout(idTimers.get(input));
    idTimers.set(input, setTimeout(function () { checkId(input); }, 300));
  }
  document.addEventListener("input", function (e) {
    if (e.target.getAttribute && e.target.getAttribute("data-live") === "id") idCheck(e.target);
  });
  // A re-shown form: check the ID numbers already typed, next to the server's messages.
  document.querySelectorAll('[data-live="id"]').forEach(function (input) {
    if (input.value.trim().length >= 18) idCheck(input);
  });

  // ---- the case page: live updates from the server (server-sent events)
  var live = document.getElementById("live");
  var indicator = document.getElementById("live-indicator");
  if (live && live.getAttribute("data-events") && window.EventSource) {
    var source = new EventSource(live.getAttribute("data-events"));
    var stop = function () {
      source.close();
      if (indicator) { indicator.classList.remove("on"); indicator.textContent = indicator.getAttribute("data-ended"); }
    };
    source.addEventListener("open", function () {
      if (indicator) { indicator.classList.add("on"); indicator.textContent = indicator.getAttribute("data-live"); }
    });
    source.addEventListener("live", function (e) { live.innerHTML = e.data; });
    source.addEventListener("end", stop);
    source.addEventListener("failed", stop);
    document.querySelectorAll(".noscript-refresh").forEach(function (a) { a.hidden = true; });
  }

  // ---- desk queues: refreshed in place while the page is visible
  document.querySelectorAll("[data-refresh]").forEach(function (region) {
    var url = region.getAttribute("data-refresh");
    var every = parseInt(region.getAttribute("data-interval"), 10) || 5000;
    var busy = false;
    var last = null;
    var replace = function (html) {
      // Keep keyboard focus on the same link across the swap.
      var focused = document.activeElement;
      var href = focused && region.contains(focused) ? focused.getAttribute("href") : null;
      region.innerHTML = html;
      if (href) {
        var again = region.querySelector('a[href="' + href + '"]');
        if (again) again.focus();
      }
    };
    window.setInterval(function () {
      if (busy || document.visibilityState !== "visible") return;
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          // Swap only when the server's answer changed: screen readers hear real news only.
          if (html !== null && html !== last) {
            last = html;
            replace(html);
          }
        })
        .catch(function () { /* offline for a moment: the next round tries again */ })
        .then(function () { busy = false; });
    }, every);
  });

  // ---- move focus to the error summary so keyboard and screen-reader users hear it first
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
